"""Recording background evidence jobs, so pages can say how fresh the evidence is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from civic.models import EvidenceRun

# The sensors app's recompute job (sensors.tasks.RECOMPUTE_JOB: QC, daily figures,
# then evidence), named here as a string because the core does not import the
# sensors app; tests/civic/test_challenge_evidence_freshness.py checks they agree.
SENSOR_EVIDENCE_JOB = "sensors.daily_stats"


def run_recorded(job: str, work: Callable[[], int]) -> int:
    """Run `work` (which returns a row count) and record start, end, rows and any error.

    The run row is written outside the work's transaction, so a failed run is
    still on record; the exception is re-raised for Celery's retry.
    """
    run = EvidenceRun.objects.create(job=job)
    try:
        rows = work()
    except Exception as error:
        EvidenceRun.objects.filter(pk=run.pk).update(
            status=EvidenceRun.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        raise
    EvidenceRun.objects.filter(pk=run.pk).update(
        status=EvidenceRun.Status.DONE, finished_at=timezone.now(), rows=rows
    )
    return rows


def last_successful_run(job: str) -> EvidenceRun | None:
    """The job's most recent run that finished without an error, or None."""
    return (
        EvidenceRun.objects.filter(job=job, status=EvidenceRun.Status.DONE)
        .order_by("-finished_at")
        .first()
    )


def sensor_evidence_as_of() -> datetime | None:
    """When the sensor figures were last brought up to date; None if never."""
    run = last_successful_run(SENSOR_EVIDENCE_JOB)
    return run.finished_at if run else None
