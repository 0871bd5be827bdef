"""Quality control catches the planted stuck, sun-heated, spiking and impossible readings."""

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point

from sensors import ingest, services
from sensors.daily import daily_stats_recompute_all_dirty
from sensors.models import ReadingFlag, SensorDay, SensorMonthFlag
from sensors.qc import qc_dirty_days, qc_month
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


@pytest.fixture
def network(officer, municipality):
    """Eight sensors within a few hundred metres: six honest, one stuck, one in the sun."""
    sensors = {}
    for index, name in enumerate(["a", "b", "c", "d", "e", "f", "stuck", "sunny"]):
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
            if name == "stuck":
                value = 18.3
            if name == "sunny" and 10 <= local_hour < 16:
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


def test_the_nightly_month_job_flags_and_records_its_run(network, monkeypatch):
    from civic.models import EvidenceRun
    from sensors import tasks

    monkeypatch.setattr(tasks.timezone, "localdate", lambda: date(2026, 7, 15))
    qc_dirty_days()

    assert tasks.month_qc.delay().get() > 0

    assert SensorMonthFlag.objects.filter(sensor=network["stuck"]).exists()
    assert EvidenceRun.objects.get(job=tasks.MONTH_QC_JOB).status == "done"
