"""The sensor network's nightly series around a site, for measuring interventions (SQL only)."""

from __future__ import annotations

from django.db import connection

from civic.cells import GRID_SRID
from civic.impact_series import SeriesRequest, SiteSeries

# The daily figures an evaluation may ask for, as SensorDay columns; anything else is refused
# (the name goes into SQL).
FIGURES = {
    "night_anomaly": "night_anomaly",
    "t_max": "t_max",
    "soil_moisture": "soil_mean",
    "wet_feet_hours": "wet_feet_hours",
}
# A figure only sensors with that probe measure: the others store 0 hours, which is no reading.
NEEDS_QUANTITY = {"wet_feet_hours": "wet_feet"}


def nightly_series(request: SeriesRequest) -> SiteSeries:
    """Per-sensor daily values near the site and in the control ring, from the daily statistics.

    One query: the distance of each sensor's exact location to the site in
    metres (RD New), the control ring minus the excluded zones, joined to the
    sensor-days of the window. Retired sensors count for the days they measured.
    """
    column = FIGURES.get(request.figure)
    if column is None:
        raise ValueError(f"No daily series for {request.figure!r}.")
    params: dict = {
        "site": request.site.ewkt,
        "start": request.start,
        "end": request.end,
        "impact": request.impact_radius_m,
        "cmin": request.control_min_m,
        "cmax": request.control_max_m,
        "needs": NEEDS_QUANTITY.get(request.figure),
    }
    excluded = []
    for n, (zone, radius) in enumerate(request.exclude):
        params[f"zone{n}"] = zone.ewkt
        params[f"r{n}"] = radius
        excluded.append(
            f"ST_DWithin(p.rd, ST_Transform(ST_GeomFromEWKT(%(zone{n})s), {GRID_SRID}), %(r{n})s)"
        )
    not_excluded = f"AND NOT ({' OR '.join(excluded)})" if excluded else ""
    # Only constants and the FIGURES column go in by formatting; values are parameters.
    sql = f"""
        WITH site AS (SELECT ST_Transform(ST_GeomFromEWKT(%(site)s), {GRID_SRID}) AS g),
        placed AS (
            SELECT s.id, ST_Transform(s.location, {GRID_SRID}) AS rd FROM sensors_sensor s
             WHERE %(needs)s::text IS NULL OR %(needs)s = ANY(s.quantities)
        ),
        roles AS (
            SELECT p.id,
                   CASE WHEN ST_DWithin(p.rd, site.g, %(impact)s) THEN 'impact' ELSE 'control' END
                       AS role
              FROM placed p, site
             WHERE ST_DWithin(p.rd, site.g, %(impact)s)
                OR (ST_Distance(p.rd, site.g) BETWEEN %(cmin)s AND %(cmax)s {not_excluded})
        )
        SELECT r.role, r.id, d.day, d.{column}
          FROM roles r
          JOIN sensors_sensorday d ON d.sensor_id = r.id
         WHERE d.day BETWEEN %(start)s AND %(end)s AND d.{column} IS NOT NULL
         ORDER BY r.id, d.day
    """  # noqa: S608
    impact: dict = {}
    controls: dict = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for role, sensor_id, day, value in cursor.fetchall():
            target = impact if role == "impact" else controls
            # Opaque keys: which sensor it is stays in the database.
            target.setdefault(f"s{sensor_id}", {})[day] = float(value)
    return SiteSeries(impact=impact, controls=controls)
