"""Quality control catches the planted stuck, sun-heated, spiking and impossible readings,
leaves a paved garden's genuine warmth alone, and checks every month whose readings changed."""

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.gis.geos import Point
from django.db import DataError, transaction

from sensors import ingest, services
from sensors.daily import daily_stats_recompute_all_dirty
from sensors.models import DirtyMonth, MonthCheck, ReadingFlag, SensorDay, SensorMonthFlag
from sensors.qc import qc_dirty_days, qc_month
from sensors.tasks import sweep_dirty_days
from tests.factories import CENTRE

AMS = ZoneInfo("Europe/Amsterdam")
DAY = date(2026, 7, 1)


def diurnal(moment: datetime) -> float:
    """A calm summer day: 16 °C before dawn, 28 °C mid-afternoon."""
    hour = moment.astimezone(AMS).hour + moment.minute / 60
    return 22 + 6 * math.sin((hour - 9) / 24 * 2 * math.pi)


def steps(day: date = DAY):
    start = datetime(day.year, day.month, day.day, tzinfo=AMS)
    return [start + timedelta(minutes=10 * i) for i in range(144)]


NAMES = ["a", "b", "c", "d", "e", "f", "paved", "stuck", "sunny", "sunny_paved"]


@pytest.fixture
def network(officer, municipality):
    """Ten sensors within a few hundred metres.

    Six honest gardens, a paved one (1.5 °C warmer day and night), a stuck
    sensor, one in the sun, and one in the sun in a paved garden.
    """
    sensors = {}
    for index, name in enumerate(NAMES):
        sensors[name], _ = services.sensor_register(
            actor=officer,
            external_id=f"qc-{name}",
            hardware="native",
            quantities=["air_temperature"],
            location=Point(CENTRE[0] + 0.001 * index, CENTRE[1], srid=4326),
        )
    for index, (name, sensor) in enumerate(sensors.items()):
        records = []
        for moment in steps():
            # Honest sensors differ by up to 1.5 °C, as gardens do.
            value = diurnal(moment) + (0.3 * (index - 3) if index < 6 else 0.0)
            local_hour = moment.astimezone(AMS).hour
            if name in ("paved", "sunny_paved"):
                value += 1.5  # paving: warmer by day and by night
            if name == "stuck":
                value = 18.3
            if name in ("sunny", "sunny_paved") and 10 <= local_hour < 16:
                value += 4.0  # direct sun on the housing
            records.append(
                {"quantity": "air_temperature", "observed_at": moment.isoformat(), "value": value}
            )
        if name == "a":
            records[80]["value"] += 8.0  # one spike
            records[100]["value"] = 47.0  # impossible here
        ingest.readings_ingest(sensor=sensor, records=records)
    return sensors


def _flags(sensor, check: str) -> int:
    return ReadingFlag.objects.filter(sensor=sensor, check_name=check).count()


def test_the_stuck_sensor_is_flagged_all_day_and_honest_ones_are_not(network):
    qc_dirty_days()

    assert _flags(network["stuck"], "stuck") == 144
    for name in ["b", "c", "d", "e", "f"]:
        assert ReadingFlag.objects.filter(sensor=network[name]).count() == 0, name


def test_the_sun_heated_sensor_fails_the_network_check_in_daytime_only(network):
    qc_dirty_days()

    flagged = ReadingFlag.objects.filter(sensor=network["sunny"], check_name="network_z")
    hours = {f.observed_at.astimezone(AMS).hour for f in flagged}
    assert hours <= set(range(10, 16))
    assert flagged.count() >= 30  # most of its 36 sunny readings


def test_spike_and_impossible_values_are_flagged_with_a_reason(network):
    qc_dirty_days()

    spikes = ReadingFlag.objects.filter(sensor=network["a"], check_name="spike")
    # The impossible 47 °C is a spike too: up and straight back down.
    assert sorted(f.observed_at for f in spikes) == [steps()[80], steps()[100]]
    assert all("°C" in f.detail for f in spikes)
    assert (
        ReadingFlag.objects.get(sensor=network["a"], check_name="range").observed_at == steps()[100]
    )


def test_running_qc_twice_gives_the_same_flags(network):
    qc_dirty_days()
    first = sorted(ReadingFlag.objects.values_list("sensor_id", "observed_at", "check_name"))

    qc_dirty_days()

    assert sorted(ReadingFlag.objects.values_list("sensor_id", "observed_at", "check_name")) == (
        first
    )


