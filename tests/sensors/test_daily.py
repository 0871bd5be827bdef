"""Daily statistics equal hand-computed values, follow local days, skip flagged readings."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point

from civic.models import EvidenceRun
from sensors import ingest, services
from sensors.daily import daily_stats_recompute_all_dirty
from sensors.models import DirtyDay, ReadingFlag, SensorDay
from sensors.tasks import RECOMPUTE_JOB, recompute_dirty_days
from tests.factories import CENTRE

AMS = ZoneInfo("Europe/Amsterdam")
DAY = date(2026, 7, 1)


def at(hour: int, minute: int = 0, day: date = DAY) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMS).isoformat()


def temps(*pairs) -> list[dict]:
    return [{"quantity": "air_temperature", "observed_at": t, "value": v} for t, v in pairs]


@pytest.fixture
def two_sensors(officer, municipality):
    def make(external_id, dx):
        sensor, _token = services.sensor_register(
            actor=officer,
            external_id=external_id,
            hardware="native",
            quantities=["air_temperature", "soil_moisture", "wet_feet"],
            location=Point(CENTRE[0] + dx, CENTRE[1], srid=4326),
        )
        return sensor

    return make("paved", 0.001), make("green", -0.001)


@pytest.fixture
def summer_day(two_sensors):
    paved, green = two_sensors
    ingest.readings_ingest(
        sensor=paved,
        records=temps(
            (at(0, 30), 21.0),
            (at(3, 30), 20.0),
            (at(10, 0), 26.0),
            (at(10, 30), 24.0),
            (at(14, 0), 31.0),
            (at(23, 50), 22.0),
        ),
    )
    ingest.readings_ingest(sensor=green, records=temps((at(0, 30), 18.0), (at(10, 0), 24.0)))
    return paved, green


@pytest.mark.parametrize("shape", ["auto", "index", "scan"])
def test_a_day_is_summarised_as_computed_by_hand(summer_day, shape):
    paved, green = summer_day

    assert daily_stats_recompute_all_dirty(shape=shape) == 2

    row = SensorDay.objects.get(sensor=paved, day=DAY)
    assert (row.t_min, row.t_max, row.t_mean, row.t_count) == (20.0, 31.0, 24.0, 6)
    # Hour 10 averages 25.0 (26 and 24), hour 14 is 31: two hours ≥ 25, one ≥ 30.
    assert (row.hours_25, row.hours_30) == (2, 1)
    assert (row.day_mean, row.night_mean) == (27.0, 20.5)
    assert row.tropical_night is True
    assert row.summer_day is True
    # Medians of two sensors: day (27 + 24) / 2, night (20.5 + 18) / 2.
    assert row.day_anomaly == pytest.approx(1.5)
    assert row.night_anomaly == pytest.approx(1.25)
    other = SensorDay.objects.get(sensor=green, day=DAY)
    assert (other.day_anomaly, other.night_anomaly) == (pytest.approx(-1.5), pytest.approx(-1.25))
    assert not DirtyDay.objects.exists()


def test_recomputing_twice_gives_the_same_rows(summer_day):
    daily_stats_recompute_all_dirty()
    fields = [f.name for f in SensorDay._meta.fields if f.name not in ("id", "computed_at")]
    first = list(SensorDay.objects.order_by("sensor", "day").values(*fields))
    for sensor in summer_day:
        DirtyDay.objects.create(sensor=sensor, day=DAY)

    daily_stats_recompute_all_dirty()

    assert list(SensorDay.objects.order_by("sensor", "day").values(*fields)) == first


@pytest.mark.parametrize("shape", ["index", "scan"])
def test_a_flagged_reading_is_left_out(summer_day, shape):
    paved, _ = summer_day
    ReadingFlag.objects.create(
        sensor=paved,
        quantity="air_temperature",
        observed_at=datetime(2026, 7, 1, 14, 0, tzinfo=AMS),
        check_name="spike",
    )

    daily_stats_recompute_all_dirty(shape=shape)

    row = SensorDay.objects.get(sensor=paved, day=DAY)
    assert (row.t_max, row.hours_30, row.t_count) == (26.0, 0, 5)


def test_days_follow_amsterdam_time_not_utc(two_sensors):
    paved, _ = two_sensors
    # 22:30 UTC on 1 July is 00:30 on 2 July in Amsterdam (summer time).
    ingest.readings_ingest(
        sensor=paved,
        records=[
            {"quantity": "air_temperature", "observed_at": "2026-07-01T22:30:00Z", "value": 19.0}
        ],
    )

    daily_stats_recompute_all_dirty()

    assert list(SensorDay.objects.values_list("day", "t_min")) == [(date(2026, 7, 2), 19.0)]


def test_soil_moisture_and_wet_feet_hours(two_sensors):
    paved, _ = two_sensors
    ingest.readings_ingest(
        sensor=paved,
        records=[
            {"quantity": "soil_moisture", "observed_at": at(6), "value": 30.0},
            {"quantity": "soil_moisture", "observed_at": at(18), "value": 40.0},
            {"quantity": "wet_feet", "observed_at": at(15, 5), "value": 1},
            {"quantity": "wet_feet", "observed_at": at(16, 40), "value": 1},
            {"quantity": "wet_feet", "observed_at": at(17, 20), "value": 0},
        ],
    )

    daily_stats_recompute_all_dirty()

    row = SensorDay.objects.get(sensor=paved)
    assert (row.soil_mean, row.soil_count, row.wet_feet_hours) == (35.0, 2, 2)
    assert row.t_min is None


def test_the_task_records_its_run_for_freshness(summer_day):
    assert recompute_dirty_days.delay().get() == 2

    run = EvidenceRun.objects.get(job=RECOMPUTE_JOB)
    assert (run.status, run.rows) == (EvidenceRun.Status.DONE, 2)
    assert run.finished_at >= run.started_at


def test_ingest_queues_the_recompute_after_commit(two_sensors, django_capture_on_commit_callbacks):
    paved, _ = two_sensors
    with django_capture_on_commit_callbacks(execute=True):
        ingest.readings_ingest(sensor=paved, records=temps((at(12), 28.0)))

    assert SensorDay.objects.get(sensor=paved).t_max == 28.0
    assert not DirtyDay.objects.exists()


def test_the_readings_are_scanned_in_one_pass_only_when_most_of_the_table_waits():
    from sensors.daily import _choose_shape

    # One new day of 1,000 sensors in a summer of 13 M readings: per sensor-day lookups.
    assert _choose_shape(1_000, 13_000_000) == "index"
    # Every day of that summer: one pass over the table.
    assert _choose_shape(92_000, 13_000_000) == "scan"
    # A table never analysed (reltuples -1) gives no basis for a scan.
    assert _choose_shape(92_000, -1) == "index"


def soil_days(sensor, means: dict[int, float]):
    """One soil reading per July day (its mean is the value)."""
    ingest.readings_ingest(
        sensor=sensor,
        records=[
            {"quantity": "soil_moisture", "observed_at": at(12, day=date(2026, 7, d)), "value": v}
            for d, v in means.items()
        ],
    )


def spells(sensor) -> list[tuple]:
    return list(
        SensorDay.objects.filter(sensor=sensor)
        .order_by("day")
        .values_list("day__day", "wet_spell_days", "dry_spell_days")
    )


def test_wet_and_dry_spells_count_days_in_a_row_and_a_gap_ends_them(two_sensors):
    paved, green = two_sensors
    # Wet above 40 %, dry below 15 %; 7 July has no data.
    soil_days(paved, {1: 45.0, 2: 42.0, 3: 30.0, 4: 10.0, 5: 12.0, 6: 14.0, 8: 9.0})
    ingest.readings_ingest(sensor=green, records=temps((at(12), 24.0)))

    daily_stats_recompute_all_dirty()

    assert spells(paved) == [
        (1, 1, 0),
        (2, 2, 0),
        (3, 0, 0),
        (4, 0, 1),
        (5, 0, 2),
        (6, 0, 3),
        (8, 0, 1),
    ]
    assert spells(green) == [(1, None, None)]  # no soil sensor: no spells


def test_a_late_reading_that_fills_a_gap_lengthens_the_spell_after_it(two_sensors):
    paved, _ = two_sensors
    soil_days(paved, {4: 10.0, 5: 12.0, 6: 14.0, 8: 9.0})
    daily_stats_recompute_all_dirty()

    soil_days(paved, {7: 11.0})  # arrives late
    daily_stats_recompute_all_dirty()

    assert [row[2] for row in spells(paved)] == [1, 2, 3, 4, 5]
