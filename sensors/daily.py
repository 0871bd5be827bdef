"""Daily statistics per sensor, recomputed set-based from the dirty (sensor, day) markers.

One transaction claims a batch of markers (DELETE … FOR UPDATE SKIP LOCKED,
so parallel workers take different ones), recomputes those sensor-days from
the readings that passed quality control, and refreshes the day and night
anomalies of every sensor on the affected days against the network median,
and the soil-moisture spells of the sensors that measure it. If anything
fails the transaction rolls back and the markers are still there for the
next run: no day is ever lost, and running twice gives the same rows.

Local days and hours are Europe/Amsterdam (settings.TIME_ZONE). Day hours are
09:00-18:00, night hours 00:00-06:00 of the same date. "Hours ≥ 25 °C" counts
clock hours whose mean is at least 25 °C, so it does not depend on how often
a sensor reports. Wet-feet hours count clock hours with any "on" reading.

The readings are aggregated once, per clock hour, and the day's figures are
derived from those hours (min of minima, sums of sums): one pass over the
readings instead of two. How the readings are found depends on how many
sensor-days wait (see `_choose_shape`): a few → an index range scan per
sensor-day; very many → one scan of the time span, joined on (sensor, day).
"""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.db import connection, transaction

from sensors.evidence import evidence_mark_days_stale
from sensors.quantities import QUANTITIES

DAY_HOURS = (9, 18)
NIGHT_HOURS = (0, 6)
BATCH = 5000
# More markers than live data leaves between two runs: refresh their statistics first.
ANALYZE_MARKERS_ABOVE = 2000
# A full recompute (a backfill, a changed month flag) takes everything in one
# pass: every batch of the scan shape reads the whole time span once.
SCAN_BATCH = 200_000
# One index range scan per sensor-day costs about as much as scanning ~700
# readings in bulk (measured in bench/): above that many readings per waiting
# sensor-day, one scan of the table is cheaper.
SCAN_READINGS_PER_DAY = 700
# Soil-moisture spells (volumetric %, per local day's mean). Plain thresholds:
# below 15 % plants in sandy soil begin to suffer; above 40 % most garden soils
# are close to saturation and cannot take more rain. Adjust per soil type.
DRY_BELOW = 15.0
WET_ABOVE = 40.0

Shape = Literal["auto", "index", "scan"]

_CLAIM = """
WITH claimed AS (
    DELETE FROM sensors_dirtyday d
    USING (
        SELECT id FROM sensors_dirtyday ORDER BY day, sensor_id
        LIMIT %(batch)s FOR UPDATE SKIP LOCKED
    ) pick
    WHERE d.id = pick.id
    RETURNING d.sensor_id, d.day
), bounds AS (
    SELECT sensor_id, day,
           day::timestamp AT TIME ZONE %(tz)s AS t0,
           (day + 1)::timestamp AT TIME ZONE %(tz)s AS t1
    FROM claimed
)"""

# Per sensor and clock hour, from the readings no quality-control check
# flagged: sums, counts and extremes per quantity. date_bin keeps the hour key
# plain arithmetic (no time-zone lookup per reading); Amsterdam's offsets are
# whole hours, so a UTC clock hour is a local one.
_HOUR = "date_bin('1 hour', r.observed_at, '2000-01-01')"
_HOUR_COLUMNS = f"""
    {_HOUR} AT TIME ZONE %(tz)s AS local,
    sum(r.value) FILTER (WHERE r.quantity = 'air_temperature') AS air_total,
    count(*) FILTER (WHERE r.quantity = 'air_temperature') AS air_n,
    min(r.value) FILTER (WHERE r.quantity = 'air_temperature') AS air_low,
    max(r.value) FILTER (WHERE r.quantity = 'air_temperature') AS air_top,
    sum(r.value) FILTER (WHERE r.quantity = 'relative_humidity') AS rh_total,
    count(*) FILTER (WHERE r.quantity = 'relative_humidity') AS rh_n,
    sum(r.value) FILTER (WHERE r.quantity = 'soil_moisture') AS soil_total,
    count(*) FILTER (WHERE r.quantity = 'soil_moisture') AS soil_n,
    max(r.value) FILTER (WHERE r.quantity = 'wet_feet') AS wet_top"""

