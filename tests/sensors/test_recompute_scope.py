"""A recompute redoes what changed, checks late readings before they count, and runs alone.

What bench/freshness.py showed: every run redid the whole day of every
sensor, and while devices kept sending, the statistics claimed new readings
that quality control had not seen.
"""

import math
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

import sensors.daily as daily
import sensors.tasks as tasks
from civic.models import Evidence, EvidenceRun
from civic.periods import period_custom_create
from sensors import ingest, services
from sensors.models import DirtyDay, ReadingFlag, SensorDay
from sensors.tasks import RECOMPUTE_JOB, recompute_dirty_days
from tests.factories import CENTRE

AMS = ZoneInfo("Europe/Amsterdam")
# A day outside summer: nothing here depends on the season.
DAY = date(2026, 11, 12)


def _day(value_at) -> list[dict]:
    start = datetime(DAY.year, DAY.month, DAY.day, tzinfo=AMS)
    return [
        {
            "quantity": "air_temperature",
            "observed_at": (start + timedelta(minutes=10 * i)).isoformat(),
            "value": value_at(start + timedelta(minutes=10 * i), i),
        }
        for i in range(144)
    ]


def _honest(offset: float):
    def value(moment, i):
        hour = moment.astimezone(AMS).hour + moment.minute / 60
        # a ripple keeps the series from looking stuck
        return 8 + 4 * math.sin((hour - 9) / 24 * 2 * math.pi) + offset + 0.05 * (i % 5)

    return value


def _in_the_sun(moment, i):
    # honest at night, 3 °C too warm while the sun is on its housing
    warm = 3.0 if 10 <= moment.astimezone(AMS).hour < 16 else 0.0
    return _honest(0.0)(moment, i) + warm


def _register(officer, name: str, index: int):
    sensor, _token = services.sensor_register(
        actor=officer,
        external_id=f"scope-{name}",
        hardware="native",
        quantities=["air_temperature"],
        location=Point(CENTRE[0] + 0.001 * index, CENTRE[1], srid=4326),
    )
    return sensor


def test_a_new_sensor_redoes_its_day_and_those_it_changes_not_the_whole_network(
    transactional_db, officer, municipality
):
    # Four sensors: too few for the network check, so the sunny one is not flagged yet.
    honest = [_register(officer, f"honest-{i}", i) for i in range(3)]
    sunny = _register(officer, "sunny", 3)
    for index, sensor in enumerate(honest):
        ingest.readings_ingest(sensor=sensor, records=_day(_honest(0.1 * index)))
    ingest.readings_ingest(sensor=sunny, records=_day(_in_the_sun))
    # (each ingest committed and, with the eager test worker, ran the recompute)
    assert SensorDay.objects.get(sensor=sunny, day=DAY).t_count == 144
    before = dict(SensorDay.objects.filter(day=DAY).values_list("sensor_id", "computed_at"))

    # A fifth sensor arrives: now the network check can tell the sunny one is off.
    fifth = _register(officer, "fifth", 4)
    ingest.readings_ingest(sensor=fifth, records=_day(_honest(0.15)))

    sunny_day = SensorDay.objects.get(sensor=sunny, day=DAY)
    assert ReadingFlag.objects.filter(sensor=sunny, check_name="network_z").exists()
    assert sunny_day.t_count < 144  # its sunny readings left out
    assert sunny_day.computed_at > before[sunny.pk]
    assert SensorDay.objects.filter(sensor=fifth, day=DAY).exists()
    # The honest sensors' statistics did not change, and were not rewritten.
    after = dict(SensorDay.objects.filter(day=DAY).values_list("sensor_id", "computed_at"))
    assert [after[s.pk] for s in honest] == [before[s.pk] for s in honest]
    assert not DirtyDay.objects.exists()


@pytest.fixture
def five_honest(officer, municipality):
    sensors = [_register(officer, f"net-{i}", i) for i in range(5)]
    for index, sensor in enumerate(sensors):
        ingest.readings_ingest(sensor=sensor, records=_day(_honest(0.1 * index)))
    return sensors


def test_readings_that_arrive_during_a_run_are_checked_before_they_count(
    five_honest, officer, municipality, monkeypatch
):
    period = period_custom_create(actor=officer, start=DAY, end=DAY, name="that day")
    late = _register(officer, "late", 5)
    # Figures were written a moment ago: while readings keep coming in, the next
    # round writes them (they would be out of date at once), but it must.
    monkeypatch.setattr(tasks, "_evidence_done_at", time.monotonic())
    original = daily.daily_stats_recompute
    calls = []

    def a_device_sends_meanwhile(**kwargs):
        done = original(**kwargs)
        if not calls:
            # Its hour arrives after quality control looked, while statistics run;
            # one reading is impossible in the Netherlands (QC's range is up to 45 °C).
            records = _day(_honest(0.2))
            records[60]["value"] = 52.0
            ingest.readings_ingest(sensor=late, records=records)
        calls.append(done)
        return done

    monkeypatch.setattr(daily, "daily_stats_recompute", a_device_sends_meanwhile)

    assert recompute_dirty_days() == 6

    # The same task went round again: QC flagged the reading before it could count.
    assert ReadingFlag.objects.filter(sensor=late, check_name="range").count() == 1
    # The impossible reading never counts (a month check may also leave out this
    # one-day sensor's whole month: its day correlates poorly with the network's).
    t_max = SensorDay.objects.get(sensor=late, day=DAY).t_max
    assert t_max is None or t_max < 20
    assert not DirtyDay.objects.exists()
    assert EvidenceRun.objects.filter(job=RECOMPUTE_JOB).count() == 2
    # and the neighbourhood's figures count the late sensor
    figure = Evidence.objects.get(area__kind="neighbourhood", period=period, name="sensor_count")
    assert figure.value == 6


def test_a_message_that_finds_a_run_under_way_leaves_the_work_to_it(five_honest):
    # Another worker process is in the middle of a run.
    other = connection.copy()
    other.connect()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext('sensors.recompute'))")
        assert recompute_dirty_days() == 0
        assert DirtyDay.objects.count() == 5  # nothing claimed twice, nothing lost
        assert not SensorDay.objects.exists()
        assert not EvidenceRun.objects.exists()
    finally:
        other.close()  # its run ends (and the lock with its session)

    assert recompute_dirty_days() == 5
    assert not DirtyDay.objects.exists()
