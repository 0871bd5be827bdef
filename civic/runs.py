"""Recording background jobs (start, end, rows, error) for operators and the health check.

How fresh a figure is comes from the figure itself (civic.evidence.evidence_freshness),
not from when a job last ran: a job that ran for other subjects says nothing about this one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from civic.models import EvidenceRun


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
