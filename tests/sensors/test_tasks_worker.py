"""With a real Celery worker and Redis, readings flow through to a challenge's evidence."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from civic.models import Challenge, Evidence, EvidenceRun
from sensors.models import DirtyDay, SensorDay
from sensors.services import sensor_register
from sensors.tasks import RECOMPUTE_JOB
from tests.factories import CENTRE, ChallengeFactory, square
from tests.worker_fixtures import celery_worker, isolated_celery, wait_for  # noqa: F401

pytestmark = pytest.mark.worker
AMS = ZoneInfo("Europe/Amsterdam")


def test_a_day_of_readings_becomes_challenge_evidence_through_the_worker(
    celery_worker,  # noqa: F811
    officer,
    heat,
    municipality,
):
    challenge = ChallengeFactory(
        theme=heat, status=Challenge.Status.OPEN, geometry=square(*CENTRE, 0.002)
    )
    start = datetime(2026, 7, 20, tzinfo=AMS)
    for index in range(2):
        _sensor, token = sensor_register(
            actor=officer,
            external_id=f"worker-{index}",
            hardware="native",
            quantities=["air_temperature"],
            location=Point(CENTRE[0] + 0.0005 * index, CENTRE[1], srid=4326),
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
        readings = [
            {
                "quantity": "air_temperature",
                "observed_at": (start + timedelta(minutes=10 * step)).isoformat(),
                # A ripple keeps the series from looking stuck to quality control.
                "value": 24.0 + index + 0.1 * (step % 7) + (6 if 60 <= step < 100 else 0),
            }
            for step in range(144)
        ]
        response = client.post("/api/v1/readings/", {"readings": readings}, format="json")
        assert response.status_code == 201

    # Each ingest committed and queued a recompute; the worker does the rest. The
    # first run may see one sensor only: wait for the run that sees both.
    assert wait_for(
        lambda: Evidence.objects.filter(challenge=challenge, name="sensor_count", value=2).exists()
    ), "no evidence about both sensors arrived"
    assert SensorDay.objects.filter(day=start.date()).count() == 2
    assert SensorDay.objects.get(sensor__external_id="worker-1").t_max == pytest.approx(31.6)
    assert not DirtyDay.objects.exists()
    assert EvidenceRun.objects.filter(job=RECOMPUTE_JOB, status="done").exists()


def test_a_run_killed_mid_way_loses_nothing_and_a_restarted_worker_finishes_it(
    isolated_celery,  # noqa: F811
    transactional_db,
    officer,
    municipality,
):
    from celery.contrib.testing.worker import start_worker
    from django.db import connection

    from civic.celery import app
    from sensors.daily import RECOMPUTE_SQL, recompute_params

    start = datetime(2026, 7, 20, tzinfo=AMS)
    sensor, token = sensor_register(
        actor=officer,
        external_id="killed-run",
        hardware="native",
        quantities=["air_temperature"],
        location=Point(*CENTRE, srid=4326),
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    readings = [
        {
            "quantity": "air_temperature",
            "observed_at": (start + timedelta(minutes=10 * step)).isoformat(),
            "value": 20.0 + 0.1 * (step % 9),
        }
        for step in range(144)
    ]
    # No worker yet: the recompute message waits in Redis.
    assert (
        client.post("/api/v1/readings/", {"readings": readings}, format="json").status_code == 201
    )

    # A worker claims the day, then dies before committing: its connection is cut.
    dying = connection.copy()
    dying.connect()
    dying.set_autocommit(False)
    with dying.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
        cursor.execute(RECOMPUTE_SQL["index"], recompute_params(batch=10))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    dying.close()
    assert DirtyDay.objects.filter(sensor=sensor).count() == 1  # rolled back, not lost
    assert not SensorDay.objects.filter(sensor=sensor).exists()

    # A restarted worker picks up the waiting message and completes the day.
    with start_worker(
        app,
        perform_ping_check=False,
        pool="solo",
        loglevel="WARNING",
        queues=[isolated_celery],
        shutdown_timeout=15.0,
    ):
        assert wait_for(lambda: SensorDay.objects.filter(sensor=sensor).exists())
    day = SensorDay.objects.get(sensor=sensor)
    assert (day.t_count, day.t_min, day.t_max) == (144, 20.0, pytest.approx(20.8))
    assert not DirtyDay.objects.exists()
