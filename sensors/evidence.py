"""Sensor evidence for challenges and areas, per period, written through the core's contract.

For every evidence period (civic.periods: warm seasons, heat waves, the last
30 days, officers' periods) each sensor that is not retired gets a summary
over the period's days: mean day and night anomaly against the network
median, tropical nights, summer days, hours ≥ 30 °C, wet-feet hours (only
sensors that measure wet feet), soil moisture, the longest dry and wet soil
spell and coverage (the share of the period's days, up to its last day with
data, with at least 80 % of the expected readings; CrowdQC o2). A
challenge's figures are the means over the sensors inside its geometry or
within BUFFER_M of it; a neighbourhood's over the sensors inside it
(Sensor.area). The *why*: per district and municipality, an ordinary
least-squares fit of each sensor's night anomaly on the green share within
50 m and 100 m, with the slope's standard error and the number of sensors.

Ranks. The heat rank orders subjects by night anomaly (warmest first), among
those with temperature data. The wet rank orders them by a wetness index:
the mean, over the wet measures a subject has (wet-feet hours, mean soil
moisture, longest wet soil spell), of its value as a share of the wettest
subject's value for that measure. A subject with only soil sensors is ranked
on soil, one with only wet-feet sensors on wet feet; a subject with neither,
or where every wet measure reads 0, gets no wet rank (it is not "tied for
driest", nor tied at the top).

Which periods are redone: those holding days whose statistics changed
(`evidence_mark_days_stale`, called in the statistics' transaction), all of
them when a sensor is added, moved, retired or reactivated, or a subject
changes (civic.subjects). A reading dated today touches the last 30 days and
the current season, never last summer.

Which sensors a figure covers is decided by their public location (the
centre of their 100 m cell, civic.cells), never the exact one: each sensor's
own figures are public, so a mean over a group whose members were chosen by
exact location would tell which side of a neighbourhood boundary (or of a
challenge's buffer) a garden lies on. The green share around a sensor is
measured at its exact location: it is never shown per sensor.

All of it is set-based SQL, staged into the core's evidence_incoming table
and replaced there by civic.evidence; recomputing twice gives the same rows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db import connection, transaction

from civic.evidence import (
    StaleWork,
    evidence_claim_stale,
    evidence_mark_stale,
    evidence_writing,
)
from civic.models import EvidencePeriod
from civic.periods import (
    detected_periods_replace,
    periods_touching,
    recent_period,
    seasons_for_days,
)

SOURCE = "sensors"
logger = logging.getLogger(__name__)
BUFFER_M = 250
# A day's network median Tmax counts for heat waves only with this many sensors.
HEAT_WAVE_MIN_SENSORS = 5
# 80 % of 144 ten-minute readings.
FULL_DAY_READINGS = 115

_SURROUNDINGS_SQL = """
WITH pts AS (
    SELECT id, ST_Transform(location, 28992) AS p FROM sensors_sensor s
    WHERE NOT %(only_missing)s
       OR NOT EXISTS (SELECT 1 FROM sensors_sensorsurroundings g WHERE g.sensor_id = s.id)
), radii AS (
    SELECT * FROM (VALUES (50), (100)) AS r(r)
), covered AS (
    -- area of the union of each land-cover kind inside each buffer
    SELECT pts.id, radii.r, lc.kind,
           ST_Area(ST_Intersection(ST_Buffer(pts.p, radii.r, 16),
                                   ST_Union(ST_Transform(lc.geometry, 28992)))) AS covered
    FROM pts CROSS JOIN radii
    JOIN sensors_landcover lc
      ON ST_DWithin(pts.p, ST_Transform(lc.geometry, 28992), radii.r)
    WHERE lc.kind IN ('green', 'paved')
    GROUP BY pts.id, radii.r, lc.kind, pts.p
), shares AS (
    SELECT pts.id,
        coalesce(sum(c.covered) FILTER (WHERE c.r = 50 AND c.kind = 'green'), 0)
            / ST_Area(ST_Buffer(pts.p, 50, 16)) AS green_50,
        coalesce(sum(c.covered) FILTER (WHERE c.r = 100 AND c.kind = 'green'), 0)
            / ST_Area(ST_Buffer(pts.p, 100, 16)) AS green_100,
        coalesce(sum(c.covered) FILTER (WHERE c.r = 50 AND c.kind = 'paved'), 0)
            / ST_Area(ST_Buffer(pts.p, 50, 16)) AS paved_50,
        coalesce(sum(c.covered) FILTER (WHERE c.r = 100 AND c.kind = 'paved'), 0)
            / ST_Area(ST_Buffer(pts.p, 100, 16)) AS paved_100
    FROM pts LEFT JOIN covered c ON c.id = pts.id
    GROUP BY pts.id, pts.p
)
INSERT INTO sensors_sensorsurroundings
    (sensor_id, green_50, green_100, paved_50, paved_100, computed_at)
