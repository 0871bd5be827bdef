"""Celery tasks of the core: thin, idempotent wrappers around services."""

from celery import shared_task

from civic.evidence import evidence_stale_sweep
from civic.models import WorkflowEvent
from civic.notifications import (
    notifications_create_for_event,
    notifications_send_pending,
    notifications_sweep,
)
from civic.periods import recent_period


@shared_task(
    name="civic.notify_workflow_event",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def notify_workflow_event(event_id: int) -> int:
    """Notify the people concerned by one event.

    Idempotent: notifications are unique per (recipient, event) and e-mails are
    marked as sent, so a retry or a second delivery adds nothing.
    """
    event = WorkflowEvent.objects.filter(pk=event_id).first()
    if event is None:
        return 0
    created = notifications_create_for_event(event=event)
    notifications_send_pending()
    return created


@shared_task(name="civic.notifications_sweep", acks_late=True)
def notifications_sweep_task() -> int:
    """Beat job: pick up events whose notification task was never run."""
    return notifications_sweep()


@shared_task(name="civic.evidence_sweep", acks_late=True)
def evidence_sweep_task() -> list[str]:
    """Beat job: queue every source whose stale-evidence markers nobody claimed."""
    return evidence_stale_sweep()


@shared_task(name="civic.periods_roll", acks_late=True)
def periods_roll_task() -> str:
    """Beat job (daily, after midnight): move the live "last 30 days" to today's dates.

    Marks its figures stale when the dates moved, so every source redoes them.
    """
    return recent_period().key
