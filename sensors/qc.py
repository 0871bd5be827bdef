"""Quality control of air temperature in SQL, after CrowdQC+ (Napoly 2018; Fenner 2021).

Per reading (run for the days that got new data, before their statistics):
- range: outside a plausible Dutch range (-30 … 45 °C);
- stuck: the same value for at least 6 hours;
- spike: a jump of more than 5 °C up (or down) and straight back within 30 minutes;
- network_z (CrowdQC m2): per 10-minute step a robust z-score against all
  sensors, z = (x - median) / (1.4826 * MAD); flagged below qnorm(0.01) = -2.33
  or above qnorm(0.95) = 1.64 (asymmetric: sun-heated sensors read too warm).
  Needs at least 5 sensors in the step. The scaled MAD stands in for Qn: both
  are robust scale estimators; MAD is available in plain SQL.

Per sensor-month (a nightly job, CrowdQC m3/m4/m5):
- month_fail_rate: more than 20 % of its readings failed network_z;
- month_correlation: correlation with the network median below 0.9;
- buddy: within 3 km it has at least 5 neighbours and more than 20 % of its
  readings lie outside median +- 3 robust SD of those neighbours.

Flags are replaced, not appended, for the period checked: running QC twice
gives the same flags.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction

PER_READING_CHECKS = ("range", "stuck", "spike", "network_z")
PLAUSIBLE = (-30.0, 45.0)
STUCK_HOURS = 6
SPIKE_DELTA = 5.0
Z_LOW, Z_HIGH = -2.33, 1.64
MIN_NETWORK = 5
MONTH_FAIL_SHARE = 0.2
MONTH_MIN_CORRELATION = 0.9
BUDDY_RADIUS_M = 3000
BUDDY_MIN = 5

_DAY_CHECKS_SQL = """
WITH days AS (
    SELECT d::date AS day FROM unnest(%(days)s::date[]) d
), win AS (
    SELECT day, day::timestamp AT TIME ZONE %(tz)s AS t0,
           (day + 1)::timestamp AT TIME ZONE %(tz)s AS t1 FROM days
), ctx AS (
    -- the days' readings plus 6 hours either side, for the stuck and spike windows
    SELECT r.sensor_id, r.observed_at, r.value,
           EXISTS (SELECT 1 FROM win WHERE r.observed_at >= win.t0 AND r.observed_at < win.t1)
               AS inside
    FROM sensors_reading r
    WHERE r.quantity = 'air_temperature'
      AND r.observed_at >= (SELECT min(t0) FROM win) - interval '6 hours'
      AND r.observed_at < (SELECT max(t1) FROM win) + interval '6 hours'
), shaped AS (
    SELECT sensor_id, observed_at, value, inside,
        max(value) OVER back - min(value) OVER back AS back_span,
        count(*) OVER back AS back_n,
        max(value) OVER ahead - min(value) OVER ahead AS ahead_span,
        count(*) OVER ahead AS ahead_n,
        lag(value) OVER seq AS prev_value, lag(observed_at) OVER seq AS prev_at,
        lead(value) OVER seq AS next_value, lead(observed_at) OVER seq AS next_at,
        min(observed_at) OVER whole AS first_at, max(observed_at) OVER whole AS last_at
    FROM ctx
    WINDOW seq AS (PARTITION BY sensor_id ORDER BY observed_at),
           whole AS (PARTITION BY sensor_id),
           back AS (PARTITION BY sensor_id ORDER BY observed_at
                    RANGE BETWEEN %(stuck)s::interval PRECEDING AND CURRENT ROW),
           ahead AS (PARTITION BY sensor_id ORDER BY observed_at
                     RANGE BETWEEN CURRENT ROW AND %(stuck)s::interval FOLLOWING)
), steps AS (
    SELECT sensor_id, observed_at, value,
           to_timestamp(floor(extract(epoch FROM observed_at) / 600) * 600) AS step
    FROM ctx WHERE inside
), stats AS (
    SELECT step, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median,
           count(*) AS n
    FROM steps GROUP BY step
), spread AS (
    SELECT s.step, st.median, 1.4826 * percentile_cont(0.5)
               WITHIN GROUP (ORDER BY abs(s.value - st.median)) AS scale
    FROM steps s JOIN stats st ON st.step = s.step
    WHERE st.n >= %(min_network)s GROUP BY s.step, st.median
), flags AS (
    SELECT sensor_id, observed_at, 'range' AS check_name,
           format('%%s °C', round(value::numeric, 1)) AS detail
    FROM shaped WHERE inside AND (value < %(low)s OR value > %(high)s)
    UNION ALL
    -- six hours (at least 12 readings) without any change, looking back or ahead
    SELECT sensor_id, observed_at, 'stuck', format('%%s °C unchanged', value)
    FROM shaped
    WHERE inside AND ((back_span = 0 AND back_n >= 12
                       AND observed_at - %(stuck)s::interval >= first_at)
                   OR (ahead_span = 0 AND ahead_n >= 12
                       AND observed_at + %(stuck)s::interval <= last_at))
    UNION ALL
    SELECT sensor_id, observed_at, 'spike',
           format('%%s °C between %%s and %%s', value, prev_value, next_value)
    FROM shaped
    WHERE inside AND next_at - prev_at <= interval '30 minutes'
      AND abs(value - prev_value) > %(spike)s AND abs(value - next_value) > %(spike)s
      AND sign(value - prev_value) = sign(value - next_value)
    UNION ALL
    SELECT s.sensor_id, s.observed_at, 'network_z',
           format('z = %%s', round(((s.value - sp.median) / sp.scale)::numeric, 2))
    FROM steps s JOIN spread sp ON sp.step = s.step
    WHERE sp.scale > 0
      AND ((s.value - sp.median) / sp.scale < %(z_low)s
           OR (s.value - sp.median) / sp.scale > %(z_high)s)
)
INSERT INTO sensors_readingflag (sensor_id, quantity, observed_at, check_name, detail)
SELECT sensor_id, 'air_temperature', observed_at, check_name, left(detail, 200) FROM flags
ON CONFLICT DO NOTHING
"""

_CLEAR_DAYS_SQL = """
DELETE FROM sensors_readingflag f
USING unnest(%(days)s::date[]) d
WHERE f.quantity = 'air_temperature' AND f.check_name = ANY(%(checks)s)
  AND f.observed_at >= d::timestamp AT TIME ZONE %(tz)s
  AND f.observed_at < (d + 1)::timestamp AT TIME ZONE %(tz)s
