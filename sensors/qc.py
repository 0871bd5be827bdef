"""Quality control of air temperature in SQL, after CrowdQC+ (Napoly 2018; Fenner 2021).

Per reading (run for the days that got new data, before their statistics):
- range: outside a plausible Dutch range (-30 … 45 °C);
- stuck: the same value for at least 6 hours;
- spike: a jump of more than 5 °C up (or down) and straight back within 30 minutes;
- network_z (CrowdQC m2, adapted; see below): per 10-minute daytime step
  (08-20 local; Z_HOURS) a robust z-score against all sensors, flagged below
  qnorm(0.01) = -2.33 or above qnorm(0.95) = 1.64 (asymmetric: sun-heated
  sensors read too warm). Needs at least 5 sensors in the step.

Per sensor-month (CrowdQC+ m3/m4/m5; see "Which months" below for when):
- month_fail_rate: more than 20 % of its daytime readings that network_z
  scored failed it;
- month_correlation: correlation with the network median below 0.9;
- buddy: of its nearest neighbours within 3 km (at most 20, BUDDY_MAX) it has
  at least 5, and more than 20 % of its hourly means lie outside their median
  +- 3 robust SD (IQR / 1.349, at least 1 °C: the band is at least +- 3 °C).

The network z-test and genuine warmth. CrowdQC's m2 scores a reading against
the network of that moment: z = (x - median) / (1.4826 * MAD), the scaled MAD
standing in for Qn (both robust; MAD is plain SQL), with a floor of 0.5 °C
under the scale (MIN_SCALE). Run as is, it takes out the gardens this service
exists to find: a paved garden is warmer than the network by day AND by night
(urban heat, strongest at night: Oke 1982), and by day that warmth fails the
z-test like a sensor in the sun. What tells them apart is the night: a
radiation error needs the sun (Meier et al. 2017 and Fenner et al. 2021
discuss the warm daytime bias of exposed citizen stations), paving does not.
So each sensor gets its own night offset per day: the median of its
deviations from the network median over that date's night (00-06 local,
sensors.daily's night; at least 2 hours of readings in steps with 5 or more
sensors). By day, the part of a reading's deviation that this offset explains
is taken off before the z-score:

    dev = x - median(step)
    explained = clamp(offset, min(dev, 0), max(dev, 0)), |offset| at most 3 °C
    z = (dev - explained) / max(1.4826 * MAD(step), 0.5 °C)

so a garden 1.5 °C warmer day and night scores z = 0, a sensor at the
network's night level that reads 4 °C too warm in the afternoon scores as
before, and one that is warm at night but too warm by day is flagged for the
excess only. The clamp never turns a deviation round (a garden warm at night
and cool by day keeps its cool deviation), and a sensor without an offset for
that day (no night readings) is tested as in CrowdQC. The cap (GENUINE_MAX)
keeps a steady offset of more than 3 °C, which paving does not give within
one district, testable: it is a calibration fault or a heat source, and the
buddy check (band at least +- 3 °C) flags it too. Below that, a steady offset
and a paved garden look the same to any check against the network; the
station-month correlation still catches a sensor that does not follow the
weather. month_fail_rate counts the flags of this adapted test over the
daytime readings it tested, so a month flag follows from the same rule.

Which months: every month whose readings changed, whatever the date. The ingest
writes a (sensor, month) marker (DirtyMonth) with the (sensor, day) marker,
in the same transaction as the readings, and the recompute checks the months
that are due (qc_changed_months). A month's check removes only the markers it
saw, in its own transaction, so a killed worker or readings arriving
meanwhile leave their marker for the next run. A past month (a backfill, late
readings) is checked at once, before the statistics of its days, then at
most once per 10 minutes (the readings of 23:50 trickle in after midnight on
the 1st); the current month, whose live data arrives every few minutes, at
most once an hour, and after that run's statistics and evidence so live
figures never wait for a whole month's checks (a changed month flag marks
its days, which the same run recomputes). See MONTH_RECHECK_*.

Flags are replaced, not appended, for the period checked: running QC twice
gives the same flags.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Literal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from sensors.daily import NIGHT_HOURS

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
# A sensor's own night offset explains its daytime deviation up to this much
# (°C): more than paving gives within one district (see the module docstring).
GENUINE_MAX = 3.0
# Night readings (in steps the network test could use) needed for an offset: 2 hours.
NIGHT_MIN_READINGS = 12
MONTH_FAIL_SHARE = 0.2
MONTH_MIN_CORRELATION = 0.9
BUDDY_RADIUS_M = 3000
BUDDY_MIN = 5
# Neighbours compared, nearest first: a median of 20 is as steady as one of
# 200, and the work grows with the pairs (150 sensors within 3 km: 22,000 pairs
# without the cap, 100 s a month; with it, 3,000).
BUDDY_MAX = 20
# The buddy band is median +- 3 robust SD of the neighbours, the SD at least
# this (°C): a paved garden 1.5 °C warmer than its neighbours is not an outlier.
BUDDY_MIN_SCALE = 1.0
# How soon a month with changed readings is checked again (see the docstring).
MONTH_RECHECK_CURRENT = timedelta(hours=1)
MONTH_RECHECK_PAST = timedelta(minutes=10)
# Advisory-lock namespace of the month checks: one run per month at a time.
_MONTH_LOCK = 7_310_001

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
           range_agg(tstzrange((day + %(night_from)s * interval '1 hour') AT TIME ZONE %(tz)s,
                               (day + %(night_to)s * interval '1 hour') AT TIME ZONE %(tz)s))
               AS night,
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
           (SELECT night FROM spans) @> r.observed_at AS in_night,
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
    -- the readings of the network test: its daytime hours, and the night
    -- before them (00-06), which gives each sensor its own offset
    SELECT sensor_id, observed_at, value, in_z,
           to_timestamp(floor(extract(epoch FROM observed_at) / 600) * 600) AS step
    FROM shaped
    WHERE inside AND (in_z OR in_night)
), stats AS (
    SELECT step, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median,
           count(*) AS n
    FROM steps GROUP BY step
), network AS (
    -- the steps with enough sensors, each with its local day (one time-zone
    -- lookup per step, not per reading)
    SELECT step, median, (step AT TIME ZONE %(tz)s)::date AS day
    FROM stats WHERE n >= %(min_network)s
), deviations AS (
    SELECT s.sensor_id, s.observed_at, s.step, s.in_z, n.day, s.value - n.median AS dev
    FROM steps s JOIN network n ON n.step = s.step
), night_offsets AS (
    SELECT sensor_id, day,
           greatest(-%(genuine_max)s, least(%(genuine_max)s,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY dev))) AS night_offset
    FROM deviations WHERE NOT in_z
    GROUP BY sensor_id, day HAVING count(*) >= %(night_min)s
), spread AS (
    SELECT step, greatest(1.4826 * percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(dev)),
                          %(min_scale)s) AS scale
    FROM deviations WHERE in_z GROUP BY step
), scored AS (
    -- the day deviation less the part the sensor's night offset explains: the
    -- offset clamped between 0 and the deviation (docstring)
    SELECT d.sensor_id, d.observed_at,
           (d.dev - greatest(least(coalesce(o.night_offset, 0), greatest(d.dev, 0)),
                             least(d.dev, 0))) / sp.scale AS z
    FROM deviations d
    JOIN spread sp ON sp.step = d.step
    LEFT JOIN night_offsets o ON o.sensor_id = d.sensor_id AND o.day = d.day
    WHERE d.in_z
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
    SELECT sensor_id, observed_at, 'network_z', format('z = %%s', round(z::numeric, 2))
    FROM scored WHERE z < %(z_low)s OR z > %(z_high)s
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
        "night_from": NIGHT_HOURS[0],
        "night_to": NIGHT_HOURS[1],
        "night_min": NIGHT_MIN_READINGS,
        "genuine_max": GENUINE_MAX,
        "checks": list(PER_READING_CHECKS),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        if params["days"][0] < timezone.localdate() - timedelta(days=2):
            # A backfill or late readings: the planner's statistics may not know
            # these readings yet, and with a guess of a few rows it picks nested
            # loops over hundreds of thousands (minutes instead of seconds).
            # Live data (today, yesterday) skips the sampling.
            cursor.execute("ANALYZE sensors_reading")
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
    SELECT step, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median,
           extract(hour FROM step AT TIME ZONE %(tz)s) AS local_hour
    FROM r GROUP BY step HAVING count(*) >= %(min_network)s
), tested AS (
    -- the readings the network test scores: daytime, in steps with enough sensors
    SELECT r.sensor_id, count(*) AS n
    FROM r JOIN network n ON n.step = r.step
    WHERE n.local_hour >= %(z_from)s AND n.local_hour < %(z_to)s
    GROUP BY r.sensor_id
), failed AS (
    SELECT f.sensor_id, count(*) AS n
    FROM sensors_readingflag f, span
    WHERE f.quantity = 'air_temperature' AND f.check_name = 'network_z'
      AND f.observed_at >= span.t0 AND f.observed_at < span.t1
    GROUP BY f.sensor_id
), fail_rate AS (
    -- the share of its scored readings that the network test flagged (it flags
    -- only readings it scored)
    SELECT t.sensor_id, coalesce(f.n, 0)::float / t.n AS share
    FROM tested t LEFT JOIN failed f ON f.sensor_id = t.sensor_id
), correlation AS (
    -- A sensor without variation has no meaningful correlation (floating-point
    -- noise can make corr() look high): count it as uncorrelated.
    SELECT r.sensor_id,
           CASE WHEN stddev_samp(r.value) < 0.01 THEN NULL ELSE corr(r.value, n.median) END
               AS rho,
           count(*) AS n
    FROM r JOIN network n ON n.step = r.step GROUP BY r.sensor_id
), hourly AS (
    -- The buddy check works on hourly means: every sensor is compared with each
    -- neighbour at every step, and hours keep that six times cheaper than 10 minutes.
    SELECT sensor_id, date_trunc('hour', step) AS hour, avg(value) AS value
    FROM r GROUP BY sensor_id, date_trunc('hour', step)
), located AS (
    SELECT s.id, s.location::geography AS place
    FROM sensors_sensor s
    WHERE s.status <> 'retired' AND s.id IN (SELECT sensor_id FROM hourly)
), pairs AS (
    -- each sensor's nearest neighbours with readings this month, within 3 km
    -- (geography: metres), at most BUDDY_MAX: the work grows with the pairs
    SELECT a.id AS sensor_id, n.id AS buddy_id
    FROM located a
    CROSS JOIN LATERAL (
        SELECT b.id FROM located b
        WHERE b.id <> a.id AND ST_DWithin(a.place, b.place, %(radius)s)
        ORDER BY ST_Distance(a.place, b.place), b.id
        LIMIT %(buddy_max)s
    ) n
), enough AS (
    SELECT sensor_id FROM pairs GROUP BY sensor_id HAVING count(*) >= %(buddy_min)s
), buddy_stats AS (
    -- the neighbours' median and robust SD (IQR / 1.349) in one sort
    SELECT p.sensor_id, h.hour,
           percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY h.value) AS q
    FROM pairs p JOIN enough e ON e.sensor_id = p.sensor_id
    JOIN hourly h ON h.sensor_id = p.buddy_id
    GROUP BY p.sensor_id, h.hour HAVING count(*) >= %(buddy_min)s
), buddy AS (
    SELECT h.sensor_id,
           avg(CASE WHEN abs(h.value - b.q[2])
                         > 3 * greatest((b.q[3] - b.q[1]) / 1.349, %(buddy_min_scale)s)
                    THEN 1 ELSE 0 END) AS share
    FROM hourly h JOIN buddy_stats b ON b.sensor_id = h.sensor_id AND b.hour = h.hour
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
    The month's markers that were there before the checks read the readings
    are removed with the flags' commit; the month is recorded as checked.
    """
    flagged = _qc_month(month=month.replace(day=1), wait=True, only_if_marked=False)
    assert flagged is not None  # waiting for the lock never skips
    return flagged


