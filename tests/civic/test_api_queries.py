"""List endpoints cost a fixed number of queries, however many rows they return."""

import pytest
from rest_framework.test import APIClient

from civic.models import Challenge, ChallengeConcern, Concern
from tests.factories import ChallengeFactory, ConcernFactory


def _count_queries(django_assert_max_num_queries, client, url, n):
    with django_assert_max_num_queries(n):
        response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("rows", [3, 30])
def test_concern_list_queries_do_not_grow_with_rows(
    rows, officer, heat, neighbourhood, django_assert_max_num_queries
):
    ConcernFactory.create_batch(
        rows, theme=heat, area=neighbourhood, status=Concern.Status.PUBLISHED
    )
    client = APIClient()
    client.force_authenticate(officer)
    response = _count_queries(
        django_assert_max_num_queries, client, "/api/v1/concerns/?page_size=100", 6
    )
    assert len(response.json()["features"]) == rows


@pytest.mark.parametrize("rows", [2, 12])
def test_challenge_list_queries_do_not_grow_with_rows(
    rows, officer, heat, django_assert_max_num_queries
):
    for challenge in ChallengeFactory.create_batch(
        rows, theme=heat, owner=officer, status=Challenge.Status.OPEN
    ):
        concern = ConcernFactory(theme=heat, status=Concern.Status.LINKED)
        ChallengeConcern.objects.create(challenge=challenge, concern=concern, linked_by=officer)
    client = APIClient()
    client.force_authenticate(officer)
    # 10: session and roles, count, page, concerns, the figures of the period shown, which
    # period that is (the default season), per-source freshness (figures, markers,
    # the "everything so far" period), and the stage the interventions app derives.
    response = _count_queries(django_assert_max_num_queries, client, "/api/v1/challenges/", 10)
    assert len(response.json()["features"]) == rows
    assert all(len(f["properties"]["concerns"]) == 1 for f in response.json()["features"])
