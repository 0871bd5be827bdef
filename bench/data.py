"""Synthetic benchmark data (deterministic) and the small SQL helpers the steps share."""

from __future__ import annotations

import math
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

STEP = timedelta(minutes=10)
PER_DAY = 144
CENTRE = (6.06, 52.528)  # lon, lat
HALF_SIDE_M = 2500  # a ~5 km square


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        if cursor.description:
            return cursor.fetchall()
    return None


def one(statement: str, params=None):
    return sql(statement, params)[0][0]


def median(values):
    return statistics.median(values) if values else float("nan")


def make_sensors(n: int, seed: int) -> None:
    """Insert n Sensor rows in one statement; public_location snapped in SQL (RD New 100 m cell)."""
    rng = random.Random(seed)
    dlat = HALF_SIDE_M / 111_320
    dlon = HALF_SIDE_M / (111_320 * math.cos(math.radians(CENTRE[1])))
    lons = [CENTRE[0] + rng.uniform(-dlon, dlon) for _ in range(n)]
    lats = [CENTRE[1] + rng.uniform(-dlat, dlat) for _ in range(n)]
    sql(
        """
        INSERT INTO sensors_sensor (
            external_id, name, hardware, quantities, location, public_location,
            height_m, exposure, surface, status, last_seen_at, created_at, owner_id, area_id)
        SELECT format('bench-%%s', lpad(i::text, 4, '0')), '', 'native',
               ARRAY['air_temperature']::varchar(30)[], p,
               -- the centre of its 100 m RD New cell, as sensors.services.public_location_for
               ST_Transform(ST_SnapToGrid(ST_Transform(p, 28992), 50, 50, 100, 100), 4326),
               1.5, '', '', 'active', NULL, now(), NULL, NULL
        FROM (SELECT i, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS p
              FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS t(i, lon, lat)) s
        ORDER BY i
        """,
        [list(range(1, n + 1)), lons, lats],
    )


def make_times(start: date, days: int) -> list[datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    first = datetime(start.year, start.month, start.day, tzinfo=tz).astimezone(UTC)
    return [first + k * STEP for k in range(days * PER_DAY)]


def make_values(n_sensors: int, n_steps: int, seed: int) -> list[list[float]]:
    """Air temperature: weather + diurnal cycle + a heat wave + per-sensor bias + noise."""
    base = []
    for k in range(n_steps):
        day, hour = divmod(k, PER_DAY)
        hour /= 6  # local hour (no DST change inside June-August)
        weather = 3 * math.sin(2 * math.pi * day / 23)
        heat = 7 * math.sin(math.pi * (day - 40) / 7) if 40 <= day < 47 else 0.0
        diurnal = 6 * math.sin(2 * math.pi * (hour - 9) / 24)
        base.append(17 + weather + heat + diurnal)
    values = []
    for i in range(n_sensors):
        rng = random.Random(seed * 1_000_003 + i)
        bias = rng.gauss(0, 0.7)
        gauss = rng.gauss
        values.append([round(b + bias + gauss(0, 0.25), 2) for b in base])
    return values
