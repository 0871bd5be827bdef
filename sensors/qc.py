"""Quality control of air temperature in SQL, after CrowdQC+ (Napoly 2018; Fenner 2021).

Per reading (run for the days that got new data, before their statistics):
- range: outside a plausible Dutch range (-30 … 45 °C);
- stuck: the same value for at least 6 hours;
- spike: a jump of more than 5 °C up (or down) and straight back within 30 minutes;
- network_z (CrowdQC m2): per 10-minute daytime step (08-20 local; see
  Z_HOURS) a robust z-score against all sensors, z = (x - median) / (1.4826 * MAD);
  flagged below qnorm(0.01) = -2.33
  or above qnorm(0.95) = 1.64 (asymmetric: sun-heated sensors read too warm).
  Needs at least 5 sensors in the step. The scaled MAD stands in for Qn: both
  are robust scale estimators; MAD is available in plain SQL. The scale has a
  floor of 0.5 °C (MIN_SCALE), so sensors that agree within a few tenths on
  a calm night are not failed for a real half-degree microclimate.

Per sensor-month (a nightly job, CrowdQC m3/m4/m5):
- month_fail_rate: more than 20 % of its daytime readings failed network_z;
- month_correlation: correlation with the network median below 0.9;
- buddy: within 3 km it has at least 5 neighbours and more than 20 % of its
  hourly means lie outside median +- 3 robust SD of those neighbours.

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
# A floor under the robust spread (°C): on calm, uniform nights the network
# can agree within a few tenths, and without a floor an honest garden that is
# half a degree warmer (the very signal we look for) would fail the z-test.
MIN_SCALE = 0.5
# The network z-test runs in daytime only: radiation errors (a sensor in the
# sun) happen by day, while the night is when a paved garden is genuinely
# warmer than the rest - the urban-heat signal this service exists to show.
Z_HOURS = (8, 20)
MONTH_FAIL_SHARE = 0.2
MONTH_MIN_CORRELATION = 0.9
BUDDY_RADIUS_M = 3000
BUDDY_MIN = 5

_DAY_CHECKS_SQL = """
WITH days AS (
    SELECT d::date AS day FROM unnest(%(days)s::date[]) d
), spans AS (
    -- the days and their z-test hours as sets of instants, built once, so no
    -- reading needs a time-zone lookup (a multirange test is a binary search)
    SELECT range_agg(tstzrange(day::timestamp AT TIME ZONE %(tz)s,
                               (day + 1)::timestamp AT TIME ZONE %(tz)s)) AS inside,
           range_agg(tstzrange((day + %(z_from)s * interval '1 hour') AT TIME ZONE %(tz)s,
                               (day + %(z_to)s * interval '1 hour') AT TIME ZONE %(tz)s)) AS z,
           min(day)::timestamp AT TIME ZONE %(tz)s - interval '6 hours' AS c0,
           (max(day) + 1)::timestamp AT TIME ZONE %(tz)s + interval '6 hours' AS c1
    FROM days
), shaped AS (
    -- the days' readings plus 6 hours either side, for the stuck and spike checks;
    -- one index range scan per sensor (readings arrive sensor by sensor in bulk
    -- loads, so the time-only BRIN index cannot narrow them down)
    SELECT r.sensor_id, r.observed_at, r.value,
           (SELECT inside FROM spans) @> r.observed_at AS inside,
           (SELECT z FROM spans) @> r.observed_at AS in_z,
           lag(r.value) OVER seq AS prev_value, lag(r.observed_at) OVER seq AS prev_at,
           lead(r.value) OVER seq AS next_value, lead(r.observed_at) OVER seq AS next_at
    FROM sensors_sensor s
    CROSS JOIN LATERAL (
        SELECT x.sensor_id, x.observed_at, x.value FROM sensors_reading x
        WHERE x.sensor_id = s.id AND x.quantity = 'air_temperature'
          AND x.observed_at >= (SELECT c0 FROM spans) AND x.observed_at < (SELECT c1 FROM spans)
    ) r
    WINDOW seq AS (PARTITION BY r.sensor_id ORDER BY r.observed_at)
), runs AS (
    -- runs of one unchanged value (gaps and islands): a new run starts at each
    -- change. Only readings equal to a neighbour can belong to a run of two or
    -- more, so the rest (nearly all) is left out before numbering.
    SELECT sensor_id, observed_at, value, inside,
           sum(CASE WHEN value = prev_value THEN 0 ELSE 1 END)
               OVER (PARTITION BY sensor_id ORDER BY observed_at) AS run
    FROM shaped
    WHERE value = prev_value OR value = next_value
), long_runs AS (
    SELECT sensor_id, run FROM runs GROUP BY sensor_id, run
    HAVING max(observed_at) - min(observed_at) >= %(stuck)s::interval AND count(*) >= 12
), steps AS (
    SELECT sensor_id, observed_at, value,
           to_timestamp(floor(extract(epoch FROM observed_at) / 600) * 600) AS step
    FROM shaped
    WHERE inside AND in_z
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
    -- six hours (at least 12 readings) without any change
    SELECT r.sensor_id, r.observed_at, 'stuck', format('%%s °C unchanged', r.value)
    FROM runs r JOIN long_runs l ON l.sensor_id = r.sensor_id AND l.run = r.run
    WHERE r.inside
    UNION ALL
    SELECT sensor_id, observed_at, 'spike',
           format('%%s °C between %%s and %%s', value, prev_value, next_value)
    FROM shaped
    WHERE inside AND next_at - prev_at <= interval '30 minutes'
      AND abs(value - prev_value) > %(spike)s AND abs(value - next_value) > %(spike)s
      AND sign(value - prev_value) = sign(value - next_value)
    UNION ALL
    SELECT s.sensor_id, s.observed_at, 'network_z',
           format('z = %%s', round(((s.value - sp.median)
                                     / greatest(sp.scale, %(min_scale)s))::numeric, 2))
    FROM steps s JOIN spread sp ON sp.step = s.step
    WHERE (s.value - sp.median) / greatest(sp.scale, %(min_scale)s) < %(z_low)s
       OR (s.value - sp.median) / greatest(sp.scale, %(min_scale)s) > %(z_high)s
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

# The flags as they stood before the checks, to tell afterwards whose changed.
_BEFORE_SQL = [
    "DROP TABLE IF EXISTS pg_temp.qc_before",
    """
    CREATE TEMP TABLE qc_before ON COMMIT DROP AS
    SELECT f.sensor_id, f.observed_at, f.check_name
    FROM sensors_readingflag f, unnest(%(days)s::date[]) d
    WHERE f.quantity = 'air_temperature' AND f.check_name = ANY(%(checks)s)
      AND f.observed_at >= d::timestamp AT TIME ZONE %(tz)s
      AND f.observed_at < (d + 1)::timestamp AT TIME ZONE %(tz)s
    """,
]

# The sensor-days whose flags changed get their day recomputed: a network check
# can flag (or clear) readings of sensors that sent nothing new. Sensors with new
# readings were marked by the ingest, and the statistics redo the anomalies of
# a whole day with any of its sensors, so the rest of the network is left alone
# (redoing all of it made every recompute cost a whole day of every sensor, and
# held the markers the devices' ingest must update; bench/freshness.py).
_MARK_SQL = """
WITH after AS (
    SELECT f.sensor_id, f.observed_at, f.check_name
    FROM sensors_readingflag f, unnest(%(days)s::date[]) d
    WHERE f.quantity = 'air_temperature' AND f.check_name = ANY(%(checks)s)
      AND f.observed_at >= d::timestamp AT TIME ZONE %(tz)s
      AND f.observed_at < (d + 1)::timestamp AT TIME ZONE %(tz)s
), changed AS (
    (SELECT * FROM qc_before EXCEPT SELECT * FROM after)
    UNION ALL
    (SELECT * FROM after EXCEPT SELECT * FROM qc_before)
)
INSERT INTO sensors_dirtyday (sensor_id, day, marked_at)
SELECT DISTINCT sensor_id, (observed_at AT TIME ZONE %(tz)s)::date, now() FROM changed
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
        "min_scale": MIN_SCALE,
        "z_from": Z_HOURS[0],
        "z_to": Z_HOURS[1],
        "checks": list(PER_READING_CHECKS),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # see sensors.daily
        for statement in _BEFORE_SQL:
            cursor.execute(statement, params)
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
    -- the share of the readings that were tested (the daytime ones)
    SELECT r.sensor_id, count(f.id)::float / count(*) AS share
    FROM r LEFT JOIN sensors_readingflag f
      ON f.sensor_id = r.sensor_id AND f.quantity = 'air_temperature'
     AND f.observed_at = r.observed_at AND f.check_name = 'network_z'
    WHERE extract(hour FROM r.observed_at AT TIME ZONE %(tz)s) >= %(z_from)s
      AND extract(hour FROM r.observed_at AT TIME ZONE %(tz)s) < %(z_to)s
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
), hourly AS (
    -- The buddy check works on hourly means: every sensor is compared with each
    -- neighbour at every step, and hours keep that six times cheaper than 10 minutes.
    SELECT sensor_id, date_trunc('hour', step) AS hour, avg(value) AS value
    FROM r GROUP BY sensor_id, date_trunc('hour', step)
), buddy_stats AS (
    SELECT p.sensor_id, h.hour,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY h.value) AS median
    FROM pairs p JOIN enough e ON e.sensor_id = p.sensor_id
    JOIN hourly h ON h.sensor_id = p.buddy_id
    GROUP BY p.sensor_id, h.hour HAVING count(*) >= %(buddy_min)s
), buddy_spread AS (
    SELECT b.sensor_id, b.hour, b.median,
           1.4826 * percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(h.value - b.median)) AS scale
    FROM buddy_stats b JOIN pairs p ON p.sensor_id = b.sensor_id
    JOIN hourly h ON h.sensor_id = p.buddy_id AND h.hour = b.hour
    GROUP BY b.sensor_id, b.hour, b.median
), buddy AS (
    SELECT h.sensor_id,
           avg(CASE WHEN abs(h.value - b.median) > 3 * greatest(b.scale, %(min_scale)s)
                    THEN 1 ELSE 0 END) AS share
    FROM hourly h JOIN buddy_spread b ON b.sensor_id = h.sensor_id AND b.hour = h.hour
    GROUP BY h.sensor_id
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
        "min_scale": MIN_SCALE,
        "z_from": Z_HOURS[0],
        "z_to": Z_HOURS[1],
    }
    next_month = (first + timedelta(days=32)).replace(day=1)
    with transaction.atomic(), connection.cursor() as cursor:
        # Fresh statistics first: after a bulk load the planner otherwise guesses
        # a handful of rows and picks nested loops over millions (sampling is cheap).
        cursor.execute("ANALYZE sensors_reading, sensors_readingflag")
        cursor.execute("SET LOCAL jit = off")
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