def _qc_month(*, month: date, wait: bool, only_if_marked: bool) -> int | None:
    """qc_month; None when skipped (busy elsewhere, or no marker left when only_if_marked)."""
    first = month
    params = {
        "month": first,
        "tz": settings.TIME_ZONE,
        "min_network": MIN_NETWORK,
        "fail_share": MONTH_FAIL_SHARE,
        "min_corr": MONTH_MIN_CORRELATION,
        "radius": BUDDY_RADIUS_M,
        "buddy_min": BUDDY_MIN,
        "buddy_max": BUDDY_MAX,
        "buddy_min_scale": BUDDY_MIN_SCALE,
        "z_from": Z_HOURS[0],
        "z_to": Z_HOURS[1],
    }
    next_month = (first + timedelta(days=32)).replace(day=1)
    with transaction.atomic(), connection.cursor() as cursor:
        # One check of a month at a time: two workers catching up the same
        # backfill would do the same minutes of work twice.
        key = [_MONTH_LOCK, first.toordinal()]
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", key)
        else:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", key)
            if not cursor.fetchone()[0]:
                return None
        # The markers as they stand before the checks read the readings: an
        # ingest commits its readings and its marker together, so what these
        # markers announce is in what the checks see.
        cursor.execute(
            "SELECT sensor_id, changes FROM sensors_dirtymonth WHERE month = %s", [first]
        )
        seen = cursor.fetchall()
        if only_if_marked and not seen:
            return None  # another run checked it since the due months were listed
        # Fresh statistics first: after a bulk load the planner otherwise guesses
        # a handful of rows and picks nested loops over millions (sampling is cheap).
        cursor.execute("ANALYZE sensors_reading, sensors_readingflag")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            "SELECT DISTINCT sensor_id FROM sensors_sensormonthflag WHERE month = %s", [first]
        )
        before = {row[0] for row in cursor.fetchall()}
        cursor.execute("DELETE FROM sensors_sensormonthflag WHERE month = %s", [first])
        # The CTEs' row estimates are guesses (a few pairs where there are
        # thousands), and a nested loop over them costs minutes where a hash
        # join costs seconds (measured: 160 s against 5 s for 150 sensors).
        # Joins that can only be loops (the nearest neighbours, the month's
        # time range) stay loops.
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(_MONTH_SQL, params)
        flagged = cursor.rowcount
        cursor.execute("SET LOCAL enable_nestloop = on")
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
        cursor.execute(
            """
            INSERT INTO sensors_monthcheck (month, checked_at) VALUES (%s, %s)
            ON CONFLICT (month) DO UPDATE SET checked_at = excluded.checked_at
            """,
            # the application's clock, the one months_due compares it with
            [first, timezone.now()],
        )
        if seen:
            # Last, so an ingest bumping one of these markers waits only for the commit.
            # A marker bumped since it was seen (new readings) stays for the next run.
            sensors, changes = zip(*seen, strict=True)
            cursor.execute(
                """
                DELETE FROM sensors_dirtymonth d
                USING unnest(%s::bigint[], %s::bigint[]) AS s(sensor_id, changes)
                WHERE d.month = %s AND d.sensor_id = s.sensor_id AND d.changes = s.changes
                """,
                [list(sensors), list(changes), first],
            )
    return flagged


