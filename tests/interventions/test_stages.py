"""The challenge's pipeline stage, derived from its interventions (not stored on the challenge)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civic import services as civic_services
from civic import workflow
from civic.challenge_parts import stages_for
from civic.models import Challenge
from civic.workflow import transition
from tests.interventions.conftest import S, awaiting, decide, in_consultation, propose

pytestmark = pytest.mark.django_db


def stage_of(challenge) -> str:
    challenge.refresh_from_db()
    return stages_for([challenge])[challenge.pk].key


def test_the_stage_follows_the_furthest_proposal(resident, officer, council, challenge):
    assert stage_of(challenge) == "open"
    waiting = propose(resident, challenge)
    assert stage_of(challenge) == "open"  # nobody reviewed it yet
    transition(waiting, S.UNDER_REVIEW, actor=officer)
    assert stage_of(challenge) == "open"  # under review is not public yet
    consulted = in_consultation(officer, challenge)
    assert stage_of(challenge) == "consultation"
    transition(consulted, S.AWAITING_DECISION, actor=officer)
    assert stage_of(challenge) == "awaiting_decision"
    decide(council, consulted, "agreed")
    assert stage_of(challenge) == "agreed"


@pytest.mark.parametrize("outcome", ["declined", "deferred"])
def test_a_declined_or_deferred_proposal_does_not_advance_the_stage(
    officer, council, challenge, outcome
):
    decide(council, awaiting(officer, challenge), outcome)

    assert stage_of(challenge) == "open"


def test_a_prioritised_challenge_with_a_proposal_in_consultation_is_in_consultation(
    officer, challenge
):
    transition(challenge, Challenge.Status.PRIORITISED, actor=officer)
    in_consultation(officer, challenge)

    assert stage_of(challenge) == "consultation"


def test_stages_of_many_challenges_cost_one_query_for_the_interventions(officer, heat, challenge):
    challenges = [challenge]
    for n in range(4):
        other = civic_services.challenge_create(actor=officer, title=f"Opgave {n}", theme=heat)
        workflow.transition(other, Challenge.Status.OPEN, actor=officer)
        in_consultation(officer, other)
        challenges.append(other)

    with CaptureQueriesContext(connection) as queries:
        stages = stages_for(challenges)

    ours = [q for q in queries.captured_queries if "interventions_intervention" in q["sql"]]
    assert len(ours) == 1
    assert {stages[c.pk].key for c in challenges[1:]} == {"consultation"}


def test_a_proposal_under_review_does_not_show_in_the_public_stage(client, officer, challenge):
    """Nobody outside sees a proposal under review: the challenge's stage must not reveal it."""
    from rest_framework.test import APIClient

    propose(officer, challenge)  # an officer's proposal starts under review
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    listed = api.get(f"/api/v1/interventions/?challenge={challenge.pk}").json()
    assert listed["features"] == []
    shown = api.get(f"/api/v1/challenges/{challenge.pk}/").json()
    assert shown["properties"]["stage"]["key"] == "open"
    html = client.get(f"/challenges/{challenge.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="challenge-stage">proposal<' not in html
