"""Sensor evidence per period, through the real chain: readings → QC → statistics → evidence.

A small network in Werkeren reports every 10 minutes through ten days of last summer
(three of them a heat wave in the network's median), and the tests then do
what officers and residents do: add a reading today, create or move a
challenge, retire sensors, look at the API on a winter day.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.gis.geos import MultiPolygon, Point
from django.utils import timezone
from rest_framework.test import APIClient

from civic import services as civic_services
from civic.evidence import evidence_stale_sweep
from civic.models import Area, Challenge, Evidence, EvidencePeriod
from civic.periods import last_complete_season_year
from civic.workflow import transition
from sensors import services
from sensors.ingest import ParsedReading, readings_store
from sensors.models import Sensor
from sensors.tasks import recompute_dirty_days
from tests.factories import CENTRE, square

AMS = ZoneInfo("Europe/Amsterdam")
YEAR = last_complete_season_year()
FIRST = date(YEAR, 7, 14)
DAYS = 10
# Sensors along the neighbourhood, about 240 m apart; (dx °, night offset °C).
LAYOUT = [(-0.0060, 1.5), (-0.0025, 0.9), (0.0010, 0.3), (0.0045, -0.2), (0.0080, -0.8)]
# Network Tmax per day: a heat wave (5 days >= 25 °C, 3 of them >= 30 °C) on days 3-7.
TMAX = [22, 23, 26, 31, 32, 30.5, 27, 24, 23, 22]


def ten_minutely(day: date, night_offset: float, tmax: float) -> list[ParsedReading]:
    """A full day (every 10 minutes): heat waves count only days a sensor covered."""
    readings = []
    for step in range(144):
        hour = step // 6
        moment = datetime(day.year, day.month, day.day, hour, (step % 6) * 10, tzinfo=AMS)
        if hour < 6:
            value = tmax - 9 + night_offset
        elif 12 <= hour < 17:
            value = tmax
        else:
            value = tmax - 4 + night_offset / 2
        # A little wobble: a value unchanged for six hours is a stuck sensor to QC.
        wobble = (step % 3) * 0.05
        readings.append(ParsedReading("air_temperature", moment, float(value) + wobble))
    return readings


def run_chain() -> None:
    """What the queued task does (tests run inside a transaction: no on_commit queueing)."""
    recompute_dirty_days.delay()


@pytest.fixture
def network(officer, neighbourhood):
    sensors = []
    for index, (dx, offset) in enumerate(LAYOUT):
        sensor, _token = services.sensor_register(
            actor=officer,
            external_id=f"period-{index}",
            hardware="native",
            quantities=["air_temperature"],
            location=Point(CENTRE[0] + dx, CENTRE[1], srid=4326),
        )
        readings = []
        for day_index in range(DAYS):
            day = FIRST + timedelta(days=day_index)
            readings += ten_minutely(day, offset, TMAX[day_index])
        readings_store(sensor=sensor, readings=readings)
        sensors.append(sensor)
    run_chain()
    return sensors


@pytest.fixture
def hot_challenge(officer, heat):
    challenge = civic_services.challenge_create(
        actor=officer,
        title="Warm west end",
        theme=heat,
        geometry=square(CENTRE[0] - 0.0045, CENTRE[1], 0.0012),
    )
    Challenge.objects.filter(pk=challenge.pk).update(status=Challenge.Status.OPEN)
    return challenge


def season_figures(**subject) -> dict:
    return {
        e.name: (e.value, e.computed_at)
        for e in Evidence.objects.filter(source="sensors", period__key=f"season-{YEAR}", **subject)
    }


def test_the_warm_season_and_the_heat_wave_get_figures(network, neighbourhood):
    periods = {p.key: p for p in EvidencePeriod.objects.all()}

    assert f"season-{YEAR}" in periods
    wave = periods[f"heat-wave-{FIRST + timedelta(days=2)}"]
    assert (wave.kind, wave.start, wave.end) == (
        "heat_wave",
        FIRST + timedelta(days=2),
        FIRST + timedelta(days=6),
    )
    figures = {e.name: e.value for e in Evidence.objects.filter(area=neighbourhood, period=wave)}
    assert figures["sensor_count"] == 5
    assert figures["heat_rank"] == 1
    season = periods[f"season-{YEAR}"]
    assert season.coverage["sensors"]["days"] == DAYS


def test_one_reading_dated_now_leaves_last_summer_unchanged(network, neighbourhood, hot_challenge):
    evidence_stale_sweep(older_than=timedelta(0))
    run_chain()
    before_area = season_figures(area=neighbourhood)
    before_challenge = season_figures(challenge=hot_challenge)
    assert before_area and before_challenge

    lamp_post = network[-1]
    readings_store(
        sensor=lamp_post,
        readings=[ParsedReading("air_temperature", timezone.now() - timedelta(minutes=5), 35.0)],
    )
    run_chain()

    # Not recomputed at all (the same computed_at), so certainly not changed.
    assert season_figures(area=neighbourhood) == before_area
    assert season_figures(challenge=hot_challenge) == before_challenge
    recent = Evidence.objects.get(
        area=neighbourhood, period__key="last-30-days", name="sensor_count"
    )
    assert recent.value == 1


def test_a_challenge_created_after_the_readings_gets_figures_within_one_sweep(
    network, hot_challenge
):
    assert not season_figures(challenge=hot_challenge)

    evidence_stale_sweep(older_than=timedelta(0))  # queues the source (eager here)

    figures = season_figures(challenge=hot_challenge)
    assert figures["sensor_count"][0] == 2
    assert figures["night_anomaly"][0] > 0

    hot_challenge.geometry = MultiPolygon(square(CENTRE[0] + 0.0095, CENTRE[1], 0.0005)[0])
    hot_challenge.save(update_fields=["geometry"])
    evidence_stale_sweep(older_than=timedelta(0))

    moved = season_figures(challenge=hot_challenge)
    assert moved["sensor_count"][0] == 1
    assert moved["night_anomaly"][0] < 0


def test_retiring_all_of_a_neighbourhood_s_sensors_removes_its_figures(
    network, neighbourhood, officer
):
    assert season_figures(area=neighbourhood)

    for sensor in network:
        transition(sensor, Sensor.Status.RETIRED, actor=officer, note="Taken down")
    evidence_stale_sweep(older_than=timedelta(0))

    assert not Evidence.objects.filter(area=neighbourhood, source="sensors").exists()

    # Reactivating one brings the neighbourhood's figures back (from that sensor).
    transition(network[0], Sensor.Status.ACTIVE, actor=officer, note="Back up")
    evidence_stale_sweep(older_than=timedelta(0))

    assert season_figures(area=neighbourhood)["sensor_count"][0] == 1


def test_a_soil_only_challenge_gets_a_wet_rank(officer, neighbourhood, flooding):
    for index, (dx, wetness) in enumerate(((-0.004, 44.0), (0.004, 22.0))):
        sensor, _token = services.sensor_register(
            actor=officer,
            external_id=f"soil-{index}",
            hardware="native",
            quantities=["soil_moisture"],
            location=Point(CENTRE[0] + dx, CENTRE[1], srid=4326),
        )
        readings_store(
            sensor=sensor,
            readings=[
                ParsedReading(
                    "soil_moisture",
                    datetime(FIRST.year, FIRST.month, FIRST.day, hour, tzinfo=AMS)
                    + timedelta(days=day),
                    wetness,
                )
                for day in range(5)
                for hour in range(0, 24, 2)
            ],
        )
    wet, dry = (
        civic_services.challenge_create(
            actor=officer,
            title=title,
            theme=flooding,
            geometry=square(CENTRE[0] + dx, CENTRE[1], 0.0005),
        )
        for title, dx in (("Soggy lawns", -0.004), ("Dry corner", 0.004))
    )
    run_chain()

    wet_figures, dry_figures = season_figures(challenge=wet), season_figures(challenge=dry)
    assert (wet_figures["wet_rank"][0], dry_figures["wet_rank"][0]) == (1, 2)
    assert wet_figures["soil_moisture"][0] == pytest.approx(44.0)
    assert "wet_feet_hours" not in wet_figures  # not measured there: absent, not 0
    area = {
        e.name: e for e in Evidence.objects.filter(area=neighbourhood, period__key=f"season-{YEAR}")
    }
    assert area["wet_rank"].value == 1


def test_on_a_winter_day_the_api_shows_last_summer_and_says_so(network, neighbourhood):
    with time_machine.travel(datetime(YEAR + 1, 2, 15, 12, tzinfo=AMS)):
        body = APIClient().get("/api/v1/sensors/", HTTP_ACCEPT_LANGUAGE="en").json()
        page = APIClient().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert body["period"]["key"] == f"season-{YEAR}"
    assert body["period"]["label"].startswith(f"warm season {YEAR}")
    anomalies = [f["properties"]["night_anomaly"] for f in body["features"]]
    assert all(a is not None for a in anomalies)
    assert f"warm season {YEAR}" in page
    assert Area.objects.filter(pk=neighbourhood.pk).exists()