_NOT_FLAGGED = """
    NOT EXISTS (
        SELECT 1 FROM sensors_readingflag x
        WHERE x.sensor_id = r.sensor_id AND x.quantity = r.quantity
          AND x.observed_at = r.observed_at
    )"""

# A few sensor-days: their readings through the (sensor, quantity, observed_at)
# key, one range scan per sensor-day (all quantities named, so the key serves
# as a range instead of reading the sensor's whole history).
_HOURLY_BY_INDEX = f""", hourly AS (
    SELECT b.sensor_id, {_HOUR_COLUMNS}
    FROM bounds b
    JOIN sensors_reading r
      ON r.sensor_id = b.sensor_id
     AND r.quantity = ANY(%(quantities)s)
     AND r.observed_at >= b.t0 AND r.observed_at < b.t1
    WHERE {_NOT_FLAGGED}
    GROUP BY b.sensor_id, {_HOUR}
)"""

# Very many sensor-days: one pass over their time span, aggregated per hour
# before the claimed (sensor, day) pairs pick their hours out - a join of
# hours, not of readings. The span comes as constants (see _choose_shape) so
# the planner sees how much of the table this is.
_HOURLY_BY_SCAN = f""", hourly AS (
    SELECT r.sensor_id, {_HOUR_COLUMNS}
    FROM sensors_reading r
    WHERE r.observed_at >= %(span_from)s::date::timestamp AT TIME ZONE %(tz)s
      AND r.observed_at < (%(span_to)s::date + 1)::timestamp AT TIME ZONE %(tz)s
      AND r.quantity = ANY(%(quantities)s)
      AND {_NOT_FLAGGED}
    GROUP BY r.sensor_id, {_HOUR}
)"""

# The day's figures from its hours, then kept for the claimed sensor-days
# (a claimed day without any readings gets a row of NULLs and zeros). A
# sensor-month that failed a station check leaves its temperature out as a
# whole (soil moisture and wet feet are not checked that way).
_DAY = "extract(hour FROM h.local) >= %(day_from)s AND extract(hour FROM h.local) < %(day_to)s"
_NIGHT = (
    "extract(hour FROM h.local) >= %(night_from)s AND extract(hour FROM h.local) < %(night_to)s"
)
_PER_DAY = f""", days AS (
    SELECT h.sensor_id, h.local::date AS day,
        min(h.air_low) AS t_min, max(h.air_top) AS t_max,
        sum(h.air_total) / nullif(sum(h.air_n), 0) AS t_mean,
        sum(h.air_n) AS t_count,
        count(*) FILTER (WHERE h.air_n > 0 AND h.air_total / h.air_n >= 25) AS hours_25,
        count(*) FILTER (WHERE h.air_n > 0 AND h.air_total / h.air_n >= 30) AS hours_30,
        sum(h.air_total) FILTER (WHERE {_DAY})
            / nullif(sum(h.air_n) FILTER (WHERE {_DAY}), 0) AS day_mean,
        sum(h.air_total) FILTER (WHERE {_NIGHT})
            / nullif(sum(h.air_n) FILTER (WHERE {_NIGHT}), 0) AS night_mean,
        sum(h.rh_total) / nullif(sum(h.rh_n), 0) AS rh_mean,
        sum(h.soil_total) / nullif(sum(h.soil_n), 0) AS soil_mean,
        sum(h.soil_n) AS soil_count,
        count(*) FILTER (WHERE h.wet_top >= 1) AS wet_feet_hours
    FROM hourly h
    GROUP BY h.sensor_id, h.local::date
), per_day AS (
    SELECT DISTINCT ON (c.sensor_id, c.day) c.sensor_id, c.day,
        m.sensor_id IS NOT NULL AS month_failed,
        d.t_min, d.t_max, d.t_mean, coalesce(d.t_count, 0) AS t_count,
        coalesce(d.hours_25, 0) AS hours_25, coalesce(d.hours_30, 0) AS hours_30,
        d.day_mean, d.night_mean, d.rh_mean, d.soil_mean,
        coalesce(d.soil_count, 0) AS soil_count, coalesce(d.wet_feet_hours, 0) AS wet_feet_hours
    FROM claimed c
    LEFT JOIN days d ON d.sensor_id = c.sensor_id AND d.day = c.day
    LEFT JOIN sensors_sensormonthflag m
      ON m.sensor_id = c.sensor_id AND m.month = date_trunc('month', c.day)::date
)
INSERT INTO sensors_sensorday (
    sensor_id, day, t_min, t_max, t_mean, t_count, hours_25, hours_30, day_mean,
    night_mean, rh_mean, soil_mean, soil_count, wet_feet_hours, computed_at
)
SELECT sensor_id, day,
       CASE WHEN month_failed THEN NULL ELSE t_min END,
       CASE WHEN month_failed THEN NULL ELSE t_max END,
       CASE WHEN month_failed THEN NULL ELSE t_mean END,
       CASE WHEN month_failed THEN 0 ELSE t_count END,
       CASE WHEN month_failed THEN 0 ELSE hours_25 END,
       CASE WHEN month_failed THEN 0 ELSE hours_30 END,
       CASE WHEN month_failed THEN NULL ELSE day_mean END,
       CASE WHEN month_failed THEN NULL ELSE night_mean END,
       rh_mean, soil_mean, soil_count, wet_feet_hours, now()
FROM per_day
ON CONFLICT (sensor_id, day) DO UPDATE SET
    t_min = excluded.t_min, t_max = excluded.t_max, t_mean = excluded.t_mean,
    t_count = excluded.t_count, hours_25 = excluded.hours_25, hours_30 = excluded.hours_30,
    day_mean = excluded.day_mean, night_mean = excluded.night_mean,
    rh_mean = excluded.rh_mean, soil_mean = excluded.soil_mean,
    soil_count = excluded.soil_count, wet_feet_hours = excluded.wet_feet_hours,
    computed_at = excluded.computed_at
RETURNING sensor_id, day, soil_count > 0
"""

