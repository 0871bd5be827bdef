"""Large CSV uploads: stored, then imported by a Celery task on queue "ingest".

Small files keep the synchronous path. A large one is stored privately, its
ReadingImport committed and the task queued after the commit; the import is
all or nothing as before, a second run stores nothing twice, and a sweep
queues again what was lost.
"""

from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone, translation

from sensors import reading_imports
from sensors.models import DirtyDay, Reading, ReadingImport, SensorDay
from sensors.reading_imports import (
    MAX_ATTEMPTS,
    reading_import_run,
    reading_imports_requeue_stale,
)
from sensors.tasks import import_readings_file, sweep_reading_imports
from tests.factories import OfficerFactory
from tests.worker_fixtures import celery_configured, isolated_celery, wait_for  # noqa: F401

URL = "/sensors/upload/"
HEADER = "device_id,quantity,observed_at,value"
GOOD_ROWS = [
    "garden-001,air_temperature,2026-07-01T12:00:00Z,27.5",
    "garden-001,relative_humidity,2026-07-01T12:00:00Z,55",
    # 00:30 on 2 July in Amsterdam, still 1 July in UTC.
    "garden-001,air_temperature,2026-07-01T22:30:00Z,21.25",
]
BAD_ROWS = [GOOD_ROWS[0], "garden-001,air_temperature,noon,27", "ghost,wet_feet,x,1"]


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows, ""]).encode()


def upload(client, content: bytes, name: str = "zomer.csv", **data):
    return client.post(
        URL,
        {"file": SimpleUploadedFile(name, content, "text/csv"), **data},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def page(client, job: ReadingImport, **headers):
    return client.get(f"{URL}?import={job.pk}", HTTP_ACCEPT_LANGUAGE="en", **headers)


def import_of(officer, content: bytes, *, ago: timedelta = timedelta(0), **fields):
    """A ReadingImport as an upload leaves it, queued `ago` before now."""
    moment = timezone.now() - ago
    job = ReadingImport(
        uploaded_by=officer,
        original_name="zomer.csv",
        size=len(content),
        language="en",
        queued_at=moment,
        **fields,
    )
    job.file.save("upload.csv", ContentFile(content), save=False)
    job.save()
    ReadingImport.objects.filter(pk=job.pk).update(created_at=moment)
    job.refresh_from_db()
    return job


@pytest.fixture
def large(settings):
    """Every file over 10 bytes counts as large."""
    settings.SENSORS_CSV_SYNC_MAX_BYTES = 10


# --- the upload page --------------------------------------------------------------------


def test_a_small_file_is_still_imported_in_the_request(client, officer, garden_sensor):
    client.force_login(officer)

    response = upload(client, csv_bytes(*GOOD_ROWS))

    assert response.status_code == 200
    assert "<dt>Readings stored</dt><dd>3</dd>" in response.content.decode()
    assert Reading.objects.count() == 3
    assert not ReadingImport.objects.exists()


def test_a_large_file_is_stored_and_queued_after_commit_not_imported_in_the_request(
    client, officer, garden_sensor, large, django_capture_on_commit_callbacks
):
    client.force_login(officer)

    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, csv_bytes(*GOOD_ROWS))

    job = ReadingImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?import={job.pk}"
    assert (job.status, job.uploaded_by, job.original_name) == ("queued", officer, "zomer.csv")
    assert job.size == len(csv_bytes(*GOOD_ROWS))
    assert job.language == "en"
    # Stored under a random name of its own, not the uploader's.
    assert job.file.name.startswith("sensor-imports/")
    assert "zomer" not in job.file.name
    assert default_storage.exists(job.file.name)
    assert len(callbacks) == 1  # the task, queued only once the row is committed
    assert Reading.objects.count() == 0


