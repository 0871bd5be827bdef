"""Celery tasks of priority: thin wrappers that record their runs."""

from celery import shared_task

from civic.runs import run_recorded
from priority.services import scores_recompute

RECOMPUTE_JOB = "priority.scores"


@shared_task(
    name="priority.recompute_scores",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def recompute_scores() -> int:
    """Recompute every priority score; returns how many were written.

    Idempotent: it replaces all scores from the current evidence, weights and
    council themes in one transaction, so a second delivery writes the same rows.
    """
    return run_recorded(RECOMPUTE_JOB, scores_recompute)
