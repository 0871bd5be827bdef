"""The SensHagen demo network: garden sensors and lamp-post stations through one summer.

48 garden sensors (42 residents' gardens, 6 school gardens) and 15 lamp-post
stations in the Stadshagen demo district at 10-minute resolution, loaded
through the bulk ingest path (sensors.ingest.readings_store) and then through
the same QC, statistics and evidence chain the Celery task runs.

The summer is the last complete warm season before the day of loading
(settings.CIVIC_WARM_SEASON, 1 May - 30 September: this year's from
1 October on, else last year's), so the demo has a whole summer behind it in
any month. Its events fall on the same calendar days every year. What it
plants, for the pages and the tests to find:

- a diurnal cycle and day-to-day weather; a heat wave (18-26 July) that meets
  KNMI's definition on the network's median Tmax, with tropical nights where
  it is paved; a storm (5 August, afternoon) with wet feet in the two low
  spots and wet soil everywhere, wettest and longest in the low spots;
- the green-share effect: less greenery around a sensor, warmer nights
  (and a little warmer days), from a deterministic greenness field that also
  draws the land-cover layer;
- one sensor in direct sun (warm-biased by day) and one stuck sensor (the
  same value from 10 July on), for quality control to catch;
- nights that differ a little from garden to garden and night to night (an
  AR(1) wobble of about 0.3 °C; not in the heat wave, whose nights follow
  its plan), so an evaluation has real uncertainty to report;
- the effect of the works the demo completes in this summer
  (civic.demo.DEMO_WORKS, shared with the interventions' demo, which may not
  be imported here): from the day after the works end, the nights of every
  device within the works' radius change by their `night_change` (-0.8 °C
  around the depaved shopping-centre square; nothing at the other works).

Deterministic (seeded; the weather is the same every year) and idempotent:
sensors are keyed by device id, and a sensor that already has readings is not
loaded again. The summer that was loaded first stays: a later run, also after
a newer warm season has ended, tops up that summer and never adds a second one.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection, transaction
from django.utils import timezone

from civic.demo import DEMO_WORKS
from civic.models import User
from sensors import services
from sensors.daily import daily_stats_recompute_all_dirty
from sensors.evidence import evidence_recompute, surroundings_recompute
from sensors.ingest import ParsedReading, readings_store
from sensors.models import DirtyDay, LandCover, Reading, Sensor
from sensors.qc import qc_days, qc_month

Progress = Callable[[str], None]
AMS = ZoneInfo("Europe/Amsterdam")
SEED = 2026
BOX = (6.020, 52.515, 6.090, 52.545)  # the demo district (civic.demo)
LOW_SPOTS = [(6.0300, 52.5370), (6.0780, 52.5215)]  # Werkeren low, the cycle tunnel
HOT_SPOTS = [(6.0555, 52.5245, 0.5), (6.0520, 52.5380, 0.4)]  # shopping centre, school yard
GREEN_SPOTS = [(6.0770, 52.5390, 0.3), (6.0300, 52.5250, 0.25)]  # park, Schellerbroek green
SUNNY_ID, STUCK_ID = "tuin-07", "tuin-19"
# The events, as (month, day) of the summer's year.
HEAT_WAVE_FROM = (7, 18)
# Per day of the heat wave, (Tmax, Tmin) in °C of a garden with half greenery
# (the network's middle): five days and more of 25 °C, seven of 30 °C (KNMI's
# heat wave), and nights just under 20 °C, so paved gardens get tropical nights.
HEAT_WAVE_PLAN = [
    (27.0, 15.5),
    (29.0, 17.0),
    (31.0, 18.3),
    (32.5, 19.2),
    (33.5, 19.6),
    (33.0, 19.6),
    (32.0, 19.3),
    (30.5, 18.8),
    (28.0, 17.5),
]
STORM_AT = (8, 5, 14)  # month, day, hour: 45 mm in two hours
STUCK_FROM = (7, 10)
# A shorter summer (`days`) starts this many days before the heat wave.
LEAD_IN_DAYS = 2
# Night-to-night wobble of each device (°C): AR(1) with this step and persistence.
NIGHT_WOBBLE_SD, NIGHT_WOBBLE_PHI = 0.25, 0.6


def warm_season_before(today: date) -> tuple[date, date]:
    """The last complete warm season before `today`: this year's after its end, else last year's."""
    (start_month, start_day), (end_month, end_day) = settings.CIVIC_WARM_SEASON
    year = today.year if today > date(today.year, end_month, end_day) else today.year - 1
    return date(year, start_month, start_day), date(year, end_month, end_day)


@dataclass(frozen=True)
class Summer:
    """The demo's summer: one warm season and the moments of what it plants."""

    start: date
    end: date

    @classmethod
    def before(cls, today: date) -> Summer:
        return cls(*warm_season_before(today))

    @classmethod
    def of_year(cls, year: int) -> Summer:
        return cls.before(date(year + 1, 1, 1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def heat_wave(self) -> tuple[date, date]:
        first = date(self.start.year, *HEAT_WAVE_FROM)
        return first, first + timedelta(days=len(HEAT_WAVE_PLAN) - 1)

    @property
    def storm(self) -> datetime:
        month, day, hour = STORM_AT
        return datetime(self.start.year, month, day, hour, tzinfo=AMS)

    @property
    def stuck_from(self) -> date:
        return date(self.start.year, *STUCK_FROM)

    def window(self, days: int | None = None) -> tuple[date, date]:
        """The days to load: all of the summer, or `days` of it from just before the heat wave."""
        if days is None or days >= self.days:
            return self.start, self.end
        first = min(
            self.heat_wave[0] - timedelta(days=LEAD_IN_DAYS), self.end - timedelta(days=days - 1)
        )
        first = max(first, self.start)
        return first, first + timedelta(days=days - 1)


def greenness(lon: float, lat: float) -> float:
    """Share of greenery (0-1) at a place: a smooth field with paved and green spots."""
    value = 0.5 + 0.18 * math.sin(lon * 900) + 0.14 * math.cos(lat * 700)
    for spot_lon, spot_lat, weight in HOT_SPOTS:
        value -= weight * math.exp(-((_metres(lon, lat, spot_lon, spot_lat) / 350) ** 2))
    for spot_lon, spot_lat, weight in GREEN_SPOTS:
        value += weight * math.exp(-((_metres(lon, lat, spot_lon, spot_lat) / 400) ** 2))
    return min(1.0, max(0.0, value))


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return math.hypot((lon1 - lon2) * 67_900, (lat1 - lat2) * 111_250)


def _layout(rng: random.Random) -> list[dict]:
    """Where the 63 devices stand, who hosts them and what they measure."""
    west, south, east, north = BOX
    devices = []
    for index in range(48):
        lon = rng.uniform(west + 0.002, east - 0.002)
        lat = rng.uniform(south + 0.002, north - 0.002)
        if index < 8:  # gardens right at the spots residents worry about
            spots = [s[:2] for s in (*HOT_SPOTS, *HOT_SPOTS, *LOW_SPOTS, *GREEN_SPOTS)]
            lon, lat = spots[index]
            lon, lat = lon + rng.uniform(-0.0012, 0.0012), lat + rng.uniform(-0.0007, 0.0007)
        devices.append(
            {
                "external_id": f"tuin-{index + 1:02d}",
                "kind": "school" if index >= 42 else "garden",
                "lon": lon,
                "lat": lat,
                "quantities": ["air_temperature", "relative_humidity", "soil_moisture", "wet_feet"],
                "height_m": 1.5,
            }
        )
    for index in range(15):
        devices.append(
            {
                "external_id": f"lantaarnpaal-{index + 1:02d}",
                "kind": "station",
                "lon": west + 0.004 + (index % 5) * 0.0155,
                "lat": south + 0.005 + (index // 5) * 0.01,
                "quantities": ["air_temperature", "relative_humidity", "precipitation"],
                "height_m": 4.0,
            }
        )
    return devices


def _owners() -> list[User | None]:
    """Garden hosts: the two demo residents, then bewoner01..40; school gardens: none."""
    names = ["resident", "resident2", *(f"bewoner{n:02d}" for n in range(1, 41))]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    return [users.get(name) for name in names] + [None] * 6


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=AMS)


def _climate(day: date) -> float:
    """The day's mean temperature in a warm Dutch summer (°C): 13 on 1 May, 19 late July."""
    return 11.5 + 7.5 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365)


class Weather:
    """The district's shared weather: one value per 10-minute step of the whole summer.

    Drawn for the whole summer even when fewer days are loaded, so a day's
    weather does not depend on which days are loaded.
    """

    def __init__(self, rng: random.Random, summer: Summer):
        self.summer = summer
        self.start = _midnight(summer.start)
        self.steps = self.index(_midnight(summer.end + timedelta(days=1)))
        daily, level = [], 0.0
        for _day in range(summer.days):
            level = 0.7 * level + rng.gauss(0, 1.6)  # weather fronts last a few days
            daily.append(level)
        self.rain = [0.0] * self.steps
        for day in range(summer.days):
            if rng.random() < 0.2:  # a shower on one day in five
                at = self.index(_midnight(summer.start + timedelta(days=day)))
                at += rng.randrange(60, 130)
                for k in range(rng.randrange(2, 7)):
                    if at + k < self.steps:
                        self.rain[at + k] = round(rng.uniform(0.1, 1.5), 1)
        storm = self.index(summer.storm)
        for k in range(12):  # 45 mm in two hours
            if 0 <= storm + k < self.steps:
                self.rain[storm + k] = 3.75
        heat_wave = {
            summer.heat_wave[0] + timedelta(days=n): plan for n, plan in enumerate(HEAT_WAVE_PLAN)
        }
        # Per step, once for all devices: the moment, the local hour, night or
        # not, and the temperature of a garden with half greenery.
        self.moments, self.hours, self.nights, self.base = [], [], [], []
        # Per step, the night it belongs to (days since the summer's start; 21:00 counts
        # for the next date) and whether that night is one of the heat wave's.
        self.night_of, self.heat_wave_night = [], []
        for step in range(self.steps):
            moment = self.start + timedelta(minutes=10 * step)
            local = moment.astimezone(AMS)
            hour = local.hour + local.minute / 60
            cycle = math.sin(2 * math.pi * (hour - 9) / 24)  # lowest at 03:00, highest at 15:00
            if local.date() in heat_wave:
                t_max, t_min = heat_wave[local.date()]
                value = (t_max + t_min) / 2 + (t_max - t_min) / 2 * cycle
            else:
                value = _climate(local.date()) + daily[(local.date() - summer.start).days]
                value += 5.0 * cycle
            if storm <= step < storm + 36:
                value -= 5.0
            self.moments.append(moment)
            self.hours.append(hour)
            self.nights.append(local.hour >= 21 or local.hour < 6)
            self.base.append(value)
            night_date = (local + timedelta(hours=3)).date()
            self.night_of.append((night_date - summer.start).days)
            self.heat_wave_night.append(night_date in heat_wave)

    def index(self, moment: datetime) -> int:
        return int((moment - self.start).total_seconds() // 600)


def _series(
    device: dict, weather: Weather, rng: random.Random, steps: range
) -> list[ParsedReading]:
    """The readings of one device over `steps` of the summer."""
    green = greenness(device["lon"], device["lat"])
    bias = rng.gauss(0, 0.2)
    # Drawn for the whole summer from the device's own generator, so the other draws (and
    # the days loaded) do not change it. Like any sample it moves an estimate a little: this
    # key (one of six tried) keeps the wobble's own share of the demo's estimates within
    # 0.05 °C, over the full summer and over the 100 days the demo test loads.
    nights_rng = random.Random(f"{SEED}-{device['external_id']}-night-wobble")
    wobble, level = [], 0.0
    for _night in range(weather.summer.days + 1):
        level = NIGHT_WOBBLE_PHI * level + nights_rng.gauss(0, NIGHT_WOBBLE_SD)
        wobble.append(level)
    planted = planted_changes(device, weather.summer)
    readings: list[ParsedReading] = []
    stuck_value = None
    stuck_from = weather.index(_midnight(weather.summer.stuck_from))
    to_low = min(_metres(device["lon"], device["lat"], lon, lat) for lon, lat in LOW_SPOTS)
    low = to_low < 450
    # Rain runs off into the low spots, and their high groundwater keeps the soil wet.
    soil = 32.0 + 6 * green + (4.0 if low else 0.0)
    runoff, drying = (1.5, 0.6) if low else (1.0, 1.0)
    storm = weather.index(weather.summer.storm)
    # Standing water from half an hour after the storm: 5 hours at the rim, 8 at the bottom.
    wet_from = storm + 3
    wet_until = wet_from + 30 + round(18 * (1 - to_low / 450))
    for step in steps:
        moment, hour = weather.moments[step], weather.hours[step]
        # Paving stores the day's heat and gives it back at night.
        effect = (2.4 if weather.nights[step] else 0.7) * (0.5 - green)
        value = weather.base[step] + effect + bias + rng.gauss(0, 0.15)
        if weather.nights[step]:
            if not weather.heat_wave_night[step]:
                value += wobble[weather.night_of[step]]
            for from_step, change in planted:
                if step >= from_step:
                    value += change
        if device["external_id"] == SUNNY_ID and 10 <= hour < 17:
            value += 3.5 * math.sin(math.pi * (hour - 10) / 7)
        if device["external_id"] == STUCK_ID and step >= stuck_from:
            stuck_value = stuck_value if stuck_value is not None else round(value, 1)
            value = stuck_value
        value = round(value, 2)
        readings.append(ParsedReading("air_temperature", moment, value))
        rain = weather.rain[step]
        humidity = 97.0 if rain else min(100.0, max(25.0, 95 - 3 * (value - 12)))
        readings.append(ParsedReading("relative_humidity", moment, round(humidity, 1)))
        if "precipitation" in device["quantities"]:
            readings.append(ParsedReading("precipitation", moment, rain))
        if "soil_moisture" in device["quantities"]:
            soil += 0.9 * runoff * rain
            soil -= (0.012 if value < 25 else 0.03) * (1.2 - green) * drying
            soil = min(45.0, max(8.0, soil))
            if step % 6 == 0:  # soil sensors report on the hour
                readings.append(ParsedReading("soil_moisture", moment, round(soil, 1)))
        # A wet-feet sensor reports while it stands in water, and once when it is dry again.
        if "wet_feet" in device["quantities"] and low and wet_from <= step <= wet_until:
            readings.append(ParsedReading("wet_feet", moment, 1.0 if step < wet_until else 0.0))
    return readings


def planted_changes(device: dict, summer: Summer) -> list[tuple[int, float]]:
    """(first step, °C) of each works' night change this device feels (civic.demo.DEMO_WORKS)."""
    place = Point(device["lon"], device["lat"], srid=4326)
    start = _midnight(summer.start)
    changes = []
    for works in DEMO_WORKS:
        if works.night_change and works.reaches(place):
            after = _midnight(works.dates(summer.start.year)[1] + timedelta(days=1))
            changes.append((int((after - start).total_seconds() // 600), works.night_change))
    return changes


def load_landcover() -> int:
    """Green and paved 40 m cells over the district, drawn from the same greenness field."""
    if LandCover.objects.filter(source="demo").exists():
        return 0
    west, south, east, north = BOX
    step_lon, step_lat = 40 / 67_900, 40 / 111_250
    rows = []
    lat = south
    while lat < north:
        lon = west
        while lon < east:
            kind = "green" if greenness(lon + step_lon / 2, lat + step_lat / 2) >= 0.5 else "paved"
            ring = (
                (lon, lat),
                (lon + step_lon, lat),
                (lon + step_lon, lat + step_lat),
                (lon, lat + step_lat),
                (lon, lat),
            )
            rows.append(
                LandCover(kind=kind, geometry=MultiPolygon(Polygon(ring), srid=4326), source="demo")
            )
            lon += step_lon
        lat += step_lat
    LandCover.objects.bulk_create(rows, batch_size=2000)
    surroundings_recompute()
    return len(rows)


def load_demo(
    progress: Progress = print, *, today: date | None = None, days: int | None = None
) -> dict[str, int]:
    """Register the network, load its summer and compute QC, statistics and evidence.

    `today` (default: the local date) chooses the summer; `days` loads only
    that many days of it, from just before the heat wave (a quick look, tests).
    """
    rng = random.Random(SEED)
    officer = User.objects.filter(username="officer").first()
    if officer is None:
        raise RuntimeError("Load the core demo first (it creates the officer).")
    progress("Sensor network: land cover")
    load_landcover()
    devices = _layout(rng)
    owners = _owners()
    latest = Summer.before(today or timezone.localdate())
    summer = _loaded_summer(devices) or latest
    if summer != latest:
        progress(
            f"Sensor network: the summer of {summer.start.year} was loaded before and stays "
            f"(the demo never adds a second summer; {latest.start.year}'s needs an empty database)"
        )
    first, last = summer.window(days)
    weather = Weather(rng, summer)
    steps = range(
        weather.index(_midnight(first)), weather.index(_midnight(last + timedelta(days=1)))
    )
    stored = 0
    progress(
        f"Sensor network: {len(devices)} devices, {first.isoformat()} to {last.isoformat()} "
        "at 10-minute resolution"
    )
    for index, device in enumerate(devices):
        device_rng = random.Random(f"{SEED}-{device['external_id']}")
        sensor = Sensor.objects.filter(external_id=device["external_id"]).first()
        if sensor is None:
            owner = owners[index] if device["kind"] != "station" else None
            sensor, _token = services.sensor_register(
                actor=officer if owner is None else owner,
                external_id=device["external_id"],
                hardware=Sensor.Hardware.STATION
                if device["kind"] == "station"
                else Sensor.Hardware.NATIVE,
                quantities=device["quantities"],
                location=Point(device["lon"], device["lat"], srid=4326),
                name=("Lantaarnpaal" if device["kind"] == "station" else "Tuin")
                + f" {device['external_id'][-2:]}",
                height_m=device["height_m"],
                exposure="sun" if device["external_id"] == SUNNY_ID else "partial",
                surface="paving" if greenness(device["lon"], device["lat"]) < 0.4 else "grass",
            )
        if Reading.objects.filter(sensor=sensor).exists():
            continue
        readings = _series(device, weather, device_rng, steps)
        with transaction.atomic():
            for chunk in range(0, len(readings), 10_000):
                stored += readings_store(
                    sensor=sensor, readings=readings[chunk : chunk + 10_000]
                ).stored
        if (index + 1) % 8 == 0 or index + 1 == len(devices):
            progress(f"  readings: {index + 1}/{len(devices)} devices ({stored:,} new rows)")
    if DirtyDay.objects.exists():
        _compute(progress, first, last)
    return {"readings": stored}


def _loaded_summer(devices: list[dict]) -> Summer | None:
    """The summer an earlier run loaded, from a demo sensor's first air temperature."""
    ids = [device["external_id"] for device in devices]
    for sensor_id in Sensor.objects.filter(external_id__in=ids).values_list("pk", flat=True):
        first = (
            Reading.objects.filter(sensor_id=sensor_id, quantity="air_temperature")
            .order_by("observed_at")
            .values_list("observed_at", flat=True)
            .first()
        )
        if first is not None:
            return Summer.of_year(first.astimezone(AMS).year)
    return None


def _compute(progress: Progress, first: date, last: date) -> None:
    all_days = [first + timedelta(days=d) for d in range((last - first).days + 1)]
    with connection.cursor() as cursor:
        # The planner needs to know the tables just grew by millions of rows, and
        # by the network: the station-month checks pair each sensor with its
        # neighbours, in nested loops over the readings when it guesses no sensors.
        cursor.execute("ANALYZE sensors_sensor, sensors_reading, sensors_dirtyday")
    started = monotonic()
    progress("  quality control per day")
    for chunk in range(0, len(all_days), 7):
        qc_days(days=all_days[chunk : chunk + 7])
    progress(f"  quality control per sensor-month ({monotonic() - started:.0f} s)")
    for month in sorted({d.replace(day=1) for d in all_days}):
        qc_month(month=month)
    progress(f"  daily statistics ({monotonic() - started:.0f} s)")
    daily_stats_recompute_all_dirty()
    progress(f"  evidence for challenges and neighbourhoods ({monotonic() - started:.0f} s)")
    evidence_recompute()
