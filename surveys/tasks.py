"""Celery tasks of the surveys app: thin wrappers that record their runs."""

from celery import shared_task

from civic.runs import run_recorded
from surveys.signal import signal_recompute

SIGNAL_JOB = "surveys.signal"


@shared_task(
    name="surveys.recompute_signal",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def recompute_signal() -> int:
    """Rewrite the survey signal of every challenge and neighbourhood.

    Queued after a response or a challenge changes (debounced) and run by the
    beat sweep every few minutes. Idempotent: it reads only committed rows and
    upserts every figure on (subject, source, name), deleting stale ones in the
    same transaction, so a retry, a second delivery or an overlapping sweep
    writes the same figures.
    """
    return run_recorded(SIGNAL_JOB, signal_recompute)