"""

# Every sensor with readings on a checked day gets its day recomputed: a
# network check can change its flags, and the medians behind its anomalies.
_MARK_SQL = """
INSERT INTO sensors_dirtyday (sensor_id, day, marked_at)
SELECT DISTINCT r.sensor_id, (r.observed_at AT TIME ZONE %(tz)s)::date, now()
FROM sensors_reading r, unnest(%(days)s::date[]) d
WHERE r.observed_at >= d::timestamp AT TIME ZONE %(tz)s
  AND r.observed_at < (d + 1)::timestamp AT TIME ZONE %(tz)s
ON CONFLICT (sensor_id, day) DO UPDATE SET marked_at = excluded.marked_at
"""


def qc_days(*, days: list[date]) -> int:
    """Replace the per-reading flags of these local days; returns how many flags stand now."""
    if not days:
        return 0
    params = {
        "days": sorted(set(days)),
        "tz": settings.TIME_ZONE,
        "stuck": f"{STUCK_HOURS} hours",
        "spike": SPIKE_DELTA,
        "low": PLAUSIBLE[0],
        "high": PLAUSIBLE[1],
        "z_low": Z_LOW,
        "z_high": Z_HIGH,
        "min_network": MIN_NETWORK,
        "checks": list(PER_READING_CHECKS),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLEAR_DAYS_SQL, params)
        cursor.execute(_DAY_CHECKS_SQL, params)
        flagged = cursor.rowcount
        cursor.execute(_MARK_SQL, params)
    return flagged


def qc_dirty_days() -> int:
    """QC the days that have dirty markers (the step before their statistics)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT day FROM sensors_dirtyday")
        days = [row[0] for row in cursor.fetchall()]
    return qc_days(days=days)


