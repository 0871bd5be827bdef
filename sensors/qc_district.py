"""A generated district with planted sensor faults: the yardstick of quality control.

About 150 garden sensors over a few square kilometres, air temperature every
10 minutes, deterministic from a seed. The honest ones differ as gardens do:

- a green-share field (as in sensors.demo): less green, warmer, most at night
  and on clear, calm nights (up to +1.5 °C at night and +0.8 °C by day against
  a garden of average green), plus a few "paved gardens" that are a steady
  1.5 °C warmer day and night;
- each sensor its own small bias, noise, response (how far it follows the
  day's swing) and a few gaps; local showers that cool part of the district
  for an hour on some afternoons.

The faulty ones carry one planted fault each (FAULTS): stuck (from a day on,
or for one day), sun-exposed (warm by day on sunny days only, 3-6 °C at the
afternoon peak), a steady offset beyond paving (+4 / -4 °C), a drift (to +6 /
-5 °C by the end), spikes (2 % of the readings), heavy noise, and an
"indoor" sensor that does not follow the weather.

`district_load` registers the sensors and stores every reading through
sensors.ingest.readings_store in one transaction, as a backfill would arrive;
the recompute queued on commit does the rest. Used by tests/sensors/test_qc_district.py
and bench/qc_flags.py.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import Point
from django.db import transaction

from sensors import services
from sensors.ingest import ParsedReading, readings_store

AMS = ZoneInfo("Europe/Amsterdam")
PREFIX = "wijk-"
# fault -> how many sensors carry it
FAULTS = {
    "stuck": 2,
    "stuck_one_day": 1,
    "sunny": 4,
    "offset": 2,
    "drift": 2,
    "spiky": 2,
    "noisy": 2,
    "indoor": 1,
}
PAVED = 3  # honest gardens a steady 1.5 °C warmer day and night


@dataclass(frozen=True)
class Planted:
    """One sensor of the generated district and what was planted in it ("" = honest)."""

    external_id: str
    lon: float
    lat: float
    green: float
    fault: str
    paved: bool = False

    @property
    def honest(self) -> bool:
        return not self.fault


def _green_field(rng: random.Random, centre: tuple[float, float]):
    """A smooth share of greenery (0-1): a wavy base with paved and green spots."""
    spots = [
        (
            centre[0] + rng.uniform(-0.018, 0.018),
            centre[1] + rng.uniform(-0.011, 0.011),
            weight,
        )
        for weight in (-0.5, -0.45, -0.4, 0.35, 0.3)
    ]
    phase = rng.uniform(0, 2 * math.pi)

    def green(lon: float, lat: float) -> float:
        value = 0.5 + 0.15 * math.sin(lon * 800 + phase) + 0.12 * math.cos(lat * 650)
        for spot_lon, spot_lat, weight in spots:
            metres = math.hypot((lon - spot_lon) * 67_900, (lat - spot_lat) * 111_250)
            value += weight * math.exp(-((metres / 400) ** 2))
        return min(1.0, max(0.0, value))

    return green, spots


def district_layout(
    *, sensors: int = 150, seed: int = 9, centre: tuple[float, float] = (6.06, 52.528)
) -> list[Planted]:
    """Where the sensors stand, how green it is there, and which fault each carries."""
    rng = random.Random(seed)
    green, spots = _green_field(rng, centre)
    faults = [name for name, count in FAULTS.items() for _ in range(count)]
    kinds = faults + ["paved"] * PAVED + [""] * (sensors - len(faults) - PAVED)
    rng.shuffle(kinds)
    layout = []
    for index, kind in enumerate(kinds):
        if kind == "paved":  # in a paved spot: the gardens residents worry about
            lon, lat, _weight = spots[index % 3]
            lon, lat = lon + rng.uniform(-0.001, 0.001), lat + rng.uniform(-0.0006, 0.0006)
        else:
            lon = centre[0] + rng.uniform(-0.02, 0.02)
            lat = centre[1] + rng.uniform(-0.0125, 0.0125)
        layout.append(
            Planted(
                external_id=f"{PREFIX}{index + 1:03d}",
                lon=lon,
                lat=lat,
                green=0.0 if kind == "paved" else green(lon, lat),
                fault="" if kind == "paved" else kind,
                paved=kind == "paved",
            )
        )
    return layout


class DistrictWeather:
    """The district's shared weather, worked out once per 10-minute step for every sensor."""

    def __init__(self, rng: random.Random, start: date, days: int):
        first = datetime(start.year, start.month, start.day, tzinfo=AMS)
        level, levels, clouds = 0.0, [], []
        for _day in range(days):
            level = 0.75 * level + rng.gauss(0, 1.5)  # weather fronts last a few days
            levels.append(level)
            clouds.append(min(1.0, max(0.0, rng.betavariate(1.2, 1.5))))
        # Showers: on one afternoon in four, a disk of ~700 m cools 3 °C for an hour.
        showers: dict[int, list] = {}
        for day in range(days):
            if rng.random() < 0.25:
                at = rng.uniform(12, 18)
                place = (rng.uniform(-0.015, 0.015), rng.uniform(-0.01, 0.01))
                showers.setdefault(day, []).append((at, *place))
        self.steps: list[dict] = []
        for step in range(days * 144):
            moment = first + timedelta(minutes=10 * step)
            local = moment.astimezone(AMS)
            day = (local.date() - start).days
            if not 0 <= day < days:
                continue
            hour = local.hour + local.minute / 60
            sunshine = 1 - clouds[day]
            self.steps.append(
                {
                    "moment": moment,
                    "hour": hour,
                    "mean": 18.5 + levels[day],
                    "swing": (3.0 + 4.0 * sunshine) * math.sin(2 * math.pi * (hour - 9) / 24),
                    "night": hour >= 21 or hour < 6,
                    "calm": 0.5 + 0.5 * sunshine,
                    # a sensor in the sun: how strongly it is heated now (0-1)
                    "sun": sunshine * math.sin(math.pi * (hour - 10) / 7) if 10 <= hour < 17 else 0,
                    "showers": [
                        (lon, lat) for at, lon, lat in showers.get(day, ()) if at <= hour < at + 1
                    ],
                }
            )

    @staticmethod
    def shower(places: list, dlon: float, dlat: float) -> float:
        """Cooling (°C, <= 0) by the showers over these places, at this spot."""
        cooling = 0.0
        for lon, lat in places:
            metres = math.hypot((dlon - lon) * 67_900, (dlat - lat) * 111_250)
            cooling -= 3.0 * math.exp(-((metres / 700) ** 2))
        return cooling


