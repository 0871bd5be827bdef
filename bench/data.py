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


GRID = 5  # neighbourhoods per side
CHALLENGES = 40


def make_places(seed: int) -> None:
    """A municipality of 5 x 5 neighbourhoods over the sensors and 40 open heat challenges.

    So the evidence step of (b) writes what it writes in production: figures
    per challenge (sensors within 250 m) and per neighbourhood, and the
    green-share fit. Sensors get their neighbourhood like sensor_register does.
    """
    rng = random.Random(seed + 1)
    dlat = HALF_SIDE_M / 111_320
    dlon = HALF_SIDE_M / (111_320 * math.cos(math.radians(CENTRE[1])))
    west, south = CENTRE[0] - dlon, CENTRE[1] - dlat
    sql(
        """
        INSERT INTO civic_area (kind, code, name, parent_id, geometry, population, attributes)
        VALUES ('municipality', 'bench-gm', 'Bench', NULL,
                ST_Multi(ST_MakeEnvelope(%s, %s, %s, %s, 4326)), NULL, '{}')
        """,
        [west, south, CENTRE[0] + dlon, CENTRE[1] + dlat],
    )
    sql(
        """
        INSERT INTO civic_area (kind, code, name, parent_id, geometry, population, attributes)
        SELECT 'neighbourhood', format('bench-bu-%%s-%%s', x, y), format('Buurt %%s-%%s', x, y),
               (SELECT id FROM civic_area WHERE code = 'bench-gm'),
               ST_Multi(ST_MakeEnvelope(%(w)s + x * %(sx)s, %(s)s + y * %(sy)s,
                                        %(w)s + (x + 1) * %(sx)s, %(s)s + (y + 1) * %(sy)s, 4326)),
               1000, '{}'
        FROM generate_series(0, %(n)s - 1) x, generate_series(0, %(n)s - 1) y
        """,
        {"w": west, "s": south, "sx": 2 * dlon / GRID, "sy": 2 * dlat / GRID, "n": GRID},
    )
    sql(
        "UPDATE sensors_sensor s SET area_id = a.id FROM civic_area a"
        " WHERE a.kind = 'neighbourhood' AND ST_Covers(a.geometry, s.location)"
    )
    sql(
        "INSERT INTO civic_theme (slug, name_nl, name_en, description_nl, description_en,"
        " colour, is_active, \"order\") VALUES ('bench-heat', 'Hitte', 'Heat', '', '',"
        " '#c92a2a', true, 0)"
    )
    points = [
        (CENTRE[0] + rng.uniform(-dlon, dlon), CENTRE[1] + rng.uniform(-dlat, dlat))
        for _ in range(CHALLENGES)
    ]
    sql(
        """
        INSERT INTO civic_challenge (title, description, theme_id, geometry, area_id, owner_id,
                                     status, created_at, updated_at)
        SELECT format('Hitte %%s', i), '', (SELECT id FROM civic_theme WHERE slug = 'bench-heat'),
               ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 0.001)),
               NULL, NULL, 'open', now(), now()
        FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS t(i, lon, lat)
        """,
        [list(range(len(points))), [p[0] for p in points], [p[1] for p in points]],
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