SELECT id, green_50, green_100, paved_50, paved_100, now() FROM shares
ON CONFLICT (sensor_id) DO UPDATE SET
    green_50 = excluded.green_50, green_100 = excluded.green_100,
    paved_50 = excluded.paved_50, paved_100 = excluded.paved_100,
    computed_at = excluded.computed_at
"""

# Per-sensor summaries over one period, into a temporary table the statements
# below read (one pass over the period's sensor-days).
_SUMMARY_SQL = [
    "DROP TABLE IF EXISTS pg_temp.sensor_summary",
    """
    CREATE TEMP TABLE sensor_summary ON COMMIT DROP AS
    SELECT s.id AS sensor_id, s.public_location, s.area_id,
           avg(d.night_anomaly) AS night_anomaly,
           avg(d.day_anomaly) AS day_anomaly,
           count(*) FILTER (WHERE d.t_min >= 20) AS tropical_nights,
           count(*) FILTER (WHERE d.t_max >= 25) AS summer_days,
           sum(d.hours_30) AS hours_30,
           CASE WHEN 'wet_feet' = ANY(s.quantities) THEN sum(d.wet_feet_hours) END
               AS wet_feet_hours,
           avg(d.soil_mean) AS soil_moisture,
           max(d.dry_spell_days) AS dry_spell_days,
           max(d.wet_spell_days) AS wet_spell_days,
           count(*) FILTER (WHERE d.t_count >= %(full_day)s)::float
               / %(period_days)s AS coverage,
           bool_or(d.t_count > 0) AS has_temperature,
           -- here, not joined in later: the planner took the small joins for
           -- a row or two and compared every sensor with every other (0.5 s)
           g.green_50, g.green_100
    FROM sensors_sensor s
    JOIN sensors_sensorday d ON d.sensor_id = s.id
    LEFT JOIN sensors_sensorsurroundings g ON g.sensor_id = s.id
    WHERE s.status <> 'retired'
      AND d.day BETWEEN %(period_start)s AND %(period_end)s
    GROUP BY s.id, g.green_50, g.green_100
    """,
    # Small tables the planner would otherwise guess at (it then reran joins per area).
    "ANALYZE pg_temp.sensor_summary",
]

# Temperature figures only from sensors with temperature; tropical nights and
# the like are per sensor, so a soil-only sensor must not pull them to 0.
_GROUP_COLUMNS = """
        count(*) AS n, avg(coverage) FILTER (WHERE has_temperature) AS coverage,
        avg(night_anomaly) AS night_anomaly, avg(day_anomaly) AS day_anomaly,
        avg(tropical_nights) FILTER (WHERE has_temperature) AS tropical_nights,
        avg(summer_days) FILTER (WHERE has_temperature) AS summer_days,
        avg(hours_30) FILTER (WHERE has_temperature) AS hours_30,
        avg(wet_feet_hours) AS wet_feet_hours,
        count(wet_feet_hours) AS wet_feet_sensors,
        avg(soil_moisture) AS soil_moisture,
        count(soil_moisture) AS soil_sensors,
        avg(dry_spell_days) AS dry_spell_days, avg(wet_spell_days) AS wet_spell_days
