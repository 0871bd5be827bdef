"""Sensor evidence for challenges and areas, written as rows of the core's evidence table.

Over the evidence period (the last EVIDENCE_DAYS days that have statistics)
each sensor gets a summary: mean day and night anomaly against the network
median, tropical nights, summer days, hours ≥ 30 °C, wet-feet hours, soil
moisture, the longest dry and wet soil spell (days) and coverage (share of
days with at least 80 % of the expected readings; CrowdQC o2). A challenge's
figures are the means over the sensors
inside its geometry or within BUFFER_M of it; a neighbourhood's over the
sensors inside it (Sensor.area). Ranks put the hottest (most night warmth) and wettest
(most wet-feet hours) first. The *why*: per district and for the whole
municipality, an ordinary least-squares fit of each sensor's night anomaly
on the green share within 50 m and 100 m, with the slope's standard error
and the number of sensors.

Which sensors a figure covers is decided by their public location (the
centre of their 100 m cell, civic.cells), never the exact one: each sensor's
own figures are public, so a mean over a group whose members were chosen by
exact location would tell which side of a neighbourhood boundary (or of a
challenge's buffer) a garden lies on. The green share around a sensor is
measured at its exact location: it is never shown per sensor.

All of it is set-based SQL; rows are upserted, so recomputing twice gives the
same rows (computed_at aside).
"""

from __future__ import annotations

from django.db import connection, transaction

SOURCE = "sensors"
EVIDENCE_DAYS = 92
BUFFER_M = 250
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