def test_statistics_leave_flagged_readings_out(network):
    qc_dirty_days()
    daily_stats_recompute_all_dirty()

    assert SensorDay.objects.get(sensor=network["stuck"]).t_count == 0
    honest = SensorDay.objects.get(sensor=network["c"])
    assert honest.t_count == 144
    assert SensorDay.objects.get(sensor=network["a"]).t_max < 30


def test_the_month_checks_name_the_stuck_and_the_sunny_sensor(network):
    qc_dirty_days()

    qc_month(month=DAY)

    flagged = {
        (f.sensor.external_id, f.check_name)
        for f in SensorMonthFlag.objects.select_related("sensor")
    }
    assert ("qc-stuck", "month_correlation") in flagged
    stuck = SensorMonthFlag.objects.get(sensor=network["stuck"], check_name="month_correlation")
    assert stuck.detail == "no variation at all"
    assert ("qc-sunny", "month_fail_rate") in flagged
    assert not {name for name, _ in flagged} & {"qc-b", "qc-c", "qc-d", "qc-e", "qc-f"}


def test_a_month_flag_takes_the_sensor_out_of_the_statistics(network):
    qc_dirty_days()
    daily_stats_recompute_all_dirty()
    assert SensorDay.objects.get(sensor=network["sunny"]).t_count > 0

    qc_month(month=DAY)
    daily_stats_recompute_all_dirty()

    assert SensorDay.objects.get(sensor=network["sunny"]).t_count == 0


def test_a_paved_garden_warmer_day_and_night_keeps_its_readings_and_gets_no_month_flag(network):
    qc_dirty_days()
    qc_month(month=DAY)
    daily_stats_recompute_all_dirty()

    assert not ReadingFlag.objects.filter(sensor=network["paved"]).exists()
    assert not SensorMonthFlag.objects.filter(sensor=network["paved"]).exists()
    paved = SensorDay.objects.get(sensor=network["paved"])
    assert paved.t_count == 144
    # its warmth is in the figures: warmer than the network by day and by night
    assert paved.day_anomaly > 1.2 and paved.night_anomaly > 1.2


def test_a_sensor_in_the_sun_in_a_paved_garden_is_flagged_for_the_excess_only(network):
    qc_dirty_days()
    qc_month(month=DAY)

    flagged = ReadingFlag.objects.filter(sensor=network["sunny_paved"], check_name="network_z")
    assert {f.observed_at.astimezone(AMS).hour for f in flagged} == set(range(10, 16))
    assert SensorMonthFlag.objects.filter(
        sensor=network["sunny_paved"], check_name="month_fail_rate"
    ).exists()


@pytest.fixture
def july_backfill(officer, municipality, django_capture_on_commit_callbacks):
    """The network's 1 July, ingested in November: the recompute runs on commit."""
    # the commit queues the recompute (eager in the tests), as it would for a worker
    with (
        time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=AMS), tick=False),
        django_capture_on_commit_callbacks(execute=True) as queued,
        transaction.atomic(),
    ):
        sensors = _ingest_network(officer)
    assert queued
    return sensors


def _ingest_network(officer, day: date = DAY, sensors: dict | None = None) -> dict:
    sensors = sensors if sensors is not None else {}
    for index, name in enumerate(["a", "b", "c", "d", "e", "f", "stuck"]):
        if name not in sensors:
            sensors[name], _ = services.sensor_register(
                actor=officer,
                external_id=f"bf-{name}",
                hardware="native",
                quantities=["air_temperature"],
                location=Point(CENTRE[0] + 0.001 * index, CENTRE[1], srid=4326),
            )
        records = [
            {
                "quantity": "air_temperature",
                "observed_at": moment.isoformat(),
                "value": 18.3 if name == "stuck" else diurnal(moment) + 0.3 * (index - 3),
            }
            for moment in steps(day)
        ]
        ingest.readings_ingest(sensor=sensors[name], records=records)
    return sensors


def test_a_month_backfilled_later_gets_its_month_checks_before_its_statistics(july_backfill):
    stuck = july_backfill["stuck"]

    assert SensorMonthFlag.objects.filter(sensor=stuck, month=DAY).exists()
    # the month flag was in place when the day's statistics were computed
    assert SensorDay.objects.get(sensor=stuck, day=DAY).t_count == 0
    assert SensorDay.objects.get(sensor=july_backfill["c"], day=DAY).t_count == 144
    assert MonthCheck.objects.get(month=DAY).checked_at.month == 11
    assert not DirtyMonth.objects.exists()


