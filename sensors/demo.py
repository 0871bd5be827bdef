"""The SensHagen demo network: garden sensors and lamp-post stations through one summer.

48 garden sensors (42 residents' gardens, 6 school gardens) and 15 lamp-post
stations in the Stadshagen demo district, June-August at 10-minute
resolution, loaded through the bulk ingest path (sensors.ingest.readings_store)
and then through the same QC, statistics and evidence chain the Celery task
runs. What it plants, for the pages and the tests to find:

- a diurnal cycle, day-to-day weather, a heat wave (18-26 July) and a heavy
  rain event (5 August, afternoon) with wet feet in the two low spots;
- the green-share effect: less greenery around a sensor, warmer nights
  (and a little warmer days), from a deterministic greenness field that also
  draws the land-cover layer;
- one sensor in direct sun (warm-biased by day) and one stuck sensor (the
  same value from 10 July on), for quality control to catch.

Deterministic (seeded) and idempotent: sensors are keyed by device id, and
a sensor that already has readings is not loaded again.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection, transaction

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
SUMMER_START = date(2026, 6, 1)
SUMMER_DAYS = 92
BOX = (6.020, 52.515, 6.090, 52.545)  # the demo district (civic.demo)
HEAT_WAVE = (date(2026, 7, 18), date(2026, 7, 26))
STORM = datetime(2026, 8, 5, 14, 0, tzinfo=AMS)
LOW_SPOTS = [(6.0300, 52.5370), (6.0780, 52.5215)]  # Werkeren low, the cycle tunnel
HOT_SPOTS = [(6.0555, 52.5245, 0.5), (6.0520, 52.5380, 0.4)]  # shopping centre, school yard
GREEN_SPOTS = [(6.0770, 52.5390, 0.3), (6.0300, 52.5250, 0.25)]  # park, Schellerbroek green
SUNNY_ID, STUCK_ID = "tuin-07", "tuin-19"
STUCK_FROM = date(2026, 7, 10)


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


class Weather:
    """The district's shared weather: one value per 10-minute step of the summer."""

    def __init__(self, rng: random.Random, start: date, days: int):
        self.start = datetime(start.year, start.month, start.day, tzinfo=AMS)
        self.steps = days * 144
        daily, level = [], 0.0
        for _day in range(days + 1):
            level = 0.7 * level + rng.gauss(0, 1.6)  # weather fronts last a few days
            daily.append(level)
        self.daily = daily
        self.rain = [0.0] * self.steps
        for day in range(days):
            if rng.random() < 0.2:  # a shower on one day in five
                at = day * 144 + rng.randrange(60, 130)
                for k in range(rng.randrange(2, 7)):
                    if at + k < self.steps:
                        self.rain[at + k] = round(rng.uniform(0.1, 1.5), 1)
        storm = self.index(STORM)
        for k in range(12):  # 45 mm in two hours
            if 0 <= storm + k < self.steps:
                self.rain[storm + k] = 3.75

    def index(self, moment: datetime) -> int:
        return int((moment - self.start).total_seconds() // 600)

    def moment(self, step: int) -> datetime:
        return self.start + timedelta(minutes=10 * step)

    def temperature(self, step: int) -> float:
        moment = self.moment(step)
        local = moment.astimezone(AMS)
        day = step // 144
        hour = local.hour + local.minute / 60
        season = 17.0 + 2.0 * math.sin(math.pi * (local.timetuple().tm_yday - 152) / 92)
        value = season + self.daily[day] + 5.0 * math.sin(2 * math.pi * (hour - 9) / 24)
        if HEAT_WAVE[0] <= local.date() <= HEAT_WAVE[1]:
            value += 5.0 + 2.5 * math.sin(2 * math.pi * (hour - 9) / 24)
        storm = self.index(STORM)
        if storm <= step < storm + 36:
            value -= 5.0
        return value

    @staticmethod
    def is_night(moment: datetime) -> bool:
        hour = moment.astimezone(AMS).hour
        return hour >= 21 or hour < 6


def _series(device: dict, weather: Weather, rng: random.Random) -> list[ParsedReading]:
    """All readings of one device for the summer."""
    green = greenness(device["lon"], device["lat"])
    bias = rng.gauss(0, 0.2)
    readings: list[ParsedReading] = []
    stuck_value = None
    soil = 32.0 + 6 * green
    wet_until = None
    low = min(_metres(device["lon"], device["lat"], lon, lat) for lon, lat in LOW_SPOTS) < 450
    storm = weather.index(STORM)
    for step in range(weather.steps):
        moment = weather.moment(step)
        local = moment.astimezone(AMS)
        base = weather.temperature(step)
        # Paving stores the day's heat and gives it back at night.
        effect = (2.4 if weather.is_night(moment) else 0.7) * (0.5 - green)
        value = base + effect + bias + rng.gauss(0, 0.15)
        if device["external_id"] == SUNNY_ID and 10 <= local.hour < 17:
            value += 3.5 * math.sin(math.pi * (local.hour + local.minute / 60 - 10) / 7)
        if device["external_id"] == STUCK_ID and local.date() >= STUCK_FROM:
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
            soil += 0.9 * rain - (0.012 if value < 25 else 0.03) * (1.2 - green)
            soil = min(45.0, max(8.0, soil))
            if local.minute == 0:  # soil sensors report hourly
                readings.append(ParsedReading("soil_moisture", moment, round(soil, 1)))
        if "wet_feet" in device["quantities"] and low and step == storm + 3:
            readings.append(ParsedReading("wet_feet", moment, 1.0))
            wet_until = storm + 3 + 30  # five hours of standing water
        if wet_until is not None and step == wet_until:
            readings.append(ParsedReading("wet_feet", moment, 0.0))
            wet_until = None
    return readings


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
    progress: Progress = print, *, start: date = SUMMER_START, days: int = SUMMER_DAYS
) -> dict[str, int]:
    """Register the network, load its summer and compute QC, statistics and evidence."""
    rng = random.Random(SEED)
    officer = User.objects.filter(username="officer").first()
    if officer is None:
        raise RuntimeError("Load the core demo first (it creates the officer).")
    progress("Sensor network: land cover")
    load_landcover()
    devices = _layout(rng)
    owners = _owners()
    weather = Weather(rng, start, days)
    stored = 0
    progress(f"Sensor network: {len(devices)} devices, {days} days at 10-minute resolution")
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
        readings = _series(device, weather, device_rng)
        with transaction.atomic():
            for chunk in range(0, len(readings), 10_000):
                stored += readings_store(
                    sensor=sensor, readings=readings[chunk : chunk + 10_000]
                ).stored
        if (index + 1) % 8 == 0 or index + 1 == len(devices):
            progress(f"  readings: {index + 1}/{len(devices)} devices ({stored:,} new rows)")
    if DirtyDay.objects.exists():
        _compute(progress, start, days)
    return {"readings": stored}


def _compute(progress: Progress, start: date, days: int) -> None:
    all_days = [start + timedelta(days=d) for d in range(days)]
    with connection.cursor() as cursor:
        # The planner needs to know the tables just grew by millions of rows.
        cursor.execute("ANALYZE sensors_reading, sensors_dirtyday")
    started = monotonic()
    progress("  quality control per day")
    for first in range(0, len(all_days), 7):
        qc_days(days=all_days[first : first + 7])
    progress(f"  quality control per sensor-month ({monotonic() - started:.0f} s)")
    for month in sorted({d.replace(day=1) for d in all_days}):
        qc_month(month=month)
    progress(f"  daily statistics ({monotonic() - started:.0f} s)")
    daily_stats_recompute_all_dirty()
    progress(f"  evidence for challenges and neighbourhoods ({monotonic() - started:.0f} s)")
    evidence_recompute()