"""

_RANKED = """
, wet AS (
    -- Each wet measure as a share of the wettest subject's value (0 where the measure
    -- reads 0, absent where it is not measured): ties at 0 stay 0, not "top".
    SELECT *,
        CASE WHEN wet_feet_hours IS NOT NULL THEN
            coalesce(wet_feet_hours / nullif(max(wet_feet_hours) OVER (), 0), 0) END AS p_feet,
        CASE WHEN soil_moisture IS NOT NULL THEN
            coalesce(soil_moisture / nullif(max(soil_moisture) OVER (), 0), 0) END AS p_soil,
        CASE WHEN wet_spell_days IS NOT NULL THEN
            coalesce(wet_spell_days / nullif(max(wet_spell_days) OVER (), 0), 0) END AS p_spell
    FROM grouped
), indexed AS (
    SELECT *,
        (coalesce(p_feet, 0) + coalesce(p_soil, 0) + coalesce(p_spell, 0))
            / nullif((p_feet IS NOT NULL)::int + (p_soil IS NOT NULL)::int
                     + (p_spell IS NOT NULL)::int, 0) AS wetness
    FROM wet
), ranked AS (
    SELECT *,
        CASE WHEN night_anomaly IS NOT NULL THEN
            rank() OVER (PARTITION BY night_anomaly IS NULL ORDER BY night_anomaly DESC) END
            AS heat_rank,
        count(night_anomaly) OVER () AS heat_ranked,
        -- Only places where something wet was measured are ranked (not "tied for driest").
        CASE WHEN wetness > 0 THEN
            rank() OVER (PARTITION BY wetness > 0 ORDER BY wetness DESC) END AS wet_rank,
        count(*) FILTER (WHERE wetness > 0) OVER () AS wet_ranked
    FROM indexed
)
"""

_FIGURES = """
    (VALUES
        ('sensor_count', n::float, NULL::jsonb),
        ('coverage', coverage, NULL),
        ('night_anomaly', night_anomaly, jsonb_build_object('day_anomaly', day_anomaly)),
        ('tropical_nights', tropical_nights, NULL),
        ('summer_days', summer_days, NULL),
        ('hours_30', hours_30, NULL),
        ('wet_feet_hours', wet_feet_hours,
         jsonb_build_object('sensors', wet_feet_sensors, 'n', wet_feet_sensors)),
        ('soil_moisture', soil_moisture,
         jsonb_build_object('sensors', soil_sensors, 'n', soil_sensors)),
        ('dry_spell_days', dry_spell_days,
         jsonb_build_object('sensors', soil_sensors, 'n', soil_sensors)),
        ('wet_spell_days', wet_spell_days,
         jsonb_build_object('sensors', soil_sensors, 'n', soil_sensors)),
        -- "n": how many sensors measured something wet (a figure about fewer than three
        -- gardens is never listed on its own: civic.selectors.SPOT_MIN_SENSORS).
        ('wetness_index', wetness, jsonb_build_object(
            'wet_feet', p_feet, 'soil_moisture', p_soil, 'wet_spell', p_spell,
            'n', greatest(wet_feet_sensors, soil_sensors))),
        ('heat_rank', heat_rank::float, jsonb_build_object('of', heat_ranked)),
        ('wet_rank', wet_rank::float, jsonb_build_object('of', wet_ranked))
    ) AS f(name, value, extra)
"""

# A figure that was not measured (no wet-feet sensor, no temperature) is left
# out, not written as NULL or 0; the sensor count is always there.
_STAGE_FIGURES = """
INSERT INTO evidence_incoming ({column}, name, value, details)
SELECT r.subject, f.name, f.value,
       jsonb_build_object('n', r.n, 'sensors', r.n)
           || coalesce(f.extra, '{{}}'::jsonb) {extra_details}
FROM ranked r CROSS JOIN LATERAL {figures}
WHERE f.value IS NOT NULL
"""

_CHALLENGE_SQL = (
    """
WITH grouped AS (
    SELECT c.id AS subject, """
    + _GROUP_COLUMNS
    + """
    FROM civic_challenge c
    -- a cheap planar test in degrees first (a superset: a degree is at least
    -- 50 km here), the exact distance in metres only for the few pairs left
    JOIN sensor_summary su ON ST_DWithin(c.geometry, su.public_location, %(buffer_deg)s)
     AND ST_DWithin(c.geometry::geography, su.public_location::geography, %(buffer)s)
    WHERE c.status <> 'closed' AND c.geometry IS NOT NULL
    GROUP BY c.id
)"""
    + _RANKED
    + _STAGE_FIGURES.format(
        column="challenge_id",
        figures=_FIGURES,
        extra_details="|| jsonb_build_object('buffer_m', %(buffer)s)",
    )
)

# A challenge without sensors nearby is said to have none (with when that was
# checked), rather than having no sensor figures at all.
_CHALLENGE_EMPTY_SQL = """
INSERT INTO evidence_incoming (challenge_id, name, value, details)
SELECT c.id, 'sensor_count', 0, jsonb_build_object('n', 0, 'sensors', 0, 'buffer_m', %(buffer)s)
FROM civic_challenge c
WHERE c.status <> 'closed' AND c.geometry IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM evidence_incoming i WHERE i.challenge_id = c.id)
"""

_AREA_SQL = (
    """