def district_series(
    planted: Planted,
    weather: DistrictWeather,
    rng: random.Random,
    centre: tuple[float, float] = (6.06, 52.528),
) -> list[ParsedReading]:
    """All air-temperature readings of one sensor over the period."""
    bias = rng.gauss(0, 0.25)
    noise = rng.uniform(0.08, 0.2)
    response = rng.gauss(1.0, 0.04)  # housings follow the day's swing more or less
    steps = len(weather.steps)
    gaps = set()
    for _gap in range(rng.choice((0, 0, 0, 1, 2, 3))):
        first = rng.randrange(steps)
        gaps.update(range(first, first + rng.randrange(12, 72)))
    stuck_from = rng.randrange(3 * 144, steps // 2)
    one_day = rng.randrange(2 * 144, steps - 144)
    strength = rng.uniform(3.0, 6.0)
    sign = 1 if rng.random() < 0.5 else -1
    dlon, dlat = planted.lon - centre[0], planted.lat - centre[1]
    fault = planted.fault
    indoor = 22.0
    stuck_value = None
    readings = []
    for step, now in enumerate(weather.steps):
        if planted.paved:
            effect = 1.5
        else:
            effect = (3.0 * now["calm"] if now["night"] else 1.6) * (0.5 - planted.green)
        value = now["mean"] + response * now["swing"] + effect + bias + rng.gauss(0, noise)
        if now["showers"]:
            value += weather.shower(now["showers"], dlon, dlat)
        if fault == "sunny":
            value += strength * now["sun"]
        elif fault == "offset":
            value += 4.0 * sign
        elif fault == "drift":
            value += (6.0 if sign > 0 else -5.0) * step / steps
        elif fault == "spiky" and rng.random() < 0.02:
            value += rng.choice((-1, 1)) * rng.uniform(7, 12)
        elif fault == "noisy":
            value += rng.gauss(0, 2.5)
        elif fault == "indoor":
            indoor = min(26.0, max(19.0, indoor + rng.gauss(0, 0.08)))
            value = indoor + rng.gauss(0, 0.05)
        elif (fault == "stuck" and step >= stuck_from) or (
            fault == "stuck_one_day" and one_day <= step < one_day + 144
        ):
            stuck_value = stuck_value if stuck_value is not None else round(value, 1)
            value = stuck_value
        if step not in gaps:
            readings.append(ParsedReading("air_temperature", now["moment"], round(value, 2)))
    return readings


def district_load(
    *,
    actor,
    start: date,
    days: int,
    sensors: int = 150,
    seed: int = 9,
    centre: tuple[float, float] = (6.06, 52.528),
) -> list[Planted]:
    """Register the district's sensors and store all their readings in one transaction."""
    layout = district_layout(sensors=sensors, seed=seed, centre=centre)
    weather = DistrictWeather(random.Random(f"{seed}-weather"), start, days)
    with transaction.atomic():
        for planted in layout:
            sensor, _token = services.sensor_register(
                actor=actor,
                external_id=planted.external_id,
                hardware="native",
                quantities=["air_temperature"],
                location=Point(planted.lon, planted.lat, srid=4326),
            )
            series = district_series(
                planted, weather, random.Random(f"{seed}-{planted.external_id}"), centre
            )
            readings_store(sensor=sensor, readings=series)
    return layout
