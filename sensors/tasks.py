"""Celery tasks of the sensors app: thin wrappers that record their runs."""

import logging
import math
import time
from datetime import timedelta

from celery import shared_task
from django.db import connection
from django.utils import timezone

from civic.runs import run_recorded
from sensors.daily import daily_stats_recompute_all_dirty
from sensors.evidence import SOURCE as EVIDENCE_SOURCE
from sensors.evidence import evidence_recompute
from sensors.models import DirtyDay
from sensors.qc import qc_changed_months, qc_dirty_days
from sensors.reading_imports import (
    INFRASTRUCTURE_ERRORS,
    reading_import_run,
    reading_imports_requeue_stale,
)
from sensors.workflow import sensors_mark_silent

RECOMPUTE_JOB = "sensors.daily_stats"

logger = logging.getLogger(__name__)


@shared_task(
    name="sensors.recompute_dirty_days",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def recompute_dirty_days() -> int:
    """Recompute every dirty sensor-day, and go on while more waits; returns how many.

    One run at a time: a message that finds a run under way leaves its work
    to it, and the run goes round again as long as markers wait, so a burst
    of readings is caught up round after round, never by runs piling up and
    competing (bench/freshness.py); while readings keep coming in, evidence
    waits for the round that has them (up to EVIDENCE_MAX_LAG_S). Idempotent:
    markers are claimed and deleted in the same transaction that writes the
    statistics, so a killed worker leaves them for the next run, and a second
    delivery finds nothing to do.
    """
    total = 0
    deadline = time.monotonic() + RUN_FOR_AT_MOST_S
    while time.monotonic() < deadline:
        if not _run_lock(take=True):
            return total  # the run holding it looks again after letting go
        try:
            while True:
                total += run_recorded(RECOMPUTE_JOB, _round)
                if not _work_waits() or time.monotonic() >= deadline:
                    break
        finally:
            _run_lock(take=False)
        # Work committed after the last look may have found the lock taken and
        # left it to us: look again now that it is free.
        if not _work_waits():
            break
    return total


# A run that keeps finding work hands over to the next message (or the sweep)
# after this long, so a steady stream never keeps one worker process forever.
RUN_FOR_AT_MOST_S = 300


def _run_lock(*, take: bool) -> bool:
    """Take (without waiting) or let go of the session lock that keeps recomputes one at a time."""
    with connection.cursor() as cursor:
        function = "pg_try_advisory_lock" if take else "pg_advisory_unlock"
        cursor.execute(f"SELECT {function}(hashtext('sensors.recompute'))")
        return cursor.fetchone()[0]


def _work_waits() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM sensors_dirtyday)"
            " OR EXISTS (SELECT 1 FROM civic_evidencestale WHERE source = %s)",
            [EVIDENCE_SOURCE],
        )
        return cursor.fetchone()[0]


# While readings keep coming in, a round's evidence would be out of date as soon
# as it is written: the next round writes it instead, but figures never lag
# more than this behind (seconds).
EVIDENCE_MAX_LAG_S = 5.0
_evidence_done_at = -math.inf


def _round() -> int:
    return _qc_then_statistics(evidence_may_wait=True)


def _qc_then_statistics(*, evidence_may_wait: bool = False) -> int:
    global _evidence_done_at
    # Flags first: the statistics leave flagged readings out; evidence reads the statistics.
    # The station-month checks read the day flags, and mark the days whose month flag changed:
    # a backfilled month's before its statistics; the current month's (hourly) after the
    # evidence, so live figures do not wait for them.
    started = time.monotonic()
    qc_dirty_days()
    qc_changed_months(which="past")
    checked = time.monotonic()
    recomputed = daily_stats_recompute_all_dirty()
    counted = time.monotonic()
    waits = (
        evidence_may_wait
        and counted - _evidence_done_at < EVIDENCE_MAX_LAG_S
        and DirtyDay.objects.exists()
    )
    if not waits:
        # Also without new statistics: a moved sensor or a new challenge left stale markers.
        evidence_recompute()
        _evidence_done_at = time.monotonic()
    # How long a reading waits for its figures, step by step (bench/freshness.py reads this).
    logger.info(
        "sensor recompute: QC %.3f s, statistics %.3f s (%d sensor-days), evidence %.3f s%s",
        checked - started,
        counted - checked,
        recomputed,
        time.monotonic() - counted,
        " (next round: more readings came in)" if waits else "",
    )
    # The days whose month flag this changes are marked dirty: the next round takes
    # them with QC first (the task goes round while work waits; else the beat sweep).
    qc_changed_months(which="current")
    return recomputed


@shared_task(name="sensors.sweep_dirty_days", acks_late=True)
def sweep_dirty_days() -> int:
    """Beat job: pick up dirty days whose task was never queued (Redis down, worker killed)."""
    return recompute_dirty_days.run()


MONTH_QC_JOB = "sensors.month_qc"


@shared_task(name="sensors.month_qc", acks_late=True, autoretry_for=(Exception,), max_retries=3)
def month_qc() -> int:
    """Nightly: station-month checks of every changed month, this month and the last, then the days.

    The recompute checks changed months as they come (sensors.qc); this run
    does not wait for their spacing, and rechecks this month and the last
    because their flags also depend on sensors that moved or were retired.
    Idempotent: month flags are replaced, and the affected days go through the
    same dirty-marker path as new readings.
    """

    def work() -> int:
        today = timezone.localdate()
        last_month = today.replace(day=1) - timedelta(days=1)
        flags = qc_changed_months(force=True, also=[today, last_month])
        _qc_then_statistics()
        return flags

    return run_recorded(MONTH_QC_JOB, work)


@shared_task(
    name="sensors.import_readings_file",
    acks_late=True,
    autoretry_for=INFRASTRUCTURE_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=4,
)
def import_readings_file(import_id: int) -> int:
    """Import one uploaded CSV file of readings (queue "ingest"); returns the readings stored.

    Idempotent: the readings and the import's "done" are committed together
    while its row is locked, so a second delivery finds it locked or finished
    and does nothing, and a worker killed mid-way rolls everything back (the
    sweep queues the import again). A bad file is not retried: it fails with
    its report.
    Only infrastructure errors (database, storage) are retried with backoff.
    """
    job = reading_import_run(import_id=import_id)
    return job.stored if job else 0


@shared_task(name="sensors.sweep_reading_imports", acks_late=True)
def sweep_reading_imports() -> int:
    """Beat job: queue again the imports whose message was lost or whose worker died."""
    return reading_imports_requeue_stale()


@shared_task(name="sensors.mark_silent", acks_late=True)
def mark_silent() -> int:
    """Beat job: mark silent the active sensors that stopped reporting; their owners are told.

    Idempotent: only active sensors quiet for the whole window move, and they
    move to silent, so a second run or a second delivery finds nothing to do.
    """
    return sensors_mark_silent()