WITH grouped AS (
    SELECT a.id AS subject, """
    + _GROUP_COLUMNS
    + """
    FROM civic_area a JOIN sensor_summary su ON su.area_id = a.id
    WHERE a.kind = 'neighbourhood'
    GROUP BY a.id
)"""
    + _RANKED
    + _STAGE_FIGURES.format(column="area_id", figures=_FIGURES, extra_details="")
)

# The why: night anomaly (°C) against green share (0-1) per sensor, by OLS.
# slope = regr_slope; its standard error = sqrt(SSE / (n - 2) / Sxx) with
# SSE = Syy - Sxy² / Sxx. Written on districts and municipalities with >= 5 sensors.
_GREEN_SQL = """
WITH pairs AS (
    SELECT a.id AS subject, su.night_anomaly AS y, su.green_50, su.green_100
    FROM civic_area a
    JOIN sensor_summary su ON ST_Intersects(a.geometry, su.public_location)
    WHERE a.kind IN ('district', 'municipality') AND su.night_anomaly IS NOT NULL
      AND su.green_50 IS NOT NULL
), fits AS (
    SELECT subject, radius, count(*) AS n,
           regr_slope(y, x) AS slope, regr_intercept(y, x) AS intercept,
           regr_r2(y, x) AS r2, regr_sxx(y, x) AS sxx, regr_syy(y, x) AS syy,
           regr_sxy(y, x) AS sxy
    FROM pairs CROSS JOIN LATERAL (VALUES (50, green_50), (100, green_100)) AS v(radius, x)
    GROUP BY subject, radius
    HAVING count(*) >= 5 AND regr_sxx(y, x) > 0
)
INSERT INTO evidence_incoming (area_id, name, value, details)
SELECT subject, 'green_share_slope_' || radius || 'm', slope,
       jsonb_build_object(
           'radius_m', radius,
           'standard_error', sqrt(greatest(syy - sxy * sxy / sxx, 0) / greatest(n - 2, 1) / sxx),
           'intercept', intercept, 'r2', r2, 'sensors', n, 'n', n)
FROM fits
"""

_COVERAGE_SQL = """
SELECT count(DISTINCT day), min(day), max(day)
FROM sensors_sensorday d JOIN sensors_sensor s ON s.id = d.sensor_id
WHERE s.status <> 'retired' AND d.day BETWEEN %(start)s AND %(end)s
  AND (d.t_count > 0 OR d.soil_count > 0 OR 'wet_feet' = ANY(s.quantities))
"""

# KNMI: a heat wave is at least 5 days in a row with Tmax >= 25 °C of which at
# least 3 >= 30 °C (De Bilt); here on the network's daily median Tmax.
_HEAT_WAVES_SQL = """
WITH daily AS (
    SELECT d.day, percentile_cont(0.5) WITHIN GROUP (ORDER BY d.t_max) AS t_max
    FROM sensors_sensorday d
    -- Full days only (a sensor with night readings only would pull Tmax down), and
    -- every sensor's history, retired or not: the weather does not change when a
    -- sensor is taken down, and nor should last summer's heat waves.
    WHERE d.t_max IS NOT NULL AND d.t_count >= %(full_day)s
    GROUP BY d.day HAVING count(*) >= %(min_sensors)s
), warm AS (
    SELECT day, t_max, day - (row_number() OVER (ORDER BY day))::int AS island
    FROM daily WHERE t_max >= %(warm)s
)
SELECT min(day), max(day) FROM warm GROUP BY island
HAVING count(*) >= %(min_days)s AND count(*) FILTER (WHERE t_max >= %(hot)s) >= %(hot_days)s
ORDER BY 1
"""


def surroundings_recompute(*, only_missing: bool = False) -> int:
    """Green and paved shares around sensors (all after a land-cover import, else new ones)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if only_missing:
            # Every evidence run asks; nearly always every sensor has its shares.
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM sensors_sensor s WHERE NOT EXISTS"
                " (SELECT 1 FROM sensors_sensorsurroundings g WHERE g.sensor_id = s.id))"
            )
            if not cursor.fetchone()[0]:
                return 0
        # The planner costs the buffer unions far above jit_above_cost: compiling
        # took 1.5 s even with no sensor to do (bench/freshness.py).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_SURROUNDINGS_SQL, {"only_missing": only_missing})
        return cursor.rowcount


def evidence_mark_days_stale(days: Iterable[date]) -> int:
    """Mark the periods holding these days stale (in the caller's transaction); returns how many.

    The warm seasons of those days are created here, so a summer loaded in
    November gets its season at once; heat waves are found when evidence runs.
    """
    days = sorted(set(days))
    if not days:
        return 0
    seasons_for_days(days[0], days[-1])
    periods = {period for day in _spans(days) for period in periods_touching(day[0], day[1])}
    for period in periods:
        # The statistics' own task computes the evidence next; the sweep covers a crash.
        evidence_mark_stale(source=SOURCE, period=period, queue=False)
    return len(periods)