_MONTH_SQL = """
WITH bounds AS (
    SELECT %(month)s::date AS m0, (%(month)s::date + interval '1 month')::date AS m1
), span AS (
    SELECT m0::timestamp AT TIME ZONE %(tz)s AS t0, m1::timestamp AT TIME ZONE %(tz)s AS t1
    FROM bounds
), r AS (
    SELECT x.sensor_id, x.observed_at, x.value,
           to_timestamp(floor(extract(epoch FROM x.observed_at) / 600) * 600) AS step
    FROM sensors_reading x, span
    WHERE x.quantity = 'air_temperature' AND x.observed_at >= span.t0 AND x.observed_at < span.t1
), network AS (
    SELECT step, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median
    FROM r GROUP BY step HAVING count(*) >= %(min_network)s
), fail_rate AS (
    SELECT r.sensor_id, count(f.id)::float / count(*) AS share
    FROM r LEFT JOIN sensors_readingflag f
      ON f.sensor_id = r.sensor_id AND f.quantity = 'air_temperature'
     AND f.observed_at = r.observed_at AND f.check_name = 'network_z'
    GROUP BY r.sensor_id
), correlation AS (
    -- A sensor without variation has no meaningful correlation (floating-point
    -- noise can make corr() look high): count it as uncorrelated.
    SELECT r.sensor_id,
           CASE WHEN stddev_samp(r.value) < 0.01 THEN NULL ELSE corr(r.value, n.median) END
               AS rho,
           count(*) AS n
    FROM r JOIN network n ON n.step = r.step GROUP BY r.sensor_id
), pairs AS (
    -- neighbours within 3 km (geography: metres on the WGS84 columns)
    SELECT a.id AS sensor_id, b.id AS buddy_id
    FROM sensors_sensor a JOIN sensors_sensor b
      ON a.id <> b.id AND ST_DWithin(a.location::geography, b.location::geography, %(radius)s)
    WHERE a.status <> 'retired' AND b.status <> 'retired'
), enough AS (
    SELECT sensor_id FROM pairs GROUP BY sensor_id HAVING count(*) >= %(buddy_min)s
), buddy_stats AS (
    SELECT p.sensor_id, r.step,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY r.value) AS median,
           1.4826 * percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(r.value - nm.median))
               AS scale
    FROM pairs p JOIN enough e ON e.sensor_id = p.sensor_id
    JOIN r ON r.sensor_id = p.buddy_id
    JOIN network nm ON nm.step = r.step
    GROUP BY p.sensor_id, r.step HAVING count(*) >= %(buddy_min)s
), buddy AS (
    SELECT r.sensor_id,
           avg(CASE WHEN abs(r.value - b.median) > 3 * greatest(b.scale, 0.1) THEN 1 ELSE 0 END)
               AS share
    FROM r JOIN buddy_stats b ON b.sensor_id = r.sensor_id AND b.step = r.step
    GROUP BY r.sensor_id
), flags AS (
    SELECT sensor_id, 'month_fail_rate' AS check_name, share AS value,
           format('%%s %%%% of readings off the network', round((share * 100)::numeric)) AS detail
    FROM fail_rate WHERE share > %(fail_share)s
    UNION ALL
    SELECT sensor_id, 'month_correlation', rho,
           CASE WHEN rho IS NULL THEN 'no variation at all'
                ELSE format('correlation %%s with the network median', round(rho::numeric, 2))
           END
    FROM correlation WHERE n >= 144 AND (rho IS NULL OR rho < %(min_corr)s)
    UNION ALL
    SELECT sensor_id, 'buddy', share,
           format('%%s %%%% of readings off its neighbours', round((share * 100)::numeric))
    FROM buddy WHERE share > %(fail_share)s
)
INSERT INTO sensors_sensormonthflag (sensor_id, month, check_name, value, detail)
SELECT sensor_id, %(month)s::date, check_name, value, detail FROM flags
ON CONFLICT DO NOTHING
"""


def qc_month(*, month: date) -> int:
    """Replace the station-month flags of one month; returns how many stand now.

    The sensors whose flag changed get all their days of the month marked
    dirty, so their statistics leave out (or take back) the month's readings.
    """
    first = month.replace(day=1)
    params = {
        "month": first,
        "tz": settings.TIME_ZONE,
        "min_network": MIN_NETWORK,
        "fail_share": MONTH_FAIL_SHARE,
        "min_corr": MONTH_MIN_CORRELATION,
        "radius": BUDDY_RADIUS_M,
        "buddy_min": BUDDY_MIN,
    }
    next_month = (first + timedelta(days=32)).replace(day=1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT sensor_id FROM sensors_sensormonthflag WHERE month = %s", [first]
        )
        before = {row[0] for row in cursor.fetchall()}
        cursor.execute("DELETE FROM sensors_sensormonthflag WHERE month = %s", [first])
        cursor.execute(_MONTH_SQL, params)
        flagged = cursor.rowcount
        cursor.execute(
            "SELECT DISTINCT sensor_id FROM sensors_sensormonthflag WHERE month = %s", [first]
        )
        after = {row[0] for row in cursor.fetchall()}
        changed = sorted(before ^ after)
        if changed:
            # Only the days on which those sensors have readings.
            cursor.execute(
                """
                INSERT INTO sensors_dirtyday (sensor_id, day, marked_at)
                SELECT DISTINCT r.sensor_id, (r.observed_at AT TIME ZONE %(tz)s)::date, now()
                FROM sensors_reading r
                WHERE r.sensor_id = ANY(%(sensors)s::bigint[])
                  AND r.observed_at >= %(first)s::timestamp AT TIME ZONE %(tz)s
                  AND r.observed_at < %(next)s::timestamp AT TIME ZONE %(tz)s
                ON CONFLICT (sensor_id, day) DO UPDATE SET marked_at = excluded.marked_at
                """,
                {"sensors": changed, "first": first, "next": next_month, "tz": settings.TIME_ZONE},
            )
    return flagged