RECOMPUTE_SQL = {
    "index": _CLAIM + _HOURLY_BY_INDEX + _PER_DAY,
    "scan": _CLAIM + _HOURLY_BY_SCAN + _PER_DAY,
}

# Anomaly = a sensor's day (night) mean minus the median over all sensors that day.
_ANOMALY_SQL = """
WITH medians AS (
    SELECT day,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY day_mean) AS day_median,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY night_mean) AS night_median
    FROM sensors_sensorday WHERE day = ANY(%(days)s::date[]) GROUP BY day
)
UPDATE sensors_sensorday s
SET day_anomaly = s.day_mean - m.day_median, night_anomaly = s.night_mean - m.night_median
FROM medians m WHERE s.day = m.day
"""

# Spells: on each day, how many days in a row (up to and including it) the
# soil has been wet (dry); 0 on other days, NULL without soil readings. A day
# without data ends a spell. Islands: consecutive days of one state share
# day - row_number(). A changed day can lengthen or cut the spells after it,
# so the sensor's whole series is redone (a few hundred rows per sensor).
_SPELLS_SQL = """
WITH states AS (
    SELECT id, sensor_id, day,
           CASE WHEN soil_mean IS NULL THEN NULL
                WHEN soil_mean > %(wet)s THEN 'wet'
                WHEN soil_mean < %(dry)s THEN 'dry'
                ELSE 'normal' END AS state
    FROM sensors_sensorday WHERE sensor_id = ANY(%(sensors)s::bigint[])
), islands AS (
    SELECT id, sensor_id, state,
           day - (row_number() OVER (PARTITION BY sensor_id, state ORDER BY day))::int AS island,
           day
    FROM states
), lengths AS (
    SELECT id, state,
           row_number() OVER (PARTITION BY sensor_id, state, island ORDER BY day) AS length
    FROM islands
)
UPDATE sensors_sensorday s
SET wet_spell_days = CASE WHEN l.state IS NULL THEN NULL
                          WHEN l.state = 'wet' THEN l.length ELSE 0 END,
    dry_spell_days = CASE WHEN l.state IS NULL THEN NULL
                          WHEN l.state = 'dry' THEN l.length ELSE 0 END
FROM lengths l
WHERE s.id = l.id
  AND (s.wet_spell_days, s.dry_spell_days) IS DISTINCT FROM (
      CASE WHEN l.state IS NULL THEN NULL WHEN l.state = 'wet' THEN l.length ELSE 0 END,
      CASE WHEN l.state IS NULL THEN NULL WHEN l.state = 'dry' THEN l.length ELSE 0 END)
RETURNING s.day
"""