def _spans(days: list[date]) -> list[tuple[date, date]]:
    """Runs of consecutive days: a late reading from July and one from today are two spans."""
    spans: list[list[date]] = []
    for day in days:
        if spans and (day - spans[-1][1]).days <= 1:
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return [(first, last) for first, last in spans]


def heat_waves_refresh(cursor) -> list[EvidencePeriod]:
    """Find the heat waves in the network's data and replace the heat-wave periods."""
    cursor.execute(
        _HEAT_WAVES_SQL,
        {
            "min_sensors": HEAT_WAVE_MIN_SENSORS,
            "full_day": FULL_DAY_READINGS,
            "warm": settings.CIVIC_HEAT_WAVE_WARM_C,
            "hot": settings.CIVIC_HEAT_WAVE_HOT_C,
            "min_days": settings.CIVIC_HEAT_WAVE_MIN_DAYS,
            "hot_days": settings.CIVIC_HEAT_WAVE_HOT_DAYS,
        },
    )
    return detected_periods_replace(
        kind=EvidencePeriod.Kind.HEAT_WAVE, spans=[tuple(row) for row in cursor.fetchall()]
    )


def _params() -> dict:
    return {
        "full_day": FULL_DAY_READINGS,
        "buffer": BUFFER_M,
        # metres → degrees, generous: a degree of longitude is > 50 km below 63° N
        "buffer_deg": BUFFER_M / 50_000,
    }


def _replace_period(writer, period: EvidencePeriod) -> int:
    cursor = writer.cursor
    cursor.execute(_COVERAGE_SQL, {"start": period.start, "end": period.end})
    days, first, last = cursor.fetchone()
    coverage = {"days": days, "first": first, "last": last}
    if not days:
        # Nothing measured in the period (any more): no figures, none left behind.
        return writer.replace(period=period, rows=[], coverage=coverage)
    # Coverage counts the days the network reported in the period (not the season's
    # days before the network existed, nor the days still to come).
    params = {**_params(), "period_days": (last - first).days + 1}
    statements = [*_SUMMARY_SQL, _CHALLENGE_SQL, _CHALLENGE_EMPTY_SQL, _AREA_SQL, _GREEN_SQL]
    return writer.replace(period=period, sql=statements, params=params, coverage=coverage)


def evidence_recompute(
    *, periods: Iterable[EvidencePeriod] | None = None, everything: bool = False
) -> int:
    """Rewrite the sensor figures of the stale periods (or the given ones); returns rows.

    `everything`: every period, after creating the warm seasons of all the
    data (a demo load, an operator's full rebuild). With no stale markers and
    nothing asked for, nothing is done. Runs of this source take turns
    (civic.evidence), so a sweep and a worker never mix rows.
    """
    begun = time.monotonic()
    written = surroundings_recompute(only_missing=True)
    recent_period()  # today's dates for the live window (marks it stale if they moved)
    with evidence_writing(SOURCE) as writer:
        # Given periods only: other waiting work stays for the next run.
        work = evidence_claim_stale(source=SOURCE) if periods is None else StaleWork()
        if periods is None and not everything and work.empty:
            return written
        before = {(p.key, p.end) for p in EvidencePeriod.objects.filter(kind="heat_wave")}
        waves = heat_waves_refresh(writer.cursor)
        logger.debug(
            "sensor evidence: claim and heat waves %.3f s (%d markers)",
            time.monotonic() - begun,
            work.claimed,
        )
        if periods is not None:
            todo = {p.pk: p for p in periods}
        elif everything or work.all_periods or work.subjects:
            # Ranks compare every subject: a new or moved one is redone with all the
            # others, in every period, including the seasons of all the data so far.
            writer.cursor.execute("SELECT min(day), max(day) FROM sensors_sensorday")
            first, last = writer.cursor.fetchone()
            if first:
                seasons_for_days(first, last)
            todo = {
                p.pk: p for p in EvidencePeriod.objects.exclude(kind=EvidencePeriod.Kind.TO_DATE)
            }
        else:
            todo = {p.pk: p for p in EvidencePeriod.objects.filter(pk__in=work.periods)}
        # A heat wave found or grown just now is computed at once.
        todo.update({w.pk: w for w in waves if (w.key, w.end) not in before})
        for period in sorted(todo.values(), key=lambda p: (p.start, p.key)):
            started = time.monotonic()
            rows = _replace_period(writer, period)
            written += rows
            elapsed = time.monotonic() - started
            logger.debug("sensor evidence of %s: %.3f s, %d rows", period.key, elapsed, rows)
        committing = time.monotonic()
    logger.debug("sensor evidence committed in %.3f s", time.monotonic() - committing)
    return written
