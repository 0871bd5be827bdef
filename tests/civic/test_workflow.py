"""The workflow engine: every row of the transition tables, for every role."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import translation

from civic import selectors
from civic import workflow as engine
from civic.models import Challenge, ChallengeConcern, Concern, User, WorkflowEvent
from civic.roles import ADMIN, COUNCIL, OFFICER, RESIDENT
from civic.workflow import (
    CHALLENGE_WORKFLOW,
    CONCERN_WORKFLOW,
    STAFF,
    Transition,
    TransitionNotAllowed,
    Workflow,
    record_creation,
    transition,
    workflow_for,
)
from tests.factories import ChallengeFactory, ConcernFactory

# Actor fixture name -> the role it holds (None: not signed in).
ACTORS = {
    "resident": RESIDENT,
    "officer": OFFICER,
    "council": COUNCIL,
    "admin_user": ADMIN,
    "anonymous": None,
    "nobody": None,
}
NOTE = "Checked on site."


@pytest.fixture
def anonymous(db):
    return AnonymousUser()


@pytest.fixture
def nobody(db):
    return None


def _rows(workflow: Workflow):
    return [
        pytest.param(workflow, move, id=f"{workflow.model.__name__}:{move.source}->{move.target}")
        for move in workflow.transitions
    ]


ALL_ROWS = _rows(CONCERN_WORKFLOW) + _rows(CHALLENGE_WORKFLOW)


def _missing_pairs(workflow: Workflow):
    states = [value for value, _label in workflow.model._meta.get_field("status").choices]
    return [
        pytest.param(workflow, source, target, id=f"{workflow.model.__name__}:{source}->{target}")
        for source in states
        for target in states
        if workflow.find(source, target) is None
    ]


def _object_in(workflow: Workflow, state: str, owner=None):
    """An object in `state`; a concern of `owner` when that is a user (rules check authorship)."""
    if workflow.model is Concern:
        if isinstance(owner, User):
            return ConcernFactory(status=state, author=owner)
        return ConcernFactory(status=state)
    if workflow.model is Challenge:
        return ChallengeFactory(status=state)
    raise AssertionError(f"Teach _object_in to build a {workflow.model.__name__}.")


def _value_for(model, name: str):
    field = model._meta.get_field(name)
    if field.choices:
        return field.choices[0][0]
    return "value"


def _ready(workflow: Workflow, move: Transition, owner=None):
    """An object in the move's source state that passes its guard, with valid changes."""
    obj = _object_in(workflow, move.source, owner)
    if move.guard is not None and isinstance(obj, Concern) and move.target == Concern.Status.LINKED:
        ChallengeConcern.objects.create(challenge=ChallengeFactory(status="open"), concern=obj)
    if move.guard is not None:
        assert move.guard(obj) is None, "teach _ready how to satisfy this guard"
    changes = {name: _value_for(workflow.model, name) for name in move.sets}
    return obj, changes


def _status_in_db(obj) -> str:
    return type(obj).objects.values_list("status", flat=True).get(pk=obj.pk)


@pytest.mark.parametrize("actor_name", ACTORS)
@pytest.mark.parametrize(("workflow", "move"), ALL_ROWS)
def test_every_transition_for_every_role(request, workflow, move, actor_name):
    actor = request.getfixturevalue(actor_name)
    # The actor's own object: the author-only rule is tested on its own below.
    obj, changes = _ready(workflow, move, owner=actor)
    allowed = ACTORS[actor_name] in move.roles

    if allowed:
        event = transition(obj, move.target, actor=actor, note=NOTE, changes=changes)

        history = list(selectors.history_of(obj))
        assert history == [event]
        assert (event.actor, event.from_state, event.to_state, event.note) == (
            actor,
            move.source,
            move.target,
            NOTE,
        )
        assert event.subject == obj
        assert _status_in_db(obj) == move.target
        assert obj.status == move.target
        for name, value in changes.items():
            assert getattr(type(obj).objects.get(pk=obj.pk), name) == value
    else:
        with pytest.raises(PermissionDenied):
            transition(obj, move.target, actor=actor, note=NOTE, changes=changes)

        assert _status_in_db(obj) == move.source
        assert obj.status == move.source
        assert not selectors.history_of(obj).exists()


@pytest.mark.parametrize(("workflow", "source", "target"), _missing_pairs(CONCERN_WORKFLOW))
def test_concern_move_outside_the_table_is_refused_naming_allowed_states(
    workflow, source, target, officer
):
    _assert_not_in_table(workflow, source, target, officer)