def test_with_redis_down_the_upload_is_still_accepted_for_the_sweep(
    client, officer, garden_sensor, large, django_capture_on_commit_callbacks, monkeypatch
):
    from kombu.exceptions import OperationalError as BrokerDown

    def broker_down(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:63799. Connection refused.")

    monkeypatch.setattr(import_readings_file, "delay", broker_down)
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, csv_bytes(*GOOD_ROWS))

    job = ReadingImport.objects.get()
    assert response.status_code == 302
    assert job.status == "queued"
    assert default_storage.exists(job.file.name)


def test_the_queued_import_stores_the_rows_marks_their_days_and_drops_the_file(
    client, officer, garden_sensor, large, django_capture_on_commit_callbacks
):
    sensor, _raw = garden_sensor
    client.force_login(officer)
    with django_capture_on_commit_callbacks():
        upload(client, csv_bytes(*GOOD_ROWS))
    job = ReadingImport.objects.get()
    stored_name = job.file.name

    with django_capture_on_commit_callbacks() as after:
        assert import_readings_file.delay(job.pk).get() == 3

    job.refresh_from_db()
    assert (job.status, job.received, job.stored, job.duplicates) == ("done", 3, 3, 0)
    assert job.started_at <= job.finished_at
    assert job.attempts == 1
    assert Reading.objects.filter(sensor=sensor).count() == 3
    days = set(DirtyDay.objects.filter(sensor=sensor).values_list("day", flat=True))
    assert days == {date(2026, 7, 1), date(2026, 7, 2)}
    # After the commit: the file goes, and the usual recompute runs.
    assert job.file.name == ""
    assert default_storage.exists(stored_name)
    for callback in after:
        callback()
    assert not default_storage.exists(stored_name)
    assert SensorDay.objects.filter(sensor=sensor).exists()


def test_the_officer_follows_the_import_to_its_outcome(
    client, officer, garden_sensor, large, django_capture_on_commit_callbacks
):
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, csv_bytes(*GOOD_ROWS))
    response = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Import of zomer.csv</h1>" in html
    assert "Imported at" in html
    assert "File stored" in html
    assert "<dt>Readings stored</dt><dd>3</dd>" in html
    assert "hx-trigger" not in html  # finished: no more polling
    assert Reading.objects.count() == 3


def test_a_bad_large_file_fails_with_the_line_and_column_report_and_stores_nothing(
    client, officer, garden_sensor, large, django_capture_on_commit_callbacks
):
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, csv_bytes(*BAD_ROWS))

    job = ReadingImport.objects.get()
    assert (job.status, job.error_count, job.stored) == ("failed", 2, 0)
    assert [(e["line"], e["column"]) for e in job.row_errors] == [
        (3, "observed_at"),
        (4, "device_id"),
    ]
    assert Reading.objects.count() == 0
    assert not DirtyDay.objects.exists()
    assert job.file.name == ""  # the report is on the row; the refused file is not kept
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The file was refused; nothing was stored" in html
    assert "2 problems found" in html
    assert "<tr><td>3</td><td>observed_at</td><td>Give an ISO 8601 time" in html
    assert "<tr><td>4</td><td>device_id</td><td>No sensor is registered" in html


def test_the_report_is_written_in_the_uploaders_language_whoever_runs_the_task(
    officer, garden_sensor
):
    job = import_of(officer, csv_bytes(*BAD_ROWS))

    with translation.override("nl"):
        import_readings_file.delay(job.pk)

    job.refresh_from_db()
    assert job.row_errors[0]["message"].startswith("Give an ISO 8601 time")


def test_a_large_file_for_a_chosen_sensor_may_leave_out_the_device_column(
    client, officer, garden_sensor, large, django_capture_on_commit_callbacks
):
    sensor, _raw = garden_sensor
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        upload(
            client,
            b"quantity;observed_at;value\r\nair_temperature;2026-07-01T12:00:00Z;27,5\r\n",
            sensor=sensor.pk,
        )

    job = ReadingImport.objects.get()
    assert (job.status, job.device_id, job.stored) == ("done", "garden-001", 1)
    assert Reading.objects.get().sensor == sensor


