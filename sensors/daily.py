"""Daily statistics per sensor, recomputed set-based from the dirty (sensor, day) markers.

One transaction claims a batch of markers (DELETE … FOR UPDATE SKIP LOCKED,
so parallel workers take different ones), recomputes those sensor-days from
the readings that passed quality control, and refreshes the day and night
anomalies of every sensor on the affected days against the network median.
If anything fails the transaction rolls back and the markers are still
there for the next run: no day is ever lost, and running twice gives the
same rows.

Local days and hours are Europe/Amsterdam (settings.TIME_ZONE). Day hours are
09:00-18:00, night hours 00:00-06:00 of the same date. "Hours ≥ 25 °C" counts
clock hours whose mean is at least 25 °C, so it does not depend on how often
a sensor reports. Wet-feet hours count clock hours with any "on" reading.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction

from sensors.quantities import QUANTITIES

DAY_HOURS = (9, 18)
NIGHT_HOURS = (0, 6)
BATCH = 5000

_RECOMPUTE_SQL = """
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
), passed AS (
    -- readings of the claimed days that no quality-control check flagged
    SELECT b.sensor_id, b.day, r.quantity, r.value,
           date_trunc('hour', r.observed_at) AS hour,
           extract(hour FROM r.observed_at AT TIME ZONE %(tz)s) AS local_hour
    FROM bounds b
    JOIN sensors_reading r
      -- all quantities named, so the (sensor, quantity, observed_at) key serves as
      -- a range scan per sensor-day instead of reading the sensor's whole history
      ON r.sensor_id = b.sensor_id
     AND r.quantity = ANY(%(quantities)s)
     AND r.observed_at >= b.t0 AND r.observed_at < b.t1
    WHERE NOT EXISTS (
        SELECT 1 FROM sensors_readingflag f
        WHERE f.sensor_id = r.sensor_id AND f.quantity = r.quantity
          AND f.observed_at = r.observed_at
    )
    -- a sensor-month that failed a station check is left out as a whole
    -- (its temperature; soil moisture and wet feet are not checked that way)
    AND NOT (r.quantity = 'air_temperature' AND EXISTS (
        SELECT 1 FROM sensors_sensormonthflag m
        WHERE m.sensor_id = r.sensor_id AND m.month = date_trunc('month', b.day)::date
    ))
), hourly AS (
    SELECT sensor_id, day, hour, quantity, avg(value) AS mean, max(value) AS top
    FROM passed GROUP BY sensor_id, day, hour, quantity
), per_day AS (
    SELECT b.sensor_id, b.day,
        min(p.value) FILTER (WHERE p.quantity = 'air_temperature') AS t_min,
        max(p.value) FILTER (WHERE p.quantity = 'air_temperature') AS t_max,
        avg(p.value) FILTER (WHERE p.quantity = 'air_temperature') AS t_mean,
        count(p.value) FILTER (WHERE p.quantity = 'air_temperature') AS t_count,
        avg(p.value) FILTER (WHERE p.quantity = 'air_temperature'
                             AND p.local_hour >= %(day_from)s AND p.local_hour < %(day_to)s)
            AS day_mean,
        avg(p.value) FILTER (WHERE p.quantity = 'air_temperature'
                             AND p.local_hour >= %(night_from)s AND p.local_hour < %(night_to)s)
            AS night_mean,
        avg(p.value) FILTER (WHERE p.quantity = 'relative_humidity') AS rh_mean,
        avg(p.value) FILTER (WHERE p.quantity = 'soil_moisture') AS soil_mean,
        count(p.value) FILTER (WHERE p.quantity = 'soil_moisture') AS soil_count
    FROM bounds b LEFT JOIN passed p ON p.sensor_id = b.sensor_id AND p.day = b.day
    GROUP BY b.sensor_id, b.day
), per_hour AS (
    SELECT sensor_id, day,
        count(*) FILTER (WHERE quantity = 'air_temperature' AND mean >= 25) AS hours_25,
        count(*) FILTER (WHERE quantity = 'air_temperature' AND mean >= 30) AS hours_30,
        count(*) FILTER (WHERE quantity = 'wet_feet' AND top >= 1) AS wet_feet_hours
    FROM hourly GROUP BY sensor_id, day
)
INSERT INTO sensors_sensorday (
    sensor_id, day, t_min, t_max, t_mean, t_count, hours_25, hours_30, day_mean,
    night_mean, rh_mean, soil_mean, soil_count, wet_feet_hours, computed_at
)
SELECT d.sensor_id, d.day, d.t_min, d.t_max, d.t_mean, d.t_count,
       coalesce(h.hours_25, 0), coalesce(h.hours_30, 0), d.day_mean, d.night_mean,
       d.rh_mean, d.soil_mean, d.soil_count, coalesce(h.wet_feet_hours, 0), now()
FROM per_day d LEFT JOIN per_hour h ON h.sensor_id = d.sensor_id AND h.day = d.day
ON CONFLICT (sensor_id, day) DO UPDATE SET
    t_min = excluded.t_min, t_max = excluded.t_max, t_mean = excluded.t_mean,
    t_count = excluded.t_count, hours_25 = excluded.hours_25, hours_30 = excluded.hours_30,
    day_mean = excluded.day_mean, night_mean = excluded.night_mean,
    rh_mean = excluded.rh_mean, soil_mean = excluded.soil_mean,
    soil_count = excluded.soil_count, wet_feet_hours = excluded.wet_feet_hours,
    computed_at = excluded.computed_at
RETURNING day
"""

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


def daily_stats_recompute(*, batch: int = BATCH) -> int:
    """Recompute the sensor-days of one batch of dirty markers; returns how many."""
    with transaction.atomic(), connection.cursor() as cursor:
        # Row estimates for these CTEs are poor; JIT compilation then costs more
        # than it saves (measured in bench/).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            _RECOMPUTE_SQL,
            {
                "quantities": list(QUANTITIES),
                "batch": batch,
                "tz": settings.TIME_ZONE,
                "day_from": DAY_HOURS[0],
                "day_to": DAY_HOURS[1],
                "night_from": NIGHT_HOURS[0],
                "night_to": NIGHT_HOURS[1],
            },
        )
        rows = cursor.fetchall()
        days = sorted({row[0] for row in rows})
        if days:
            cursor.execute(_ANOMALY_SQL, {"days": days})
    return len(rows)


def daily_stats_recompute_all_dirty() -> int:
    """Work through every dirty marker, batch by batch; returns sensor-days recomputed."""
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sensors_dirtyday")
            (waiting,) = cursor.fetchone()
        if not waiting:
            return total
        done = daily_stats_recompute()
        if not done:
            return total  # the rest is claimed by another worker right now
        total += done