Which = Literal["all", "past", "current"]


def months_due(
    *, now: datetime | None = None, force: bool = False, which: Which = "all"
) -> list[date]:
    """The months whose readings changed and whose check is due (MONTH_RECHECK_*), oldest first.

    `which`: every such month, only those before the current local month
    (backfills, late readings), or only the current month (and any later).
    """
    now = now or timezone.now()
    current = timezone.localdate(now).replace(day=1)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT m.month, c.checked_at
            FROM (SELECT DISTINCT month FROM sensors_dirtymonth) m
            LEFT JOIN sensors_monthcheck c ON c.month = m.month
            ORDER BY m.month
            """
        )
        rows = cursor.fetchall()
    due = []
    for month, checked_at in rows:
        live = month >= current
        if (which == "past" and live) or (which == "current" and not live):
            continue
        wait = MONTH_RECHECK_CURRENT if live else MONTH_RECHECK_PAST
        if force or checked_at is None or now - checked_at >= wait:
            due.append(month)
    return due


def qc_changed_months(
    *, force: bool = False, also: Iterable[date] = (), which: Which = "all"
) -> int:
    """Station-month checks of the months whose readings changed and are due; returns the flags.

    `force` checks every changed month now; `also` adds months to check in any
    case (the nightly job: this month and the last); `which` as in months_due.
    A month another worker is checking right now is left to it.
    """
    marked = months_due(force=force, which=which)
    extra = {month.replace(day=1) for month in also} - set(marked)
    flagged = 0
    for month in sorted({*marked, *extra}):
        done = _qc_month(month=month, wait=False, only_if_marked=month not in extra)
        flagged += done or 0
    return flagged