def test_the_ingest_marks_each_month_it_changes_once_per_sensor(officer, municipality):
    sensor, _ = services.sensor_register(
        actor=officer,
        external_id="marks",
        hardware="native",
        quantities=["air_temperature"],
        location=Point(*CENTRE, srid=4326),
    )
    # 31 July 23:50 and 1 August 00:10, Amsterdam time: two local months
    moments = [datetime(2026, 7, 31, 23, 50, tzinfo=AMS), datetime(2026, 8, 1, 0, 10, tzinfo=AMS)]
    for _repeat in range(2):
        for moment in moments:
            ingest.readings_ingest(
                sensor=sensor,
                records=[
                    {"quantity": "air_temperature", "observed_at": moment.isoformat(), "value": 20}
                ],
            )

    marks = dict(DirtyMonth.objects.filter(sensor=sensor).values_list("month", "changes"))
    # the replay stored nothing new, so it marked nothing
    assert marks == {date(2026, 7, 1): 1, date(2026, 8, 1): 1}


def test_live_data_checks_the_current_month_at_most_hourly(officer, municipality):
    from sensors.tasks import recompute_dirty_days

    sensors: dict = {}
    with time_machine.travel(datetime(2026, 7, 1, 23, 55, tzinfo=AMS), tick=False) as clock:
        _ingest_network(officer, sensors=sensors)
        recompute_dirty_days.delay()
        first_check = MonthCheck.objects.get(month=DAY).checked_at
        assert not DirtyMonth.objects.exists()
        # checked after the day's figures, which the same run then redid without it
        assert SensorMonthFlag.objects.filter(sensor=sensors["stuck"], month=DAY).exists()
        assert SensorDay.objects.get(sensor=sensors["stuck"], day=DAY).t_count == 0

        clock.shift(timedelta(minutes=10))
        ingest.readings_ingest(
            sensor=sensors["a"],
            records=[{"quantity": "air_temperature", "observed_at": _now(), "value": 17.0}],
        )
        recompute_dirty_days.delay()
        assert MonthCheck.objects.get(month=DAY).checked_at == first_check
        assert DirtyMonth.objects.filter(sensor=sensors["a"], month=DAY).exists()

        clock.shift(timedelta(minutes=55))  # the beat sweep, an hour after the check
        sweep_dirty_days.delay()
        assert MonthCheck.objects.get(month=DAY).checked_at > first_check
        assert not DirtyMonth.objects.exists()


def _now() -> str:
    return datetime.now(tz=AMS).replace(second=0, microsecond=0).isoformat()


def test_a_past_month_is_checked_at_once_but_not_again_within_minutes(officer, municipality):
    from sensors.tasks import recompute_dirty_days

    sensors: dict = {}
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=AMS), tick=False) as clock:
        _ingest_network(officer, sensors=sensors)
        recompute_dirty_days.delay()
        first_check = MonthCheck.objects.get(month=DAY).checked_at

        clock.shift(timedelta(minutes=2))  # late readings of that July day
        _ingest_network(officer, day=DAY + timedelta(days=1), sensors=sensors)
        recompute_dirty_days.delay()
        assert MonthCheck.objects.get(month=DAY).checked_at == first_check

        clock.shift(timedelta(minutes=10))
        sweep_dirty_days.delay()
        assert MonthCheck.objects.get(month=DAY).checked_at > first_check
        assert SensorMonthFlag.objects.filter(sensor=sensors["stuck"], month=DAY).exists()
        assert not DirtyMonth.objects.exists()


def test_a_month_check_that_fails_keeps_its_markers_for_the_next_run(
    officer, municipality, monkeypatch
):
    from sensors import qc

    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=AMS), tick=False):
        _ingest_network(officer)
        qc_dirty_days()
        monkeypatch.setattr(qc, "_MONTH_SQL", "SELECT 1 / 0")  # the worker dies mid-check

        with pytest.raises(DataError):
            qc.qc_changed_months()

        assert DirtyMonth.objects.filter(month=DAY).count() == 7
        assert not MonthCheck.objects.exists()
        monkeypatch.undo()
        qc.qc_changed_months()

    assert SensorMonthFlag.objects.filter(month=DAY, sensor__external_id="bf-stuck").exists()
    assert not DirtyMonth.objects.exists()


def test_the_nightly_month_job_checks_every_changed_month_and_records_its_run(
    officer, municipality
):
    from civic.models import EvidenceRun
    from sensors import tasks

    with time_machine.travel(datetime(2026, 11, 20, 3, 15, tzinfo=AMS), tick=False):
        sensors = _ingest_network(officer)  # July: neither this month nor the last

        assert tasks.month_qc.delay().get() > 0

    assert SensorMonthFlag.objects.filter(sensor=sensors["stuck"], month=DAY).exists()
    assert EvidenceRun.objects.get(job=tasks.MONTH_QC_JOB).status == "done"
