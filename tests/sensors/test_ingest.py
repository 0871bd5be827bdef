"""Bulk ingest of readings: stored once, dirty days marked, a bad batch refused whole."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from civic import queueing
from sensors import ingest, services
from sensors.models import DirtyDay, Reading, Sensor


def record(quantity="air_temperature", observed_at="2026-07-01T12:00:00Z", value=21.5):
    return {"quantity": quantity, "observed_at": observed_at, "value": value}


def stored_rows(sensor):
    return sorted(
        Reading.objects.filter(sensor=sensor).values_list("quantity", "observed_at", "value")
    )


def dirty_days(sensor):
    return set(DirtyDay.objects.filter(sensor=sensor).values_list("day", flat=True))


def assert_nothing_written(sensor):
    assert not Reading.objects.exists()
    assert not DirtyDay.objects.exists()
    sensor.refresh_from_db()
    assert sensor.last_seen_at is None


# --- storing ------------------------------------------------------------------------------


def test_a_batch_is_stored_and_counted(garden_sensor):
    sensor, _raw = garden_sensor
    batch = [
        record(observed_at="2026-07-01T12:00:00Z", value=27.5),
        record("relative_humidity", "2026-07-01T12:00:00Z", 55),
        record("soil_moisture", "2026-07-01T12:00:00+02:00", 31.25),
    ]

    result = ingest.readings_ingest(sensor=sensor, records=batch)

    assert (result.received, result.stored, result.duplicates) == (3, 3, 0)
    assert stored_rows(sensor) == [
        ("air_temperature", datetime(2026, 7, 1, 12, tzinfo=UTC), 27.5),
        ("relative_humidity", datetime(2026, 7, 1, 12, tzinfo=UTC), 55.0),
        ("soil_moisture", datetime(2026, 7, 1, 10, tzinfo=UTC), 31.25),
    ]
    assert dirty_days(sensor) == {date(2026, 7, 1)}


def test_a_replay_stores_nothing_and_marks_no_day(garden_sensor):
    sensor, _raw = garden_sensor
    batch = [record(value=27.5), record(observed_at="2026-07-01T12:10:00Z", value=27.9)]
    ingest.readings_ingest(sensor=sensor, records=batch)
    # The recompute consumed the markers.
    DirtyDay.objects.all().delete()

    replay = ingest.readings_ingest(sensor=sensor, records=batch)

    assert (replay.received, replay.stored, replay.duplicates) == (2, 0, 2)
    assert Reading.objects.count() == 2
    assert not DirtyDay.objects.exists()


def test_a_replay_does_not_overwrite_the_stored_value(garden_sensor):
    sensor, _raw = garden_sensor
    ingest.readings_ingest(sensor=sensor, records=[record(value=27.5)])

    ingest.readings_ingest(sensor=sensor, records=[record(value=29.0)])

    assert Reading.objects.get().value == 27.5


def test_a_partly_new_batch_stores_and_marks_only_the_new_readings(garden_sensor):
    sensor, _raw = garden_sensor
    ingest.readings_ingest(sensor=sensor, records=[record(observed_at="2026-07-01T12:00:00Z")])
    DirtyDay.objects.all().delete()

    result = ingest.readings_ingest(
        sensor=sensor,
        records=[
            record(observed_at="2026-07-01T12:00:00Z"),
            record(observed_at="2026-07-03T09:00Z"),
        ],
    )

    assert (result.received, result.stored, result.duplicates) == (2, 1, 1)
    assert dirty_days(sensor) == {date(2026, 7, 3)}


def test_a_batch_spanning_two_local_days_marks_both(garden_sensor):
    sensor, _raw = garden_sensor
    batch = [
        record(observed_at="2026-07-01T12:00:00Z"),
        # 00:30 on 2 July in Amsterdam (CEST, UTC+2), though still 1 July in UTC.
        record(observed_at="2026-07-01T22:30:00Z"),
    ]

    ingest.readings_ingest(sensor=sensor, records=batch)

    assert dirty_days(sensor) == {date(2026, 7, 1), date(2026, 7, 2)}


def test_the_local_day_follows_winter_time_too(garden_sensor):
    sensor, _raw = garden_sensor
    # 22:30 UTC in January is 23:30 in Amsterdam (CET, UTC+1): still the same day.
    ingest.readings_ingest(sensor=sensor, records=[record(observed_at="2026-01-15T22:30:00Z")])

    assert dirty_days(sensor) == {date(2026, 1, 15)}


def test_each_sensor_gets_its_own_dirty_days(garden_sensor, other_resident):
    from tests.sensors.conftest import register

    sensor, _raw = garden_sensor
    other, _ = register(other_resident, "garden-b")
    ingest.readings_ingest(sensor=sensor, records=[record(observed_at="2026-07-01T12:00Z")])

    ingest.readings_ingest(sensor=other, records=[record(observed_at="2026-07-01T12:00Z")])

    assert Reading.objects.count() == 2
    assert dirty_days(sensor) == {date(2026, 7, 1)}
    assert dirty_days(other) == {date(2026, 7, 1)}


def test_duplicates_inside_one_batch_are_stored_once(garden_sensor):
    sensor, _raw = garden_sensor
    batch = [
        record(value=27.5),
        record(value=27.5),
        record(observed_at="2026-07-01T14:00:00+02:00"),
    ]

    result = ingest.readings_ingest(sensor=sensor, records=batch)

    # The third is the same moment written with an offset.
    assert (result.received, result.stored, result.duplicates) == (3, 1, 2)
    assert Reading.objects.count() == 1


def test_a_value_exactly_at_a_limit_is_accepted(garden_sensor):
    sensor, _raw = garden_sensor

    result = ingest.readings_ingest(
        sensor=sensor,
        records=[
            record("relative_humidity", value=100),
            record("soil_moisture", value=0),
            record("air_temperature", value=-50),
        ],
    )

    assert result.stored == 3


def test_wet_feet_accepts_true_and_false_as_one_and_zero(garden_sensor):
    sensor, _raw = garden_sensor

    ingest.readings_ingest(
        sensor=sensor,
        records=[
            record("wet_feet", "2026-07-01T12:00:00Z", True),
            record("wet_feet", "2026-07-01T13:00:00Z", False),
        ],
    )

    assert [value for _q, _t, value in stored_rows(sensor)] == [1.0, 0.0]


def test_a_reading_ten_minutes_ahead_is_accepted(garden_sensor):
    sensor, _raw = garden_sensor
    ahead = timezone.now() + timedelta(minutes=9, seconds=59)

    result = ingest.readings_ingest(sensor=sensor, records=[record(observed_at=ahead.isoformat())])

    assert result.stored == 1


def test_success_sets_last_seen(garden_sensor):
    sensor, _raw = garden_sensor
    before = timezone.now()

    ingest.readings_ingest(sensor=sensor, records=[record()])

    sensor.refresh_from_db()
    assert sensor.last_seen_at is not None
    assert before <= sensor.last_seen_at <= timezone.now()


def test_a_replay_still_counts_as_hearing_from_the_sensor(garden_sensor):
    sensor, _raw = garden_sensor
    ingest.readings_ingest(sensor=sensor, records=[record()])
    Sensor.objects.filter(pk=sensor.pk).update(last_seen_at=timezone.now() - timedelta(days=3))

    ingest.readings_ingest(sensor=sensor, records=[record()])

    sensor.refresh_from_db()
    assert sensor.last_seen_at > timezone.now() - timedelta(minutes=1)


def test_a_silent_sensor_becomes_active_when_heard(garden_sensor):
    sensor, _raw = garden_sensor
    Sensor.objects.filter(pk=sensor.pk).update(status=Sensor.Status.SILENT)
    sensor.refresh_from_db()

    ingest.readings_ingest(sensor=sensor, records=[record()])

    sensor.refresh_from_db()
    assert sensor.status == Sensor.Status.ACTIVE


def test_a_retired_sensor_cannot_authenticate_to_ingest(garden_sensor):
    sensor, raw = garden_sensor
    Sensor.objects.filter(pk=sensor.pk).update(status=Sensor.Status.RETIRED)

    assert services.sensor_authenticate(raw_token=raw) is None


# --- bad records: the whole batch is refused, nothing is written -------------------------


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (record(quantity="uv_index"), "quantity"),
        (record(quantity=None), "quantity"),
        (record(quantity="precipitation"), "quantity"),  # not registered for this sensor
        (record(observed_at="2026-07-01T12:00:00"), "observed_at"),  # naive
        (record(observed_at="yesterday afternoon"), "observed_at"),
        (record(observed_at="2026-13-01T12:00:00Z"), "observed_at"),
        (record(observed_at=""), "observed_at"),
        (record(observed_at=1782907200), "observed_at"),  # a bare epoch number
        (record(observed_at="1999-12-31T23:59:59Z"), "observed_at"),
        (record(value="21.5"), "value"),
        (record(value=None), "value"),
        (record(value=[21.5]), "value"),
        (record(value=float("nan")), "value"),
        (record(value=float("inf")), "value"),
        (record(value=float("-inf")), "value"),
        (record(value=True), "value"),  # true/false is no temperature
        (record(value=120), "value"),  # °C
        (record(value=-60.0), "value"),
        (record("relative_humidity", value=100.5), "value"),
        (record("soil_moisture", value=-1), "value"),
        (record("wet_feet", value=2), "value"),
        (record(value=10**400), "value"),  # too large for a float
    ],
    ids=[
        "unknown-quantity",
        "missing-quantity",
        "unregistered-quantity",
        "naive-time",
        "words-as-time",
        "month-13",
        "empty-time",
        "epoch-number",
        "before-2000",
        "string-value",
        "missing-value",
        "list-value",
        "nan",
        "inf",
        "minus-inf",
        "bool-temperature",
        "120-degrees",
        "minus-60-degrees",
        "humidity-over-100",
        "negative-soil-moisture",
        "wet-feet-2",
        "huge-integer",
    ],
)
def test_a_bad_record_refuses_the_whole_batch(garden_sensor, bad, field):
    sensor, _raw = garden_sensor
    batch = [
        record(observed_at="2026-07-01T11:00:00Z"),
        bad,
        record(observed_at="2026-07-01T13:00Z"),
    ]

    with pytest.raises(ingest.BatchRejected) as caught:
        ingest.readings_ingest(sensor=sensor, records=batch)

    assert list(caught.value.problems) == ["1"]
    assert field in caught.value.problems["1"]
    assert all(caught.value.problems["1"][field])
    assert_nothing_written(sensor)


@pytest.mark.parametrize("quantity", [["air_temperature"], {"code": "air_temperature"}])
def test_a_quantity_that_is_not_a_string_is_named(garden_sensor, quantity):
    sensor, _raw = garden_sensor

    with pytest.raises(ingest.BatchRejected) as caught:
        ingest.readings_ingest(sensor=sensor, records=[record(), record(quantity=quantity)])

    assert "quantity" in caught.value.problems["1"]
    assert_nothing_written(sensor)


def test_a_reading_an_hour_in_the_future_is_refused(garden_sensor):
    sensor, _raw = garden_sensor
    ahead = (timezone.now() + timedelta(hours=1)).isoformat()

    with pytest.raises(ingest.BatchRejected) as caught:
        ingest.readings_ingest(sensor=sensor, records=[record(), record(observed_at=ahead)])

    assert set(caught.value.problems) == {"1"}
    assert set(caught.value.problems["1"]) == {"observed_at"}
    assert_nothing_written(sensor)


@pytest.mark.parametrize("bad", ["21.5", 42, None, ["air_temperature", "now", 21.5]])
def test_a_record_that_is_not_an_object_is_refused(garden_sensor, bad):
    sensor, _raw = garden_sensor

    with pytest.raises(ingest.BatchRejected) as caught:
        ingest.readings_ingest(sensor=sensor, records=[record(), bad])

    assert set(caught.value.problems) == {"1"}
    assert caught.value.problems["1"]["non_field_errors"]
    assert_nothing_written(sensor)


def test_every_bad_record_and_field_is_named(garden_sensor):
    sensor, _raw = garden_sensor
    batch = [
        record(quantity="uv_index", value="hot"),
        record(),
        record(observed_at="2026-07-01T12:00:00", value=float("nan")),
        "oops",
    ]

    with pytest.raises(ingest.BatchRejected) as caught:
        ingest.readings_ingest(sensor=sensor, records=batch)

    problems = caught.value.problems
    assert set(problems) == {"0", "2", "3"}
    assert set(problems["0"]) == {"quantity", "value"}
    assert set(problems["2"]) == {"observed_at", "value"}
    assert set(problems["3"]) == {"non_field_errors"}
    # The flat messages of the ValidationError name the record too.
    assert any(message.startswith("#2 observed_at") for message in caught.value.messages)
    assert_nothing_written(sensor)


def test_a_refused_batch_leaves_a_silent_sensor_silent(garden_sensor):
    sensor, _raw = garden_sensor
    Sensor.objects.filter(pk=sensor.pk).update(status=Sensor.Status.SILENT)

    with pytest.raises(ingest.BatchRejected):
        ingest.readings_ingest(sensor=sensor, records=[record(), record(value=120)])

    sensor.refresh_from_db()
    assert sensor.status == Sensor.Status.SILENT
    assert_nothing_written(sensor)


@pytest.mark.parametrize("records", [[], None, {"readings": [record()]}, "[]"])
def test_a_batch_that_is_not_a_non_empty_list_is_refused(garden_sensor, records):
    sensor, _raw = garden_sensor

    with pytest.raises(ValidationError) as caught:
        ingest.readings_ingest(sensor=sensor, records=records)

    assert "readings" in caught.value.message_dict
    assert_nothing_written(sensor)


def test_more_than_max_batch_records_are_refused(garden_sensor, monkeypatch):
    sensor, _raw = garden_sensor
    monkeypatch.setattr(ingest, "MAX_BATCH", 3)
    moments = [f"2026-07-01T12:{minute:02d}:00Z" for minute in range(4)]

    with pytest.raises(ValidationError) as caught:
        ingest.readings_ingest(sensor=sensor, records=[record(observed_at=m) for m in moments])

    assert "readings" in caught.value.message_dict
    assert_nothing_written(sensor)

    result = ingest.readings_ingest(
        sensor=sensor, records=[record(observed_at=m) for m in moments[:3]]
    )
    assert result.stored == 3


# --- queueing the recompute -----------------------------------------------------------------


@pytest.fixture
def debounced(settings, monkeypatch):
    """A 2-second debounce; returns the recompute messages sent."""
    from django.core.cache import cache

    from sensors.tasks import recompute_dirty_days

    settings.SENSORS_RECOMPUTE_DEBOUNCE_S = 2
    cache.delete("sensors:recompute-queued")
    monkeypatch.setattr(queueing, "_queued_at", {})
    sent = []
    monkeypatch.setattr(recompute_dirty_days, "apply_async", lambda **options: sent.append(options))
    yield sent
    cache.delete("sensors:recompute-queued")


def test_a_burst_of_batches_queues_one_recompute_after_the_window(
    garden_sensor, debounced, django_capture_on_commit_callbacks
):
    sensor, _raw = garden_sensor
    with django_capture_on_commit_callbacks(execute=True):
        for minute in range(20):
            ingest.readings_ingest(
                sensor=sensor, records=[record(observed_at=f"2026-07-01T12:{minute:02d}:00Z")]
            )

    assert debounced == [{"countdown": 2}]
    assert len(dirty_days(sensor)) == 1


def test_another_process_in_the_window_relies_on_the_run_already_queued(
    garden_sensor, debounced, django_capture_on_commit_callbacks, monkeypatch
):
    sensor, _raw = garden_sensor
    with django_capture_on_commit_callbacks(execute=True):
        ingest.readings_ingest(sensor=sensor, records=[record(observed_at="2026-07-01T12:00:00Z")])
    # A second web process has not queued anything itself; the shared key tells it a
    # run is already on its way.
    monkeypatch.setattr(queueing, "_queued_at", {})
    with django_capture_on_commit_callbacks(execute=True):
        ingest.readings_ingest(sensor=sensor, records=[record(observed_at="2026-07-01T12:10:00Z")])

    assert debounced == [{"countdown": 2}]


def test_after_the_window_a_new_batch_queues_a_new_run(
    garden_sensor, debounced, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.cache import cache

    sensor, _raw = garden_sensor
    with django_capture_on_commit_callbacks(execute=True):
        ingest.readings_ingest(sensor=sensor, records=[record(observed_at="2026-07-01T12:00:00Z")])
    # Two seconds later: the queued run has started and the key has expired.
    key = ingest.RECOMPUTE_QUEUED_KEY
    monkeypatch.setitem(queueing._queued_at, key, queueing._queued_at[key] - 2)
    cache.delete("sensors:recompute-queued")
    with django_capture_on_commit_callbacks(execute=True):
        ingest.readings_ingest(sensor=sensor, records=[record(observed_at="2026-07-01T12:10:00Z")])

    assert debounced == [{"countdown": 2}, {"countdown": 2}]