def test_a_chosen_sensor_deleted_before_the_import_fails_it_and_stores_nothing(
    officer, garden_sensor
):
    sensor, _raw = garden_sensor
    job = import_of(officer, csv_bytes(*GOOD_ROWS), sensor=sensor, device_id="garden-001")
    sensor.delete()

    import_readings_file.delay(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert "garden-001 no longer exists" in job.error
    assert Reading.objects.count() == 0


# --- the status page and who may see it ------------------------------------------------


def test_a_waiting_import_page_polls_for_news_politely_and_lists_recent_imports(
    client, officer, garden_sensor
):
    job = import_of(officer, csv_bytes(*GOOD_ROWS))
    older = import_of(officer, csv_bytes(*GOOD_ROWS), ago=timedelta(days=1))
    client.force_login(officer)

    response = page(client, job)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-status" role="status" aria-live="polite"' in html
    assert f'hx-get="{URL}?import={job.pk}&amp;shown=queued"' in html
    assert 'hx-trigger="every 3s"' in html
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    assert "Waiting" in html
    assert "Your recent imports" in html
    assert f'href="{URL}?import={older.pk}"' in html
    assert f'href="{URL}?import={job.pk}" aria-current="page"' in html
    # Nothing on the page leads to the stored file.
    assert job.file.name not in html
    assert "upload.html" not in html


def test_the_upload_page_lists_the_officers_own_imports_only(client, officer, garden_sensor):
    mine = import_of(officer, csv_bytes(*GOOD_ROWS))
    theirs = import_of(OfficerFactory(username="officer-2"), csv_bytes(*GOOD_ROWS))
    client.force_login(officer)

    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f"?import={mine.pk}" in html
    assert f"?import={theirs.pk}" not in html


def test_polling_answers_no_news_a_new_step_or_a_reload_at_the_end(client, officer, garden_sensor):
    job = import_of(officer, csv_bytes(*GOOD_ROWS))
    client.force_login(officer)
    poll = {"HTTP_HX_REQUEST": "true"}

    no_news = client.get(f"{URL}?import={job.pk}&shown=queued", **poll)
    ReadingImport.objects.filter(pk=job.pk).update(status="running")
    step = client.get(f"{URL}?import={job.pk}&shown=queued", HTTP_ACCEPT_LANGUAGE="en", **poll)
    ReadingImport.objects.filter(pk=job.pk).update(status="done")
    end = client.get(f"{URL}?import={job.pk}&shown=running", **poll)

    assert no_news.status_code == 204
    assert step.status_code == 200
    assert "Importing" in step.content.decode()
    assert "&amp;shown=running" in step.content.decode()
    assert "<h1>" not in step.content.decode()
    assert end.headers["HX-Refresh"] == "true"


def test_another_officer_cannot_see_someones_import(client, officer, garden_sensor):
    job = import_of(officer, csv_bytes(*GOOD_ROWS))
    client.force_login(OfficerFactory(username="officer-2"))

    assert page(client, job).status_code == 404
    assert page(client, job, HTTP_HX_REQUEST="true").status_code == 404


@pytest.mark.parametrize("user", ["resident", "council"])
def test_residents_and_council_members_cannot_see_an_import(client, request, user, officer):
    job = import_of(officer, csv_bytes(*GOOD_ROWS))
    client.force_login(request.getfixturevalue(user))

    assert page(client, job).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, officer):
    job = import_of(officer, csv_bytes(*GOOD_ROWS))

    response = page(client, job)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("value", ["x", "", "99999999999999999999", "\u0661"])
def test_an_import_id_that_is_no_id_is_a_404(client, officer, value):
    client.force_login(officer)

    assert client.get(f"{URL}?import={value}").status_code == 404


def test_the_stored_file_is_never_downloadable(client, officer, admin_user, garden_sensor):
    from django.conf import settings

    job = import_of(officer, csv_bytes(*GOOD_ROWS))
    url = f"{settings.MEDIA_URL}{job.file.name}"

    for user in (officer, admin_user):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(f"/media/{job.file.name}").status_code == 404


