"""The proposal's workflow per role and object: who may make which move; refusals write nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from civic.models import Challenge, WorkflowEvent
from civic.workflow import TransitionNotAllowed, transition
from interventions import services
from interventions.models import Decision, Intervention
from tests.factories import ChallengeFactory
from tests.interventions.conftest import S, awaiting, decide, in_consultation, propose

pytestmark = pytest.mark.django_db


def events_of(intervention) -> list[tuple[str, str]]:
    return list(
        WorkflowEvent.objects.filter(
            content_type__model="intervention", object_id=intervention.pk
        ).values_list("from_state", "to_state")
    )


def test_a_residents_proposal_starts_proposed_and_an_officers_under_review(
    resident, officer, challenge
):
    mine = propose(resident, challenge)
    theirs = propose(officer, challenge)

    assert (mine.status, mine.proposer_role) == (S.PROPOSED, "resident")
    assert (theirs.status, theirs.proposer_role) == (S.UNDER_REVIEW, "officer")
    assert events_of(mine) == [("", S.PROPOSED)]


@pytest.mark.parametrize("status", [Challenge.Status.DRAFT, Challenge.Status.CLOSED])
def test_no_proposal_for_a_draft_or_closed_challenge(resident, status):
    hidden = ChallengeFactory(status=status)

    with pytest.raises(ValidationError) as refused:
        propose(resident, hidden)

    assert "challenge" in refused.value.message_dict
    assert not Intervention.objects.exists()


def test_council_members_make_no_proposal(council, challenge):
    with pytest.raises(PermissionDenied):
        propose(council, challenge)
    assert not Intervention.objects.exists()


def test_a_negative_cost_or_unknown_kind_is_refused_naming_the_field(resident, challenge):
    with pytest.raises(ValidationError) as refused:
        propose(resident, challenge, cost_estimate=-5, kind="castle")

    assert set(refused.value.message_dict) == {"cost_estimate", "kind"}
    assert not Intervention.objects.exists()


# (role fixture, from, to) moves each role may NOT make; the table must refuse them.
FORBIDDEN = [
    ("resident", S.PROPOSED, S.UNDER_REVIEW),
    ("council", S.PROPOSED, S.UNDER_REVIEW),
    ("council", S.UNDER_REVIEW, S.IN_CONSULTATION),
    ("resident", S.IN_CONSULTATION, S.AWAITING_DECISION),
    ("council", S.IN_CONSULTATION, S.AWAITING_DECISION),
    ("officer", S.AWAITING_DECISION, S.AGREED),
    ("admin_user", S.AWAITING_DECISION, S.AGREED),
    ("resident", S.AWAITING_DECISION, S.DECLINED),
    ("officer", S.PROPOSED, S.WITHDRAWN),
]


def _bring(intervention, state, officer):
    path = {
        S.PROPOSED: [],
        S.UNDER_REVIEW: [S.UNDER_REVIEW],
        S.IN_CONSULTATION: [S.UNDER_REVIEW, S.IN_CONSULTATION],
        S.AWAITING_DECISION: [S.UNDER_REVIEW, S.IN_CONSULTATION, S.AWAITING_DECISION],
    }[state]
    for step in path:
        changes = {}
        if step == S.IN_CONSULTATION:
            changes = {"consultation_end": timezone.localdate() + timedelta(days=7)}
        transition(intervention, step, actor=officer, changes=changes)


@pytest.mark.parametrize(("role", "source", "target"), FORBIDDEN)
def test_a_role_outside_the_table_is_refused_and_nothing_is_written(
    request, resident, officer, challenge, role, source, target
):
    intervention = propose(resident, challenge)
    _bring(intervention, source, officer)
    before = events_of(intervention)

    with pytest.raises((PermissionDenied, ValidationError)):
        transition(intervention, target, actor=request.getfixturevalue(role))

    intervention.refresh_from_db()
    assert intervention.status == source
    assert events_of(intervention) == before


def test_out_of_order_names_the_allowed_states(resident, officer, challenge):
    intervention = propose(resident, challenge)

    with pytest.raises(TransitionNotAllowed) as refused:
        transition(intervention, S.AWAITING_DECISION, actor=officer)

    assert set(refused.value.allowed) == {S.UNDER_REVIEW, S.NOT_TAKEN_UP, S.WITHDRAWN}
    assert Intervention.objects.get().status == S.PROPOSED


def test_an_officer_declines_to_take_up_a_proposal_only_with_a_note(resident, officer, challenge):
    intervention = propose(resident, challenge)

    with pytest.raises(ValidationError) as refused:
        transition(intervention, S.NOT_TAKEN_UP, actor=officer, note="  ")
    assert "note" in refused.value.message_dict

    transition(intervention, S.NOT_TAKEN_UP, actor=officer, note="Dit is privéterrein.")
    assert Intervention.objects.get().status == S.NOT_TAKEN_UP


def test_only_the_proposer_withdraws_their_proposal(resident, other_resident, challenge):
    intervention = propose(resident, challenge)

    with pytest.raises(PermissionDenied):
        transition(intervention, S.WITHDRAWN, actor=other_resident)
    transition(intervention, S.WITHDRAWN, actor=resident)

    assert Intervention.objects.get().status == S.WITHDRAWN


def test_the_consultation_end_must_lie_ahead(officer, challenge, today):
    intervention = propose(officer, challenge)

    for end in (today, today - timedelta(days=3)):
        with pytest.raises(ValidationError) as refused:
            transition(
                intervention, S.IN_CONSULTATION, actor=officer, changes={"consultation_end": end}
            )
        assert "consultation_end" in refused.value.message_dict
    with pytest.raises(ValidationError) as missing:
        transition(intervention, S.IN_CONSULTATION, actor=officer)
    assert "consultation_end" in missing.value.message_dict

    intervention.refresh_from_db()
    assert (intervention.status, intervention.consultation_end) == (S.UNDER_REVIEW, None)
    assert events_of(intervention) == [("", S.UNDER_REVIEW)]


def test_an_outcome_is_reached_only_by_recording_a_decision(officer, council, challenge):
    intervention = awaiting(officer, challenge)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        transition(intervention, S.AGREED, actor=council)

    assert refused.value.message_dict["to"] == [
        "Record the council's decision: that moves the proposal."
    ]
    assert Intervention.objects.get().status == S.AWAITING_DECISION
    assert not Decision.objects.exists()


def test_the_resident_edits_their_own_proposal_only_while_proposed(
    resident, other_resident, officer, challenge
):
    intervention = propose(resident, challenge)

    services.intervention_update(intervention=intervention, actor=resident, title="Nieuwe titel")
    with pytest.raises(PermissionDenied):
        services.intervention_update(intervention=intervention, actor=other_resident, title="X")
    transition(intervention, S.UNDER_REVIEW, actor=officer)
    with pytest.raises(ValidationError) as refused:
        services.intervention_update(intervention=intervention, actor=resident, title="Later")

    assert "status" in refused.value.message_dict
    assert Intervention.objects.get().title == "Nieuwe titel"


def test_council_members_cannot_edit_proposals_and_nobody_edits_one_in_consultation(
    officer, council, challenge
):
    intervention = in_consultation(officer, challenge)

    with pytest.raises(PermissionDenied):
        services.intervention_update(intervention=intervention, actor=council, title="Raad")
    with pytest.raises(ValidationError):
        services.intervention_update(intervention=intervention, actor=officer, title="Later")

    assert Intervention.objects.get().title == "Tegels eruit"


def test_a_council_member_reopens_an_agreed_decision_only_with_a_reason(
    officer, council, challenge
):
    intervention = awaiting(officer, challenge)
    decide(council, intervention, "agreed")

    with pytest.raises(PermissionDenied):
        transition(intervention, S.AWAITING_DECISION, actor=officer, note="Wij willen opnieuw")
    with pytest.raises(ValidationError) as refused:
        transition(intervention, S.AWAITING_DECISION, actor=council)
    assert "note" in refused.value.message_dict
    transition(intervention, S.AWAITING_DECISION, actor=council, note="Nieuwe kostenraming")

    reopened = WorkflowEvent.objects.filter(object_id=intervention.pk).last()
    assert (reopened.from_state, reopened.to_state, reopened.note, reopened.actor) == (
        S.AGREED,
        S.AWAITING_DECISION,
        "Nieuwe kostenraming",
        council,
    )


def test_a_deferred_proposal_goes_back_on_the_agenda_or_to_review(officer, council, challenge):
    intervention = awaiting(officer, challenge)
    decide(council, intervention, "deferred")

    transition(intervention, S.AWAITING_DECISION, actor=officer)
    decide(council, intervention, "deferred")
    transition(intervention, S.UNDER_REVIEW, actor=officer, note="Eerst de kosten herzien")

    assert Intervention.objects.get().status == S.UNDER_REVIEW