@pytest.mark.parametrize(("workflow", "source", "target"), _missing_pairs(CHALLENGE_WORKFLOW))
def test_challenge_move_outside_the_table_is_refused_naming_allowed_states(
    workflow, source, target, officer
):
    _assert_not_in_table(workflow, source, target, officer)


def _assert_not_in_table(workflow, source, target, officer):
    obj = _object_in(workflow, source)

    with translation.override("en"), pytest.raises(TransitionNotAllowed) as caught:
        transition(obj, target, actor=officer, note=NOTE)

    with translation.override("en"):
        message = " ".join(caught.value.message_dict["to"])
    assert source in message
    assert target in message
    allowed = workflow.next_states(source)
    assert caught.value.allowed == allowed
    for state in allowed:
        assert state in message
    if not allowed:
        assert "none" in message
    assert _status_in_db(obj) == source
    assert not WorkflowEvent.objects.exists()


def test_an_unknown_target_state_is_refused(officer):
    concern = ConcernFactory(status=Concern.Status.SUBMITTED)

    with pytest.raises(TransitionNotAllowed) as caught:
        transition(concern, "deleted", actor=officer)

    assert "published, rejected" in caught.value.message_dict["to"][0]
    assert _status_in_db(concern) == Concern.Status.SUBMITTED


NOTE_ROWS = [param for param in ALL_ROWS if param.values[1].requires_note]


def test_some_rows_require_a_note():
    assert NOTE_ROWS


@pytest.mark.parametrize(("workflow", "move"), NOTE_ROWS)
@pytest.mark.parametrize("note", ["", "   \n"])
def test_a_step_that_requires_a_note_is_refused_without_one(workflow, move, note, officer):
    obj, changes = _ready(workflow, move)

    with pytest.raises(ValidationError) as caught:
        transition(obj, move.target, actor=officer, note=note, changes=changes)

    assert "note" in caught.value.message_dict
    assert _status_in_db(obj) == move.source
    assert not WorkflowEvent.objects.exists()


@pytest.mark.parametrize(("workflow", "move"), NOTE_ROWS)
def test_the_note_is_stored_without_surrounding_whitespace(workflow, move, officer):
    obj, changes = _ready(workflow, move)

    event = transition(obj, move.target, actor=officer, note="  Out of scope.\n", changes=changes)

    assert WorkflowEvent.objects.get(pk=event.pk).note == "Out of scope."


def test_a_step_without_required_note_still_records_an_optional_one(officer):
    concern = ConcernFactory(status=Concern.Status.SUBMITTED)

    transition(concern, Concern.Status.PUBLISHED, actor=officer)

    assert selectors.history_of(concern).get().note == ""


CLOSING = [
    param for param in _rows(CONCERN_WORKFLOW) if param.values[1].target == Concern.Status.CLOSED
]


def test_closing_rows_exist_and_set_an_outcome():
    assert CLOSING
    assert all(param.values[1].sets == ("outcome",) for param in CLOSING)


@pytest.mark.parametrize(("workflow", "move"), CLOSING)
@pytest.mark.parametrize("changes", [None, {}, {"outcome": ""}, {"outcome": None}])
def test_closing_a_concern_requires_an_outcome(workflow, move, changes, officer):
    concern, _changes = _ready(workflow, move)

    with pytest.raises(ValidationError) as caught:
        transition(concern, move.target, actor=officer, changes=changes)

    assert "outcome" in caught.value.message_dict
    assert _status_in_db(concern) == move.source
    assert Concern.objects.get(pk=concern.pk).outcome == ""
    assert not WorkflowEvent.objects.exists()


@pytest.mark.parametrize(("workflow", "move"), CLOSING)
def test_closing_a_concern_stores_its_outcome(workflow, move, officer):
    concern, _changes = _ready(workflow, move)

    transition(concern, move.target, actor=officer, changes={"outcome": Concern.Outcome.DUPLICATE})

    stored = Concern.objects.get(pk=concern.pk)
    assert (stored.status, stored.outcome) == (Concern.Status.CLOSED, Concern.Outcome.DUPLICATE)


@pytest.mark.parametrize(
    ("source", "target", "changes", "refused"),
    [
        ("submitted", "published", {"outcome": "duplicate"}, "outcome"),
        ("published", "closed", {"outcome": "duplicate", "description": "x"}, "description"),
        ("submitted", "rejected", {"author": None}, "author"),
    ],
)
def test_a_step_refuses_fields_it_does_not_set(source, target, changes, refused, officer):
    concern = ConcernFactory(status=source, description="Original text")

    with pytest.raises(ValidationError) as caught:
        transition(concern, target, actor=officer, note=NOTE, changes=changes)

    assert refused in caught.value.message_dict
    stored = Concern.objects.get(pk=concern.pk)
    assert (stored.status, stored.outcome, stored.description) == (source, "", "Original text")
    assert not WorkflowEvent.objects.exists()


