"""Celery tasks of the sensors app: thin wrappers that record their runs."""

from celery import shared_task

from civic.runs import run_recorded
from sensors.daily import daily_stats_recompute_all_dirty
from sensors.evidence import evidence_recompute
from sensors.qc import qc_dirty_days

RECOMPUTE_JOB = "sensors.daily_stats"


@shared_task(
    name="sensors.recompute_dirty_days",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def recompute_dirty_days() -> int:
    """Recompute every dirty sensor-day.

    Idempotent: markers are claimed and deleted in the same transaction that
    writes the statistics, so a killed worker leaves them for the next run,
    and a second delivery finds nothing to do.
    """
    return run_recorded(RECOMPUTE_JOB, _qc_then_statistics)


def _qc_then_statistics() -> int:
    # Flags first: the statistics leave flagged readings out; evidence reads the statistics.
    qc_dirty_days()
    recomputed = daily_stats_recompute_all_dirty()
    if recomputed:
        evidence_recompute()
    return recomputed


@shared_task(name="sensors.sweep_dirty_days", acks_late=True)
def sweep_dirty_days() -> int:
    """Beat job: pick up dirty days whose task was never queued (Redis down, worker killed)."""
    return recompute_dirty_days.run()
