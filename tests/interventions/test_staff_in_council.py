"""Officers and administrators do not record or reopen decisions, also with the council role."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from civic.roles import COUNCIL, user_assign_role
from interventions.models import Decision
from tests.factories import AdminFactory, OfficerFactory
from tests.interventions.conftest import S, awaiting, decide

pytestmark = pytest.mark.django_db
REFUSAL = "Officers and administrators do not record or reopen council decisions."
DECISION = {
    "outcome": "agreed",
    "motivation": "Goed voor de buurt.",
    "meeting_reference": "Raad 14",
    "votes_for": 20,
    "votes_against": 10,
    "votes_abstaining": 3,
}


@pytest.fixture(params=[OfficerFactory, AdminFactory], ids=["officer", "administrator"])
def staff_in_council(request, db):
    user = request.param(username="ook-raadslid")
    user_assign_role(user, COUNCIL)
    return user


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_staff_with_the_council_role_cannot_record_a_decision_in_the_api(
    staff_in_council, officer, challenge
):
    intervention = awaiting(officer, challenge)

    response = api(staff_in_council).post(
        f"/api/v1/interventions/{intervention.pk}/decisions/",
        {**DECISION, "decided_on": timezone.localdate().isoformat()},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["detail"] == REFUSAL
    assert not Decision.objects.exists()
    intervention.refresh_from_db()
    assert intervention.status == S.AWAITING_DECISION


def test_staff_with_the_council_role_get_no_decision_button_or_form(
    client, staff_in_council, officer, challenge
):
    intervention = awaiting(officer, challenge)
    client.force_login(staff_in_council)

    page = client.get(reverse("interventions:detail", args=[intervention.pk]))
    form = client.get(reverse("interventions:decide", args=[intervention.pk]))
    sent = client.post(
        reverse("interventions:decide", args=[intervention.pk]),
        {**DECISION, "decided_on": timezone.localdate().isoformat()},
    )

    assert "Record the council&#x27;s decision" not in page.content.decode()
    assert "Record the council's decision" not in page.content.decode()
    assert form.status_code == 403 and sent.status_code == 403
    assert not Decision.objects.exists()


def test_staff_with_the_council_role_cannot_reopen_a_decision(
    staff_in_council, officer, council, challenge
):
    intervention = awaiting(officer, challenge)
    decide(council, intervention, "agreed")

    shown = api(staff_in_council).get(f"/api/v1/interventions/{intervention.pk}/").json()
    reopened = api(staff_in_council).post(
        f"/api/v1/interventions/{intervention.pk}/transition/",
        {"to": S.AWAITING_DECISION, "note": "Toch anders"},
        format="json",
    )

    assert S.AWAITING_DECISION not in shown["properties"]["allowed_transitions"]
    assert reopened.status_code == 403
    assert reopened.json()["detail"] == REFUSAL
    intervention.refresh_from_db()
    assert intervention.status == S.AGREED


def test_a_council_member_still_records_and_reopens(council, officer, challenge):
    intervention = awaiting(officer, challenge)
    decide(council, intervention, "agreed")

    reopened = api(council).post(
        f"/api/v1/interventions/{intervention.pk}/transition/",
        {"to": S.AWAITING_DECISION, "note": "Nieuwe raming"},
        format="json",
    )

    assert reopened.status_code == 200