def test_linking_a_concern_needs_a_challenge_link_first(officer):
    concern = ConcernFactory(status=Concern.Status.PUBLISHED)

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        transition(concern, Concern.Status.LINKED, actor=officer)

    assert caught.value.message_dict["to"] == ["Link the concern to a challenge first."]
    assert _status_in_db(concern) == Concern.Status.PUBLISHED
    assert not WorkflowEvent.objects.exists()


def test_the_tables_are_registered_per_model():
    assert workflow_for(Concern) is CONCERN_WORKFLOW
    assert workflow_for(Challenge) is CHALLENGE_WORKFLOW


@pytest.mark.parametrize(("workflow", "move"), ALL_ROWS)
def test_adding_a_row_that_is_already_in_the_table_is_refused(workflow, move):
    table = Workflow(workflow.model, list(workflow.transitions))

    with pytest.raises(ValueError, match="already in the table"):
        table.add(Transition(move.source, move.target, STAFF, "Again"))

    assert table.transitions == workflow.transitions


def test_a_row_added_later_is_used_by_transition(monkeypatch, officer, resident):
    table = Workflow(Concern, list(CONCERN_WORKFLOW.transitions))
    monkeypatch.setitem(engine._REGISTRY, Concern, table)
    table.add(Transition(Concern.Status.REJECTED, Concern.Status.SUBMITTED, STAFF, "Reconsider"))
    concern = ConcernFactory(status=Concern.Status.REJECTED)

    with pytest.raises(PermissionDenied):
        transition(concern, Concern.Status.SUBMITTED, actor=resident)
    event = transition(concern, Concern.Status.SUBMITTED, actor=officer)

    assert (event.from_state, event.to_state) == ("rejected", "submitted")
    assert _status_in_db(concern) == Concern.Status.SUBMITTED


@pytest.mark.parametrize("actor_name", ACTORS)
@pytest.mark.parametrize(("workflow", "move"), ALL_ROWS)
def test_available_moves_match_the_table(request, workflow, move, actor_name):
    actor = request.getfixturevalue(actor_name)
    obj = _object_in(workflow, move.source, owner=actor)

    available = workflow.available_to(obj, actor)

    assert (move in available) == (ACTORS[actor_name] in move.roles)
    assert all(t.source == move.source for t in available)


def test_a_workflow_event_cannot_be_edited(resident):
    concern = ConcernFactory(author=resident)
    event = record_creation(concern, actor=resident)
    event.note = "rewritten"
    event.to_state = "published"

    with pytest.raises(ValueError, match="append-only"):
        event.save()

    stored = WorkflowEvent.objects.get(pk=event.pk)
    assert (stored.to_state, stored.note) == ("submitted", "")


def test_a_workflow_event_cannot_be_deleted(resident):
    concern = ConcernFactory(author=resident)
    event = record_creation(concern, actor=resident)

    with pytest.raises(ValueError, match="append-only"):
        event.delete()

    assert WorkflowEvent.objects.filter(pk=event.pk).exists()


def test_record_creation_writes_the_first_history_line(resident):
    concern = ConcernFactory(author=resident)

    event = record_creation(concern, actor=resident, note="Filed")

    assert (event.actor, event.from_state, event.to_state, event.note) == (
        resident,
        "",
        "submitted",
        "Filed",
    )
    assert list(selectors.history_of(concern)) == [event]


def test_the_database_refuses_to_rewrite_or_delete_the_audit_trail(officer):
    concern = ConcernFactory()
    transition(concern, Concern.Status.PUBLISHED, actor=officer)

    for attempt in (
        lambda: WorkflowEvent.objects.update(to_state="rejected"),
        lambda: WorkflowEvent.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()

    assert list(WorkflowEvent.objects.values_list("from_state", "to_state")) == [
        ("submitted", "published")
    ]


def test_deleting_an_account_keeps_its_audit_events_without_the_actor(officer):
    concern = ConcernFactory()
    transition(concern, Concern.Status.PUBLISHED, actor=officer)

    officer.delete()

    event = WorkflowEvent.objects.get()
    assert event.actor is None
    assert (event.from_state, event.to_state) == ("submitted", "published")