def test_the_admin_shows_imports_read_only_without_the_file(client, admin_user, officer):
    job = import_of(officer, csv_bytes(*GOOD_ROWS))
    client.force_login(admin_user)

    listing = client.get(reverse("admin:sensors_readingimport_changelist"))
    view = client.get(reverse("admin:sensors_readingimport_change", args=[job.pk]))
    add = client.get(reverse("admin:sensors_readingimport_add"))

    assert listing.status_code == 200
    assert "zomer.csv" in listing.content.decode()
    assert view.status_code == 200
    assert job.file.name not in view.content.decode()
    assert add.status_code == 403


# --- the task: routing, idempotence, retries, the sweep ---------------------------------


def test_file_imports_go_to_the_ingest_queue_other_sensor_tasks_to_evidence():
    from civic.celery import app

    def queue(name: str) -> str:
        return app.amqp.router.route({}, name)["queue"].name

    assert queue("sensors.import_readings_file") == "ingest"
    assert queue("sensors.recompute_dirty_days") == "evidence"
    assert queue("sensors.sweep_reading_imports") == "evidence"
    assert queue("civic.notify_workflow_event") == "default"


def test_a_second_delivery_finds_the_import_finished_and_does_nothing(officer, garden_sensor):
    job = import_of(officer, csv_bytes(*GOOD_ROWS))
    import_readings_file.delay(job.pk)

    assert import_readings_file.delay(job.pk).get() == 0

    job.refresh_from_db()
    assert (job.status, job.stored, job.attempts) == ("done", 3, 1)
    assert Reading.objects.count() == 3


def test_the_same_file_imported_again_stores_nothing_twice(officer, garden_sensor):
    first = import_of(officer, csv_bytes(*GOOD_ROWS))
    again = import_of(officer, csv_bytes(*GOOD_ROWS))

    import_readings_file.delay(first.pk)
    import_readings_file.delay(again.pk)

    again.refresh_from_db()
    assert (again.status, again.received, again.stored, again.duplicates) == ("done", 3, 0, 3)
    assert Reading.objects.count() == 3


def test_a_vanished_import_is_skipped_quietly(db):
    assert import_readings_file.delay(123456).get() == 0


