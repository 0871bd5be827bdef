"""Background imports of large CSV files (Celery queue "ingest").

The upload page stores a large file and commits a ReadingImport; the task
imports it with sensors.csv_import (the same all-or-nothing policy as a
small file) and keeps the report on the row. Safe to run twice: the import
row is locked while it runs and the readings commit with its outcome; a beat
sweep queues again what was never queued or was abandoned.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from functools import partial

import django.db
import psycopg
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sensors.csv_import import CsvImportRejected, readings_import_csv
from sensors.models import ReadingImport, Sensor

logger = logging.getLogger(__name__)

# Refusal messages kept on the import for its page; the rest are only counted.
REPORT_ERRORS_KEPT = 50
# Starts after which an import that never finishes is given up (a worker that keeps dying).
MAX_ATTEMPTS = 8
# An import still waiting this long, or started this long ago and left, is queued again.
STALE_AFTER = timedelta(minutes=5)
# Failures of the machinery, not of the file: the task retries these. (readings_store
# talks to psycopg directly, so its errors arrive unwrapped.)
INFRASTRUCTURE_ERRORS = (
    django.db.OperationalError,
    django.db.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    OSError,
)
_PENDING = (ReadingImport.Status.QUEUED, ReadingImport.Status.RUNNING)


def reading_import_create(
    *, uploaded_by, file: File, sensor: Sensor | None = None
) -> ReadingImport:
    """Store an uploaded file, commit its ReadingImport and queue the import after the commit.

    The committed row is the promise that the file will be imported: if the
    message never reaches Redis, `reading_imports_requeue_stale` sends it again.
    """
    job = ReadingImport(
        uploaded_by=uploaded_by,
        original_name=os.path.basename(file.name or "")[:255],
        size=file.size,
        sensor=sensor,
        device_id=sensor.external_id if sensor else "",
        language=translation.get_language() or "",
        queued_at=timezone.now(),
    )
    job.file.save("upload.csv", file, save=False)  # upload_to picks a random name
    try:
        with transaction.atomic():
            job.save()
            transaction.on_commit(partial(_queue_import, job.pk))
    except BaseException:
        job.file.delete(save=False)
        raise
    return job


def _queue_import(import_id: int) -> None:
    from sensors.tasks import import_readings_file

    try:
        import_readings_file.delay(import_id)
    except Exception:  # the import is committed; the beat sweep queues it again
        logger.warning("Could not queue readings import %s", import_id, exc_info=True)


def reading_import_run(*, import_id: int) -> ReadingImport | None:
    """Import a stored file: check every row, then store all of them, or refuse the file whole.

    Safe to run twice or at the same time: the row stays locked while its file
    is imported, and the readings and the status "done" are committed together,
    so a second run finds the import locked or finished and does nothing; a run
    that dies rolls everything back and leaves the import "running" for the
    sweep. Returns the finished import, or None when there was nothing to do.
    Infrastructure errors (INFRASTRUCTURE_ERRORS) propagate for the task to retry.
    """
    if not _claim(import_id=import_id):
        return None
    try:
        return _import_claimed(import_id=import_id)
    except INFRASTRUCTURE_ERRORS:
        raise
    except Exception:
        logger.exception("Readings import %s stopped on an unexpected error", import_id)
        with transaction.atomic():
            job = (
                ReadingImport.objects.select_for_update(skip_locked=True)
                .filter(pk=import_id, status=ReadingImport.Status.RUNNING)
                .first()
            )
            if job is None:
                return None
            with _language_of(job):
                error = _("The import stopped on an unexpected error; nothing was stored.")
            return _end(job, ReadingImport.Status.FAILED, error=error)


def _language_of(job: ReadingImport):
    """Messages in the uploader's language, whichever worker writes them."""
    return translation.override(job.language or settings.LANGUAGE_CODE)


def _claim(*, import_id: int) -> bool:
    """Mark a waiting (or abandoned) import as running, in its own short transaction."""
    with transaction.atomic():
        # A locked row is being imported right now: leave it to that worker.
        job = (
            ReadingImport.objects.select_for_update(skip_locked=True)
            .filter(pk=import_id, status__in=_PENDING)
            .first()
        )
        if job is None:
            return False
        if job.attempts >= MAX_ATTEMPTS:
            with _language_of(job):
                error = _(
                    "The import was started %(n)d times without finishing; nothing was stored. "
                    "Upload the file again later."
                ) % {"n": job.attempts}
            _end(job, ReadingImport.Status.FAILED, error=error)
            return False
        job.status = ReadingImport.Status.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.save(update_fields=["status", "attempts", "started_at"])
    return True


def _import_claimed(*, import_id: int) -> ReadingImport | None:
    with transaction.atomic():
        # Held until the readings and the outcome are committed together.
        job = (
            ReadingImport.objects.select_for_update(skip_locked=True)
            .filter(pk=import_id, status=ReadingImport.Status.RUNNING)
            .first()
        )
        if job is None:
            return None
        failed = ReadingImport.Status.FAILED
        with _language_of(job):
            if job.device_id and job.sensor is None:
                return _end(
                    job,
                    failed,
                    error=_("The chosen sensor %(id)s no longer exists; nothing was stored.")
                    % {"id": job.device_id},
                )
            try:
                with job.file.open("rb") as source:
                    result = readings_import_csv(file=source, sensor=job.sensor)
            except FileNotFoundError:
                return _end(
                    job,
                    failed,
                    error=_("The uploaded file is no longer stored; upload it again."),
                )
            except CsvImportRejected as rejected:
                report = [
                    {"line": error.line, "column": error.column, "message": error.message}
                    for error in rejected.row_errors[:REPORT_ERRORS_KEPT]
                ]
                return _end(job, failed, row_errors=report, error_count=rejected.error_count)
        return _end(job, ReadingImport.Status.DONE, received=result.received, stored=result.stored)


def _end(job: ReadingImport, status: str, **outcome) -> ReadingImport:
    """Record how the import ended and drop its file once that is committed.

    The file is not kept after the end: a stored file was imported, and a
    refused one is described on the row (line, column, reason) for the officer,
    who fixes their own copy.
    """
    name, storage = job.file.name, job.file.storage
    for key, value in outcome.items():
        setattr(job, key, value)
    job.status = status
    job.finished_at = timezone.now()
    job.file = ""
    job.save(update_fields=["status", "finished_at", "file", *outcome])
    if name:
        transaction.on_commit(partial(_delete_file, storage, name))
    return job


def _delete_file(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        logger.warning("Could not delete the imported file %s", name, exc_info=True)


def reading_imports_requeue_stale(*, older_than: timedelta = STALE_AFTER) -> int:
    """Queue again the imports whose message was lost or whose worker died; returns how many.

    A worker importing a file holds its row lock, so that import is skipped. One
    queued `older_than` ago (and not queued since), or started that long ago
    and unlocked, has no live worker. A second message is harmless (see
    reading_import_run).
    """
    now = timezone.now()
    cutoff = now - older_than
    with transaction.atomic():
        stale = list(
            ReadingImport.objects.select_for_update(skip_locked=True)
            .filter(status__in=_PENDING, queued_at__lt=cutoff)
            .filter(Q(started_at__isnull=True) | Q(started_at__lt=cutoff))
            .values_list("pk", flat=True)
        )
        ReadingImport.objects.filter(pk__in=stale).update(queued_at=now)
        for import_id in stale:
            transaction.on_commit(partial(_queue_import, import_id))
    return len(stale)
