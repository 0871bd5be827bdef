"""A proposal's history: officers' working notes stay internal; the council's word is public."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from civic.workflow import transition
from tests.factories import ResidentFactory
from tests.interventions.conftest import S, decide, in_consultation, propose

pytestmark = pytest.mark.django_db
INTERNAL = "INTERNAL: wethouder Jansen wil dit niet"


def back_to_review_and_reopened(intervention, officer) -> None:
    """An officer sends it back to review with a working note, then consults again."""
    transition(intervention, S.UNDER_REVIEW, actor=officer, note=INTERNAL)
    transition(
        intervention,
        S.IN_CONSULTATION,
        actor=officer,
        changes={"consultation_end": timezone.localdate() + timedelta(days=10)},
    )


def page_html(client, intervention, user=None) -> str:
    if user is not None:
        client.force_login(user)
    response = client.get(
        reverse("interventions:detail", args=[intervention.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    return response.content.decode()


def api_notes(intervention, user=None) -> list[str]:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        api.force_authenticate(user)
    response = api.get(f"/api/v1/interventions/{intervention.pk}/")
    assert response.status_code == 200
    return [event["note"] for event in response.json()["properties"]["history"]]


def test_an_officers_back_to_review_note_is_not_shown_to_the_public(
    client, officer, council, other_resident, challenge, today
):
    intervention = in_consultation(officer, challenge)
    back_to_review_and_reopened(intervention, officer)

    assert INTERNAL not in page_html(client, intervention)
    assert INTERNAL not in page_html(client, intervention, other_resident)
    assert INTERNAL not in page_html(client, intervention, council)
    assert INTERNAL not in api_notes(intervention)
    assert INTERNAL not in api_notes(intervention, council)
    # The steps themselves stay on the record, only the note is left out.
    assert ": under review" in page_html(client, intervention)


def test_officers_still_read_their_working_notes(client, officer, challenge):
    intervention = in_consultation(officer, challenge)
    back_to_review_and_reopened(intervention, officer)

    assert INTERNAL in page_html(client, intervention, officer)
    assert INTERNAL in api_notes(intervention, officer)


def test_the_resident_proposer_reads_every_note_on_their_own_proposal(
    client, resident, officer, challenge
):
    intervention = propose(resident, challenge)
    transition(intervention, S.UNDER_REVIEW, actor=officer)
    transition(
        intervention,
        S.IN_CONSULTATION,
        actor=officer,
        changes={"consultation_end": timezone.localdate() + timedelta(days=10)},
    )
    back_to_review_and_reopened(intervention, officer)

    assert INTERNAL in page_html(client, intervention, resident)
    assert INTERNAL in api_notes(intervention, resident)
    assert INTERNAL not in api_notes(intervention, ResidentFactory())


def test_the_councils_motivation_and_reopen_reason_are_public(client, officer, council, challenge):
    intervention = in_consultation(officer, challenge)
    transition(intervention, S.AWAITING_DECISION, actor=officer)
    decide(council, intervention, "agreed", motivation="Goed voor de buurt.")
    transition(intervention, S.AWAITING_DECISION, actor=council, note="Nieuwe kostenraming.")

    notes = api_notes(intervention)
    assert "Goed voor de buurt." in notes
    assert "Nieuwe kostenraming." in notes
    assert "Nieuwe kostenraming." in page_html(client, intervention)
