"""The sensor network's nightly series around a site, for measuring interventions (SQL only)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction

from civic.cells import GRID_SRID
from civic.impact_series import SeriesRequest, SiteSeries, batch_scratch

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

# The sensors near the site (near = true) and in its control ring outside every excluded
# zone, by the distance of their exact locations in metres (RD New). The bounding box uses
# the locations' spatial index (widened by 100 m: RD New's straight edges bend a little in
# degrees). The zones come as two arrays and one NOT EXISTS, only those that reach the ring:
# one OR per zone in the statement made the planner cost it in millions, compile it (JIT,
# 0.5 s) and loop over every sensor-day (1.3 s a site; bench/evaluation.py).
_ROLES_SQL = f"""
    WITH site AS (SELECT ST_Transform(ST_GeomFromEWKT(%(site)s), {GRID_SRID}) AS g),
    zones AS MATERIALIZED (
        SELECT z.g, z.radius
          FROM (SELECT ST_Transform(z.ewkb::geometry, {GRID_SRID}) AS g, z.radius
                  FROM unnest(%(zones)s::text[], %(radii)s::float8[]) AS z(ewkb, radius)) z,
               site
         WHERE ST_DWithin(z.g, site.g, %(cmax)s + z.radius)
    ),
    placed AS MATERIALIZED (
        SELECT s.id, ST_Transform(s.location, {GRID_SRID}) AS rd
          FROM sensors_sensor s, site
         WHERE s.location && ST_Transform(ST_Expand(site.g, %(cmax)s + 100), 4326)
           AND (%(needs)s::text IS NULL OR %(needs)s = ANY (s.quantities))
    )
    SELECT p.id, ST_DWithin(p.rd, site.g, %(impact)s)
      FROM placed p, site
     WHERE ST_DWithin(p.rd, site.g, %(impact)s)
        OR (ST_Distance(p.rd, site.g) BETWEEN %(cmin)s AND %(cmax)s
            AND NOT EXISTS (SELECT 1 FROM zones z WHERE ST_DWithin(p.rd, z.g, z.radius)))
"""  # noqa: S608

# Their sensor-days in the window, one array of day numbers (days since the window's start)
# and one of values per sensor. One ANY(ids) lets PostgreSQL read each page of sensor-days
# once (a bitmap scan); a join per sensor read a page per sensor-day, since the daily
# statistics are written day by day. Only the FIGURES column goes in by formatting.
_DAYS_SQL = """
    SELECT sensor_id, array_agg(day - %(start)s::date ORDER BY day),
           array_agg({column}::float8 ORDER BY day)
      FROM sensors_sensorday
     WHERE sensor_id = ANY (%(ids)s) AND day BETWEEN %(start)s AND %(end)s
       AND {column} IS NOT NULL
     GROUP BY sensor_id
"""


def _query(sql: str, params: dict) -> list[tuple]:
    with transaction.atomic(), connection.cursor() as cursor:
        # A few hundred sensors: compiling the plan (JIT) costs more than it saves.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _days(column: str, start: date, end: date, ids: list[int]) -> dict[int, dict[date, float]]:
    """Each sensor's values by day in [start, end]; read once per batch (civic.impact_series)."""
    scratch = batch_scratch()
    known: dict[int, dict[date, float]] = (
        {} if scratch is None else scratch.setdefault(("sensors.impact", column, start, end), {})
    )
    missing = [sensor_id for sensor_id in ids if sensor_id not in known]
    if missing:
        rows = _query(_DAYS_SQL.format(column=column), {"ids": missing, "start": start, "end": end})
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        for sensor_id in missing:
            known[sensor_id] = {}  # no value in the window: nothing to read again
        for sensor_id, offsets, values in rows:
            known[sensor_id] = {days[n]: value for n, value in zip(offsets, values, strict=True)}
    return known


def nightly_series(request: SeriesRequest) -> SiteSeries:
    """Per-sensor daily values near the site and in the control ring, from the daily statistics.

    Two queries: the sensors' roles by the distance of their exact locations
    to the site in metres (RD New), the control ring minus the excluded zones;
    then their sensor-days of the window. Inside a series_batch, the roles of
    a site asked before (another figure) and the days of sensors read before
    are not read again. Retired sensors count for the days they measured; a
    sensor without a value in the window is left out.
    """
    column = FIGURES.get(request.figure)
    if column is None:
        raise ValueError(f"No daily series for {request.figure!r}.")
    params: dict = {
        "site": request.site.ewkt,
        "impact": request.impact_radius_m,
        "cmin": request.control_min_m,
        "cmax": request.control_max_m,
        "needs": NEEDS_QUANTITY.get(request.figure),
        # Hex EWKB: cheaper to write and to read than WKT, and it keeps the SRID.
        "zones": [zone.hexewkb.decode() for zone, _radius in request.exclude],
        "radii": [float(radius) for _zone, radius in request.exclude],
    }
    scratch = batch_scratch()
    # Another figure of the same site in the same batch has the same sensors.
    place = ("sensors.impact roles", *(str(params[k]) for k in sorted(params)))
    roles = None if scratch is None else scratch.get(place)
    if roles is None:
        roles = _query(_ROLES_SQL, params)
        if scratch is not None:
            scratch[place] = roles
    days = _days(column, request.start, request.end, [sensor_id for sensor_id, _near in roles])
    impact: dict = {}
    controls: dict = {}
    for sensor_id, near in roles:
        if days[sensor_id]:
            # Opaque keys: which sensor it is stays in the database.
            (impact if near else controls)[f"s{sensor_id}"] = days[sensor_id]
    return SiteSeries(impact=impact, controls=controls)