def test_an_infrastructure_error_is_left_to_retry_and_stores_nothing(
    officer, garden_sensor, monkeypatch
):
    job = import_of(officer, csv_bytes(*GOOD_ROWS))

    def lost_connection(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(reading_imports, "readings_import_csv", lost_connection)

    with pytest.raises(OperationalError):
        reading_import_run(import_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)  # for the retry or the sweep
    assert default_storage.exists(job.file.name)
    assert Reading.objects.count() == 0
    assert OperationalError in import_readings_file.autoretry_for


def test_an_unexpected_error_fails_the_import_without_retrying(officer, garden_sensor, monkeypatch):
    job = import_of(officer, csv_bytes(*GOOD_ROWS))

    def bug(**kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(reading_imports, "readings_import_csv", bug)

    assert import_readings_file.delay(job.pk).get() == 0

    job.refresh_from_db()
    assert job.status == "failed"
    assert "unexpected error" in job.error
    assert Reading.objects.count() == 0


def test_a_missing_file_fails_the_import_with_a_clear_message(officer, garden_sensor):
    job = import_of(officer, csv_bytes(*GOOD_ROWS))
    default_storage.delete(job.file.name)

    import_readings_file.delay(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert "no longer stored" in job.error


def test_an_import_started_too_often_is_given_up(officer, garden_sensor):
    job = import_of(officer, csv_bytes(*GOOD_ROWS), status="running", attempts=MAX_ATTEMPTS)

    import_readings_file.delay(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert f"started {MAX_ATTEMPTS} times" in job.error
    assert Reading.objects.count() == 0


def test_the_sweep_queues_again_imports_left_waiting_or_abandoned(
    officer, garden_sensor, django_capture_on_commit_callbacks
):
    lost = import_of(officer, csv_bytes(*GOOD_ROWS), ago=timedelta(minutes=6))
    abandoned = import_of(
        officer,
        csv_bytes(*GOOD_ROWS),
        ago=timedelta(minutes=20),
        status="running",
        attempts=1,
        started_at=timezone.now() - timedelta(minutes=19),
    )
    fresh = import_of(officer, csv_bytes(*GOOD_ROWS), ago=timedelta(minutes=1))
    just_started = import_of(
        officer,
        csv_bytes(*GOOD_ROWS),
        ago=timedelta(minutes=20),
        status="running",
        started_at=timezone.now() - timedelta(minutes=1),
    )
    finished = import_of(officer, csv_bytes(*GOOD_ROWS), ago=timedelta(hours=1), status="done")

    with django_capture_on_commit_callbacks() as callbacks:
        assert sweep_reading_imports.delay().get() == 2

    assert len(callbacks) == 2
    for callback in callbacks:
        callback()  # the eager task runs: both end done, and the readings are stored once
    states = dict(ReadingImport.objects.values_list("pk", "status"))
    assert states[lost.pk] == states[abandoned.pk] == "done"
    assert states[fresh.pk] == "queued"
    assert states[just_started.pk] == "running"
    assert states[finished.pk] == "done"
    assert Reading.objects.count() == 3
    # Queued again just now: the next sweep leaves them alone.
    assert reading_imports_requeue_stale() == 0


# --- with a second connection: a running import is left to its worker --------------------


def test_an_import_being_imported_is_skipped_by_a_second_delivery_and_the_sweep(
    transactional_db, officer, garden_sensor
):
    job = import_of(
        officer,
        csv_bytes(*GOOD_ROWS),
        ago=timedelta(minutes=20),
        status="running",
        attempts=1,
        started_at=timezone.now() - timedelta(minutes=19),
    )
    worker = connection.copy()
    worker.connect()
    worker.set_autocommit(False)
    try:
        with worker.cursor() as cursor:  # the first worker holds the row while it imports
            cursor.execute("SELECT 1 FROM sensors_readingimport WHERE id = %s FOR UPDATE", [job.pk])

        assert import_readings_file.delay(job.pk).get() == 0
        assert reading_imports_requeue_stale() == 0
        job.refresh_from_db()
        assert (job.status, job.attempts) == ("running", 1)
    finally:
        worker.rollback()
        worker.close()

    # It died without committing: the next delivery imports the file whole.
    assert import_readings_file.delay(job.pk).get() == 3
    assert Reading.objects.count() == 3


# --- a real worker on the ingest queue --------------------------------------------------


@pytest.mark.worker
def test_a_large_upload_is_imported_by_a_worker_on_the_ingest_queue(
    isolated_celery,  # noqa: F811
    transactional_db,
    client,
    officer,
    garden_sensor,
    large,
):
    from celery.contrib.testing.worker import start_worker

    from civic.celery import app

    ingest = f"{isolated_celery}-ingest"
    routes = {
        "sensors.import_readings_file": {"queue": ingest},
        "sensors.*": {"queue": isolated_celery},
    }
    client.force_login(officer)
    with celery_configured(app, task_routes=routes):
        response = upload(client, csv_bytes(*GOOD_ROWS))
        job = ReadingImport.objects.get()
        stored_name = job.file.name
        assert response.status_code == 302
        assert job.status == "queued"  # no worker yet: the message waits in Redis

        # A worker that listens only on the ingest queue takes it.
        with start_worker(
            app,
            perform_ping_check=False,
            pool="solo",
            loglevel="WARNING",
            queues=[ingest],
            shutdown_timeout=15.0,
        ):
            assert wait_for(lambda: ReadingImport.objects.get(pk=job.pk).finished)

    job.refresh_from_db()
    assert (job.status, job.stored) == ("done", 3)
    assert Reading.objects.count() == 3
    assert not default_storage.exists(stored_name)
    html = page(client, job).content.decode()
    assert "<dt>Readings stored</dt><dd>3</dd>" in html
