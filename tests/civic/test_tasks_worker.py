"""A real Celery worker on Redis turns committed workflow events into residents' notifications."""

import time

import pytest
from celery.signals import task_postrun
from django.core import mail
from django.urls import reverse

from civic import workflow
from civic.models import Concern, Notification
from civic.tasks import notify_workflow_event
from tests.factories import ConcernFactory
from tests.worker_fixtures import celery_worker, isolated_celery  # noqa: F401

pytestmark = pytest.mark.worker

WAIT_SECONDS = 15


def wait_for(condition, seconds: float = WAIT_SECONDS):
    """Poll until condition() is truthy; answer its last value."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


@pytest.fixture
def finished_runs():
    """(event id, return value) of every notify_workflow_event run the worker finishes."""
    runs: list[tuple[int, int]] = []

    def record(sender=None, args=None, retval=None, **kwargs):
        if sender is not None and sender.name == notify_workflow_event.name:
            runs.append((args[0], retval))

    task_postrun.connect(record, weak=False)
    yield runs
    task_postrun.disconnect(record)


def test_worker_notifies_the_resident_of_an_officers_transition(
    celery_worker,  # noqa: F811
    resident,
    officer,
    heat,
):
    concern = ConcernFactory(author=resident, theme=heat)

    event = workflow.transition(concern, Concern.Status.PUBLISHED, actor=officer)

    note = wait_for(lambda: Notification.objects.filter(recipient=resident, event=event).first())
    assert note is not None, "the worker did not create the resident's notification"
    assert f"#{concern.pk}" in note.message
    assert note.url == reverse("civic:concern_mine") + f"#concern-{concern.pk}"
    # The worker also e-mailed it, once, and marked it as e-mailed.
    assert wait_for(lambda: Notification.objects.get(pk=note.pk).emailed_at is not None)
    assert [m.to for m in mail.outbox] == [[resident.email]]
    # The officer who made the move hears nothing about it.
    assert not Notification.objects.filter(recipient=officer).exists()


@pytest.fixture
def delivered_three_times(celery_worker, finished_runs, resident, officer, heat):  # noqa: F811
    """An officer's transition whose notification task the worker ran three times."""
    concern = ConcernFactory(author=resident, theme=heat)
    # The commit queues the first delivery; two more arrive as redeliveries would.
    event = workflow.transition(concern, Concern.Status.PUBLISHED, actor=officer)
    notify_workflow_event.delay(event.pk)
    notify_workflow_event.delay(event.pk)

    def runs_of_event():
        return [created for event_id, created in finished_runs if event_id == event.pk]

    wait_for(lambda: len(runs_of_event()) >= 3)
    runs = runs_of_event()
    assert len(runs) == 3, f"the worker finished {len(runs)} of 3 deliveries"
    return event, runs


def test_a_task_delivered_twice_leaves_one_notification(delivered_three_times, resident):
    event, _runs = delivered_three_times

    assert Notification.objects.filter(recipient=resident, event=event).count() == 1
    assert [m.to for m in mail.outbox] == [[resident.email]]


def test_a_redelivered_task_reports_that_it_created_nothing(delivered_three_times):
    _event, created_per_run = delivered_three_times

    # The task's result (in the worker log, summed by the beat sweep) counts new rows only.
    assert sorted(created_per_run) == [0, 0, 1]