# Per-sensor summaries over the period, computed once per recompute into two
# temporary tables that the statements below read (each used to recompute
# them: three passes over every sensor-day of the period).
_SUMMARY_SQL = [
    "DROP TABLE IF EXISTS pg_temp.evidence_period, pg_temp.sensor_summary",
    """
    CREATE TEMP TABLE evidence_period ON COMMIT DROP AS
    -- the last EVIDENCE_DAYS days, or fewer when the network is younger
    SELECT greatest(max(day) - %(days)s + 1, min(day)) AS d0, max(day) AS d1
    FROM sensors_sensorday
    """,
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
               / greatest((SELECT d1 - d0 + 1 FROM evidence_period), 1) AS coverage
    FROM sensors_sensor s
    JOIN sensors_sensorday d ON d.sensor_id = s.id
    WHERE s.status <> 'retired'
      AND d.day BETWEEN (SELECT d0 FROM evidence_period) AND (SELECT d1 FROM evidence_period)
    GROUP BY s.id
    """,
    # Small tables the planner would otherwise guess at (it then reran joins per area).
    "ANALYZE pg_temp.sensor_summary",
]
_SUMMARY_CTE = """
period AS (SELECT d0, d1 FROM evidence_period),
summary AS (SELECT * FROM sensor_summary)
"""

_FIGURES = """
    (VALUES
        ('sensor_count', n::float, NULL::jsonb),
        ('coverage', coverage, NULL),
        ('night_anomaly', night_anomaly,
         jsonb_build_object('unit', '°C', 'day_anomaly', day_anomaly)),
        ('tropical_nights', tropical_nights, jsonb_build_object('per', 'sensor')),
        ('summer_days', summer_days, jsonb_build_object('per', 'sensor')),
        ('hours_30', hours_30, jsonb_build_object('per', 'sensor')),
        ('wet_feet_hours', wet_feet_hours, jsonb_build_object('per', 'sensor')),
        ('soil_moisture', soil_moisture, jsonb_build_object('unit', '%%')),
        ('dry_spell_days', dry_spell_days, jsonb_build_object('longest', 'per sensor')),
        ('wet_spell_days', wet_spell_days, jsonb_build_object('longest', 'per sensor')),
        ('heat_rank', heat_rank::float, jsonb_build_object('of', ranked)),
        ('wet_rank', wet_rank::float, jsonb_build_object('of', ranked))
    ) AS f(name, value, extra)
"""

_GROUP_COLUMNS = """
        count(*) AS n, avg(coverage) AS coverage,
        avg(night_anomaly) AS night_anomaly, avg(day_anomaly) AS day_anomaly,
        avg(tropical_nights) AS tropical_nights, avg(summer_days) AS summer_days,
        avg(hours_30) AS hours_30, avg(wet_feet_hours) AS wet_feet_hours,
        avg(soil_moisture) AS soil_moisture,
        avg(dry_spell_days) AS dry_spell_days, avg(wet_spell_days) AS wet_spell_days
"""

_CHALLENGE_SQL = f"""
WITH {_SUMMARY_CTE}, grouped AS (
    SELECT c.id AS subject, {_GROUP_COLUMNS}
    FROM civic_challenge c
    -- a cheap planar test in degrees first (a superset: a degree is at least
    -- 50 km here), the exact distance in metres only for the few pairs left
    JOIN summary su ON ST_DWithin(c.geometry, su.public_location, %(buffer_deg)s)
     AND ST_DWithin(c.geometry::geography, su.public_location::geography, %(buffer)s)
    WHERE c.status <> 'closed' AND c.geometry IS NOT NULL
    GROUP BY c.id
), ranked AS (
    SELECT *, rank() OVER (ORDER BY night_anomaly DESC NULLS LAST) AS heat_rank,
           rank() OVER (ORDER BY wet_feet_hours DESC NULLS LAST) AS wet_rank,
           count(*) OVER () AS ranked
    FROM grouped
), stale AS (
    -- a challenge with no sensors (any more) keeps no old sensor figures
    DELETE FROM civic_evidence e
    WHERE e.source = %(source)s AND e.challenge_id IS NOT NULL
      AND e.challenge_id NOT IN (SELECT subject FROM ranked)
)
INSERT INTO civic_evidence (challenge_id, area_id, source, name, value, details, computed_at)
SELECT r.subject, NULL, %(source)s, f.name, f.value,
       coalesce(f.extra, '{{}}'::jsonb) || jsonb_build_object(
           'period', jsonb_build_array((SELECT d0 FROM period), (SELECT d1 FROM period)),
           'buffer_m', %(buffer)s, 'sensors', r.n),
       now()
FROM ranked r CROSS JOIN LATERAL {_FIGURES}
ON CONFLICT (challenge_id, source, name) WHERE challenge_id IS NOT NULL
DO UPDATE SET value = excluded.value, details = excluded.details,
              computed_at = excluded.computed_at
"""

_AREA_SQL = f"""
WITH {_SUMMARY_CTE}, grouped AS (
    SELECT a.id AS subject, {_GROUP_COLUMNS}
    FROM civic_area a JOIN summary su ON su.area_id = a.id
    WHERE a.kind = 'neighbourhood'
    GROUP BY a.id
), ranked AS (
    SELECT *, rank() OVER (ORDER BY night_anomaly DESC NULLS LAST) AS heat_rank,
           rank() OVER (ORDER BY wet_feet_hours DESC NULLS LAST) AS wet_rank,
           count(*) OVER () AS ranked
    FROM grouped
)
INSERT INTO civic_evidence (challenge_id, area_id, source, name, value, details, computed_at)
SELECT NULL, r.subject, %(source)s, f.name, f.value,
       coalesce(f.extra, '{{}}'::jsonb) || jsonb_build_object(
           'period', jsonb_build_array((SELECT d0 FROM period), (SELECT d1 FROM period)),
           'sensors', r.n),
       now()
FROM ranked r CROSS JOIN LATERAL {_FIGURES}
ON CONFLICT (area_id, source, name) WHERE area_id IS NOT NULL
DO UPDATE SET value = excluded.value, details = excluded.details,
              computed_at = excluded.computed_at
"""

# The why: night anomaly (°C) against green share (0-1) per sensor, by OLS.
# slope = regr_slope; its standard error = sqrt(SSE / (n - 2) / Sxx) with
# SSE = Syy - Sxy² / Sxx. Written on districts and municipalities with >= 5 sensors.
_GREEN_SQL = f"""
WITH {_SUMMARY_CTE}, pairs AS (
    SELECT a.id AS subject, su.night_anomaly AS y, g.green_50, g.green_100
    FROM civic_area a
    JOIN summary su ON ST_Intersects(a.geometry, su.public_location)
    JOIN sensors_sensorsurroundings g ON g.sensor_id = su.sensor_id
    WHERE a.kind IN ('district', 'municipality') AND su.night_anomaly IS NOT NULL
), fits AS (
    SELECT subject, radius, count(*) AS n,
           regr_slope(y, x) AS slope, regr_intercept(y, x) AS intercept,
           regr_r2(y, x) AS r2, regr_sxx(y, x) AS sxx, regr_syy(y, x) AS syy,
           regr_sxy(y, x) AS sxy
    FROM pairs CROSS JOIN LATERAL (VALUES (50, green_50), (100, green_100)) AS v(radius, x)
    GROUP BY subject, radius
    HAVING count(*) >= 5 AND regr_sxx(y, x) > 0
)
INSERT INTO civic_evidence (challenge_id, area_id, source, name, value, details, computed_at)
SELECT NULL, subject, %(source)s, 'green_share_slope_' || radius || 'm', slope,
       jsonb_build_object(
           'unit', '°C night anomaly per 100 %% green within ' || radius || ' m',
           'standard_error', sqrt(greatest(syy - sxy * sxy / sxx, 0) / greatest(n - 2, 1) / sxx),
           'intercept', intercept, 'r2', r2, 'sensors', n,
           'period', jsonb_build_array((SELECT d0 FROM period), (SELECT d1 FROM period))),
       now()
FROM fits
ON CONFLICT (area_id, source, name) WHERE area_id IS NOT NULL
DO UPDATE SET value = excluded.value, details = excluded.details,
              computed_at = excluded.computed_at
"""


def surroundings_recompute(*, only_missing: bool = False) -> int:
    """Green and paved shares around sensors (all after a land-cover import, else new ones)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_SURROUNDINGS_SQL, {"only_missing": only_missing})
        return cursor.rowcount


def evidence_recompute() -> int:
    """Rewrite the sensor evidence of every challenge and neighbourhood; returns rows written."""
    params = {
        "days": EVIDENCE_DAYS,
        "full_day": FULL_DAY_READINGS,
        "buffer": BUFFER_M,
        # metres → degrees, generous: a degree of longitude is > 50 km below 63° N
        "buffer_deg": BUFFER_M / 50_000,
        "source": SOURCE,
    }
    written = surroundings_recompute(only_missing=True)
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in _SUMMARY_SQL:
            cursor.execute(statement, params)
        for statement in (_CHALLENGE_SQL, _AREA_SQL, _GREEN_SQL):
            cursor.execute(statement, params)
            written += cursor.rowcount
    return written
