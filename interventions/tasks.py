"""Celery tasks of interventions: thin wrappers around one service each."""

from celery import shared_task

from interventions.services import consultations_close_ended


@shared_task(name="interventions.close_consultations", acks_late=True)
def close_consultations() -> int:
    """Send proposals whose consultation ended to the council.

    Idempotent: it moves only proposals still in consultation after their last
    day, so a second run (or a redelivered message) finds nothing left to move.
    """
    return consultations_close_ended()
