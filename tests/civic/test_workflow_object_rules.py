"""Object rules on transitions: only a concern's author withdraws it, whoever hands it in."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from civic import selectors
from civic.models import Concern, WorkflowEvent
from civic.roles import RESIDENT, user_assign_role
from civic.workflow import CONCERN_WORKFLOW, transition, transition_many
from tests.factories import ConcernFactory, OfficerFactory

URL = "/api/v1/concerns/"
WITHDRAWN = Concern.Status.WITHDRAWN


@pytest.fixture
def submitted(resident, heat, neighbourhood):
    return ConcernFactory(author=resident, theme=heat, area=neighbourhood)


@pytest.fixture
def officer_who_lives_here(db):
    """An officer who is also a resident: sees unpublished concerns, holds the resident role."""
    user = OfficerFactory(username="officer-resident")
    user_assign_role(user, RESIDENT)
    return user


def _status(concern) -> str:
    return Concern.objects.values_list("status", flat=True).get(pk=concern.pk)


def test_another_resident_cannot_withdraw_a_concern_handed_to_the_service(
    other_resident, submitted
):
    # given: the object itself, as a careless view or task might pass it on
    # when / then
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        transition(submitted, WITHDRAWN, actor=other_resident)

    assert str(refused.value) == "Only the author may withdraw this concern."
    assert _status(submitted) == Concern.Status.SUBMITTED
    assert submitted.status == Concern.Status.SUBMITTED
    assert not selectors.history_of(submitted).exists()


def test_the_author_still_withdraws_their_own(resident, submitted):
    event = transition(submitted, WITHDRAWN, actor=resident)

    assert (event.actor, event.from_state, event.to_state) == (resident, "submitted", "withdrawn")
    assert _status(submitted) == WITHDRAWN


def test_a_concern_without_author_cannot_be_withdrawn_by_any_resident(resident, heat):
    # filed through an anonymous survey answer
    concern = ConcernFactory(author=None, theme=heat)

    with pytest.raises(PermissionDenied):
        transition(concern, WITHDRAWN, actor=resident)

    assert _status(concern) == Concern.Status.SUBMITTED


def test_withdraw_is_offered_to_the_author_only(resident, other_resident, submitted):
    def targets(user):
        return [t.target for t in CONCERN_WORKFLOW.available_to(submitted, user)]

    assert targets(resident) == [WITHDRAWN]
    assert targets(other_resident) == []


def test_a_batch_move_checks_the_rule_on_every_row(resident, other_resident, heat):
    mine = ConcernFactory(author=resident, theme=heat)
    theirs = ConcernFactory(author=other_resident, theme=heat)

    with pytest.raises(PermissionDenied):
        transition_many(
            Concern.objects.filter(pk__in=[mine.pk, theirs.pk]), WITHDRAWN, actor=resident
        )

    assert {_status(mine), _status(theirs)} == {Concern.Status.SUBMITTED}
    assert not WorkflowEvent.objects.exists()


# ---------------------------------------------------------------- through the API


def _withdraw(client, concern):
    return client.post(f"{URL}{concern.pk}/transition/", {"to": "withdrawn"}, format="json")


def test_an_officer_who_is_also_a_resident_cannot_withdraw_someone_elses_concern(
    api_as, officer_who_lives_here, submitted
):
    # They see the unpublished concern (officer), and hold the resident role: the
    # rule, not visibility, refuses them.
    client = api_as("officer_who_lives_here")
    shown = client.get(f"{URL}{submitted.pk}/").json()["properties"]["allowed_transitions"]

    response = client.post(
        f"{URL}{submitted.pk}/transition/",
        {"to": "withdrawn"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert "withdrawn" not in shown
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the author may withdraw this concern."
    assert _status(submitted) == Concern.Status.SUBMITTED
    assert not WorkflowEvent.objects.filter(to_state=WITHDRAWN).exists()


def test_another_resident_gets_a_404_the_author_a_withdraw_button(
    api_as, resident, other_resident, submitted
):
    other = _withdraw(api_as("other_resident"), submitted)
    shown = api_as("resident").get(f"{URL}{submitted.pk}/").json()["properties"]

    assert other.status_code == 404  # an unpublished concern of someone else stays invisible
    assert shown["allowed_transitions"] == ["withdrawn"]
    assert _withdraw(api_as("resident"), submitted).status_code == 200
    assert _status(submitted) == WITHDRAWN
