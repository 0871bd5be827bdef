"""Council decisions: recorded by council members on proposals awaiting one, append-only."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civic.models import WorkflowEvent
from interventions.models import Decision, Intervention
from tests.interventions.conftest import S, awaiting, decide, in_consultation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("outcome", ["agreed", "declined", "deferred"])
def test_recording_a_decision_moves_the_proposal_to_its_outcome(
    officer, council, challenge, outcome, today
):
    intervention = awaiting(officer, challenge)

    decision = decide(council, intervention, outcome)

    assert Intervention.objects.get().status == outcome
    assert (decision.votes_for, decision.votes_against, decision.votes_abstaining) == (20, 10, 3)
    event = WorkflowEvent.objects.get(pk=decision.event_id)
    assert (event.from_state, event.to_state, event.actor, event.note) == (
        S.AWAITING_DECISION,
        outcome,
        council,
        "Goed onderbouwd.",
    )


def test_a_decision_on_a_proposal_not_awaiting_one_is_refused_and_nothing_written(
    officer, council, challenge
):
    intervention = in_consultation(officer, challenge)

    with pytest.raises(ValidationError) as refused:
        decide(council, intervention)

    assert refused.value.message_dict == {
        "intervention": ["This proposal is not awaiting a decision (it is in consultation)."]
    }
    assert not Decision.objects.exists()
    assert Intervention.objects.get().status == S.IN_CONSULTATION


@pytest.mark.parametrize("who", ["officer", "admin_user", "resident"])
def test_only_council_members_record_decisions(request, officer, challenge, who):
    intervention = awaiting(officer, challenge)

    with pytest.raises(PermissionDenied):
        decide(request.getfixturevalue(who), intervention)

    assert not Decision.objects.exists()
    assert Intervention.objects.get().status == S.AWAITING_DECISION


def test_bad_fields_are_named_and_nothing_is_written(officer, council, challenge):
    intervention = awaiting(officer, challenge)

    with pytest.raises(ValidationError) as refused:
        decide(
            council,
            intervention,
            outcome="maybe",
            votes_for=-1,
            motivation=" ",
            meeting_reference="",
            decided_on=timezone.localdate() + timedelta(days=1),
        )

    assert set(refused.value.message_dict) == {
        "outcome",
        "votes_for",
        "motivation",
        "meeting_reference",
        "decided_on",
    }
    assert not Decision.objects.exists()


def test_a_second_decision_on_a_decided_proposal_is_refused(officer, council, challenge):
    intervention = awaiting(officer, challenge)
    decide(council, intervention, "agreed")

    with pytest.raises(ValidationError):
        decide(council, intervention, "declined")

    assert list(Decision.objects.values_list("outcome", flat=True)) == ["agreed"]


def test_decisions_are_append_only(officer, council, challenge):
    decision = decide(council, awaiting(officer, challenge))

    decision.motivation = "Anders"
    with pytest.raises(ValueError):
        decision.save()
    with pytest.raises(ValueError):
        decision.delete()

    assert Decision.objects.get().motivation == "Goed onderbouwd."


def test_a_reopened_decision_keeps_the_first_on_the_record(officer, council, challenge):
    from civic.workflow import transition

    intervention = awaiting(officer, challenge)
    decide(council, intervention, "agreed")
    transition(intervention, S.AWAITING_DECISION, actor=council, note="Nieuwe feiten")

    decide(council, intervention, "declined", motivation="Te duur gebleken.")

    assert list(Decision.objects.order_by("id").values_list("outcome", flat=True)) == [
        "agreed",
        "declined",
    ]
    assert Intervention.objects.get().status == S.DECLINED


def test_the_admin_shows_decisions_and_reports_read_only(
    client, admin_user, officer, council, challenge
):
    decision = decide(council, awaiting(officer, challenge))
    client.force_login(admin_user)

    change = client.get(f"/admin/interventions/decision/{decision.pk}/change/")
    delete = client.post(f"/admin/interventions/decision/{decision.pk}/delete/", {"post": "yes"})
    add = client.get("/admin/interventions/decision/add/")
    report_add = client.get("/admin/interventions/commentreport/add/")

    assert change.status_code == 200
    assert 'name="motivation"' not in change.content.decode()
    assert (delete.status_code, add.status_code, report_add.status_code) == (403, 403, 403)
    assert Decision.objects.count() == 1