def recompute_params(*, batch: int) -> dict:
    return {
        "quantities": list(QUANTITIES),
        "batch": batch,
        "tz": settings.TIME_ZONE,
        "day_from": DAY_HOURS[0],
        "day_to": DAY_HOURS[1],
        "night_from": NIGHT_HOURS[0],
        "night_to": NIGHT_HOURS[1],
    }


def _choose_shape(waiting: int, readings: float) -> Literal["index", "scan"]:
    """Index range scans for a few sensor-days, one scan of the table for very many.

    The planner cannot make this choice itself: it misjudges how many rows a
    per-sensor-day range holds (bench/explain), so we compare the waiting
    sensor-days with the table's size (its planner estimate, free to read).
    """
    if readings is None or readings < 0:  # never analysed: no basis to choose
        return "index"
    return "scan" if waiting * SCAN_READINGS_PER_DAY > readings else "index"


def daily_stats_recompute(*, batch: int | None = None, shape: Shape = "auto") -> int:
    """Recompute the sensor-days of one batch of dirty markers; returns how many."""
    with transaction.atomic(), connection.cursor() as cursor:
        # Row estimates for these CTEs are poor; JIT compilation then costs more
        # than it saves (measured in bench/).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            "SELECT count(*), min(day), max(day),"
            " (SELECT reltuples FROM pg_class WHERE oid = 'sensors_reading'::regclass)"
            " FROM sensors_dirtyday"
        )
        waiting, first, last, readings = cursor.fetchone()
        if not waiting:
            return 0
        if waiting > ANALYZE_MARKERS_ABOVE:
            # A backfill just wrote thousands of markers the planner has not
            # seen: guessing one row, it claims them in a nested loop, quadratic
            # (25 s for 4,650 sensor-days). Sampling the small table takes ms.
            cursor.execute("ANALYZE sensors_dirtyday")
        if shape == "auto":
            shape = _choose_shape(waiting, readings)
        if batch is None:
            batch = SCAN_BATCH if shape == "scan" else BATCH
        if shape == "scan":
            # The hourly sums of a long span do not fit the default work_mem; spilling
            # them to disk costs more than the memory (one statement, then freed).
            cursor.execute("SET LOCAL work_mem = '256MB'")
        params = {**recompute_params(batch=batch), "span_from": first, "span_to": last}
        cursor.execute(RECOMPUTE_SQL[shape], params)
        rows = cursor.fetchall()
        days = sorted({day for _sensor, day, _soil in rows})
        if days:
            cursor.execute(_ANOMALY_SQL, {"days": days})
            # In this transaction: committed statistics always leave their periods marked.
            evidence_mark_days_stale(days)
        soil_sensors = sorted({sensor for sensor, _day, soil in rows if soil})
        if soil_sensors:
            cursor.execute(
                _SPELLS_SQL, {"sensors": soil_sensors, "wet": WET_ABOVE, "dry": DRY_BELOW}
            )
            # A changed day can lengthen or cut the spells of later days, in other periods.
            respelled = {day for (day,) in cursor.fetchall()} - set(days)
            if respelled:
                evidence_mark_days_stale(respelled)
    return len(rows)


def daily_stats_recompute_all_dirty(*, shape: Shape = "auto") -> int:
    """Work through the dirty markers waiting now, batch by batch; returns sensor-days recomputed.

    Markers that arrive meanwhile are left to the next run, which checks their
    readings first: while devices kept sending, this loop used to claim them a
    few at a time, each batch redoing the anomalies of a whole day (26 s for
    640 sensor-days in bench/freshness.py).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sensors_dirtyday")
        (waiting,) = cursor.fetchone()
    total = 0
    while total < waiting:
        # 0: nothing waits, or the rest is claimed by another worker right now
        done = daily_stats_recompute(shape=shape)
        if not done:
            break
        total += done
    return total
