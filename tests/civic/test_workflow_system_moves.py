"""Moves the service makes by itself (actor=None), one at a time or set-based for a job."""

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction

from civic import workflow as engine
from civic.models import Challenge, Notification, WorkflowEvent
from civic.workflow import (
    CHALLENGE_WORKFLOW,
    STAFF,
    Notifier,
    Transition,
    Workflow,
    transition,
    transition_many,
)
from tests.factories import ChallengeFactory, ResidentFactory

OPEN, PRIORITISED = Challenge.Status.OPEN, Challenge.Status.PRIORITISED


@pytest.fixture
def watcher(db):
    return ResidentFactory(username="watcher", language="en")


@pytest.fixture
def system_table(monkeypatch, watcher):
    """The challenge table with open → prioritised made by the service only; `watcher` hears."""
    rows = [
        t for t in CHALLENGE_WORKFLOW.transitions if (t.source, t.target) != (OPEN, PRIORITISED)
    ]
    table = Workflow(
        Challenge,
        [*rows, Transition(OPEN, PRIORITISED, frozenset(), "Rank", system=True)],
        notifier=Notifier(
            recipients=lambda event: [(watcher, "/somewhere/")],
            message=lambda event: f"{event.subject.title} was ranked.",
        ),
    )
    monkeypatch.setitem(engine._REGISTRY, Challenge, table)
    return table


def _status(challenge) -> str:
    return Challenge.objects.values_list("status", flat=True).get(pk=challenge.pk)


def test_the_service_makes_a_system_move_recorded_without_actor(system_table):
    challenge = ChallengeFactory(status=OPEN)

    event = transition(challenge, PRIORITISED, actor=None)

    stored = WorkflowEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.from_state, stored.to_state) == (None, OPEN, PRIORITISED)
    assert _status(challenge) == PRIORITISED


@pytest.mark.parametrize("who", ["anonymous", "officer", "admin_user"])
def test_nobody_signed_in_or_not_makes_a_system_move(request, system_table, who):
    actor = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    challenge = ChallengeFactory(status=OPEN)

    with pytest.raises(PermissionDenied):
        transition(challenge, PRIORITISED, actor=actor)

    assert _status(challenge) == OPEN
    assert not WorkflowEvent.objects.exists()


def test_the_service_cannot_make_a_move_meant_for_people(db):
    challenge = ChallengeFactory(status=Challenge.Status.DRAFT)

    with pytest.raises(PermissionDenied):
        transition(challenge, OPEN, actor=None)

    assert _status(challenge) == Challenge.Status.DRAFT


def test_a_system_move_open_to_a_role_is_made_by_that_role_too(monkeypatch, officer, resident):
    table = Workflow(
        Challenge, [Transition(OPEN, PRIORITISED, STAFF, "Rank", system=True)], notifier=None
    )
    monkeypatch.setitem(engine._REGISTRY, Challenge, table)
    first, second = ChallengeFactory(status=OPEN), ChallengeFactory(status=OPEN)

    assert transition(first, PRIORITISED, actor=officer).actor == officer
    with pytest.raises(PermissionDenied):
        transition(second, PRIORITISED, actor=resident)


def test_a_batch_move_writes_one_event_per_object_and_notifies_each(
    system_table, watcher, django_capture_on_commit_callbacks
):
    challenges = [ChallengeFactory(status=OPEN, title=f"C{n}") for n in range(3)]
    untouched = ChallengeFactory(status=Challenge.Status.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        events = transition_many(Challenge.objects.filter(status=OPEN), PRIORITISED, actor=None)

    assert sorted(e.object_id for e in events) == sorted(c.pk for c in challenges)
    assert all((e.actor_id, e.from_state, e.to_state) == (None, OPEN, PRIORITISED) for e in events)
    assert {_status(c) for c in challenges} == {PRIORITISED}
    assert _status(untouched) == Challenge.Status.DRAFT
    assert sorted(Notification.objects.values_list("message", flat=True)) == [
        "C0 was ranked.",
        "C1 was ranked.",
        "C2 was ranked.",
    ]


def test_a_batch_move_is_all_or_nothing(db, officer):
    # open → prioritised is allowed, draft → prioritised is not in the table
    ready = ChallengeFactory(status=OPEN)
    draft = ChallengeFactory(status=Challenge.Status.DRAFT)

    with pytest.raises(engine.TransitionNotAllowed):
        transition_many(Challenge.objects.all(), PRIORITISED, actor=officer)

    assert (_status(ready), _status(draft)) == (OPEN, Challenge.Status.DRAFT)
    assert not WorkflowEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_move_leaves_a_row_being_changed_elsewhere_for_the_next_run(officer):
    busy, free = ChallengeFactory(status=OPEN), ChallengeFactory(status=OPEN)
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        # Another connection keeps `busy` locked, as an ingest holds its sensor's row.
        try:
            with transaction.atomic():
                Challenge.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    other = threading.Thread(target=hold_the_row)
    other.start()
    try:
        assert locked.wait(10)
        events = transition_many(Challenge.objects.filter(status=OPEN), PRIORITISED, actor=officer)
    finally:
        release.set()
        other.join()

    assert [e.object_id for e in events] == [free.pk]
    assert (_status(busy), _status(free)) == (OPEN, PRIORITISED)
