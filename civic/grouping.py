"""Grouping suggestions for officers: clusters of nearby concerns, and likely duplicates.

Definitions (all computed in SQL, distances in metres in the Dutch national
grid, RD New, civic.cells.GRID_SRID):

- **Candidates** are published concerns linked to no challenge.
- **A cluster** is a group of candidates of one theme found by DBSCAN
  (PostGIS ST_ClusterDBSCAN): a candidate with at least
  CIVIC_GROUPING_MIN_POINTS candidates (itself included) within
  CIVIC_GROUPING_EPS_M metres is a core; a cluster is the cores reachable from
  each other through such steps, plus the candidates within reach of a core.
  A candidate far from the others is in no cluster. With a cluster comes the
  nearest open (not closed) challenge of the same theme whose geometry lies
  within CIVIC_GROUPING_EPS_M metres of one of its concerns, if any: the
  officer can add the cluster to it instead of creating a new one.
- **A likely duplicate** is a pair of concerns, the newer one published and
  unlinked (it is the one to close as "duplicate"), the older one public
  and not closed, at most CIVIC_DUPLICATE_DISTANCE_M metres apart, whose
  texts are similar: pg_trgm similarity() (shared three-letter sequences,
  0-1) at least CIVIC_DUPLICATE_SIMILARITY.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import connection, transaction

from civic.cells import GRID_SRID
from civic.models import Challenge, Concern, Theme

_CLUSTERS_SQL = """
WITH candidates AS (
    SELECT c.id, c.theme_id, ST_Transform(c.location, %(srid)s) AS p
    FROM civic_concern c
    WHERE c.status = 'published'
      AND NOT EXISTS (SELECT 1 FROM civic_challengeconcern l WHERE l.concern_id = c.id)
      AND (%(theme)s::bigint IS NULL OR c.theme_id = %(theme)s)
), clustered AS (
    SELECT id, theme_id, p,
           ST_ClusterDBSCAN(p, eps := %(eps)s, minpoints := %(min_points)s)
               OVER (PARTITION BY theme_id) AS cluster
    FROM candidates
), clusters AS (
    SELECT theme_id, array_agg(id ORDER BY id) AS ids, ST_Collect(p) AS points
    FROM clustered WHERE cluster IS NOT NULL
    GROUP BY theme_id, cluster
)
SELECT k.theme_id, k.ids, ST_AsGeoJSON(ST_Transform(ST_Centroid(k.points), 4326)), near.id
FROM clusters k
LEFT JOIN LATERAL (
    SELECT ch.id FROM civic_challenge ch
    WHERE ch.theme_id = k.theme_id AND ch.status <> 'closed' AND ch.geometry IS NOT NULL
      AND ST_DWithin(ST_Transform(ch.geometry, %(srid)s), k.points, %(eps)s)
    ORDER BY ST_Distance(ST_Transform(ch.geometry, %(srid)s), k.points), ch.id
    LIMIT 1
) near ON TRUE
ORDER BY cardinality(k.ids) DESC, k.ids[1]
"""

_DUPLICATES_SQL = """
WITH near AS MATERIALIZED (
    -- Pairs in a box of the distance around each newer concern (indexed), with their
    -- distance in metres; texts are compared only for these few pairs.
    SELECT newer.id AS newer_id, older.id AS older_id,
           newer.description AS newer_text, older.description AS older_text,
           ST_Distance(ST_Transform(newer.location, %(srid)s),
                       ST_Transform(older.location, %(srid)s)) AS metres
    FROM civic_concern newer
    JOIN civic_concern older
      ON older.location && ST_Expand(
             newer.location,
             %(metres)s / (111320 * cos(radians(ST_Y(newer.location)))),
             %(metres)s / 110540)
     -- "+ 0": not an index condition, or the planner ANDs half the primary key into
     -- every neighbour lookup (bench/grouping.py)
     AND older.id + 0 < newer.id + 0
     AND older.status IN ('published', 'linked')
    WHERE newer.status = 'published'
      AND NOT EXISTS (SELECT 1 FROM civic_challengeconcern l WHERE l.concern_id = newer.id)
      AND (%(theme)s::bigint IS NULL OR newer.theme_id = %(theme)s)
)
SELECT newer_id, older_id, similarity(newer_text, older_text) AS likeness, metres
FROM near
WHERE metres <= %(metres)s AND similarity(newer_text, older_text) >= %(similarity)s
ORDER BY likeness DESC, newer_id, older_id
LIMIT %(limit)s
"""

# The outline of a new challenge drawn around concerns: their convex hull,
# widened by a margin so a single point or a line still makes an area.
_OUTLINE_SQL = """
SELECT ST_AsText(ST_Multi(ST_Transform(
    ST_Buffer(ST_ConvexHull(ST_Collect(ST_Transform(location, %(srid)s))), %(margin)s),
    4326)))
FROM civic_concern WHERE id = ANY(%(ids)s)
"""


@dataclass(frozen=True)
class Cluster:
    """Nearby unlinked published concerns of one theme, and an open challenge close to them."""

    theme: Theme
    concerns: list[Concern]
    centre: dict
    near_challenge: Challenge | None

    @property
    def ids(self) -> list[int]:
        return [c.pk for c in self.concerns]


@dataclass(frozen=True)
class Duplicate:
    """A newer published concern that likely repeats an older public one."""

    concern: Concern
    original: Concern
    similarity: float
    distance_m: float


@dataclass(frozen=True)
class Suggestions:
    clusters: list[Cluster]
    duplicates: list[Duplicate]


DUPLICATES_LISTED = 50


def _concerns(ids) -> dict[int, Concern]:
    return {c.pk: c for c in Concern.objects.filter(pk__in=ids).select_related("theme", "area")}


def grouping_suggestions(*, theme: Theme | None = None) -> Suggestions:
    """Clusters and likely duplicates, optionally for one theme; a constant number of queries."""
    params = {
        "srid": GRID_SRID,
        "theme": theme.pk if theme else None,
        "eps": float(settings.CIVIC_GROUPING_EPS_M),
        "min_points": int(settings.CIVIC_GROUPING_MIN_POINTS),
    }
    metres = float(settings.CIVIC_DUPLICATE_DISTANCE_M)
    with transaction.atomic(), connection.cursor() as cursor:
        # Compiling these statements (PostgreSQL's JIT, on by their cost) takes longer
        # than running them: 0.8 s of 1 s at 20,000 concerns (bench/grouping.py).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_CLUSTERS_SQL, params)
        cluster_rows = cursor.fetchall()
        cursor.execute(
            _DUPLICATES_SQL,
            {
                "srid": GRID_SRID,
                "theme": params["theme"],
                "metres": metres,
                "similarity": float(settings.CIVIC_DUPLICATE_SIMILARITY),
                "limit": DUPLICATES_LISTED,
            },
        )
        duplicate_rows = cursor.fetchall()
    ids = {pk for row in cluster_rows for pk in row[1]}
    ids |= {pk for row in duplicate_rows for pk in row[:2]}
    concerns = _concerns(ids)
    challenge_ids = {row[3] for row in cluster_rows if row[3]}
    challenges = Challenge.objects.in_bulk(challenge_ids) if challenge_ids else {}
    themes = Theme.objects.in_bulk({row[0] for row in cluster_rows}) if cluster_rows else {}
    return Suggestions(
        clusters=[
            Cluster(
                theme=themes[theme_id],
                concerns=[concerns[pk] for pk in ids_],
                centre=json.loads(centre),
                near_challenge=challenges.get(near),
            )
            for theme_id, ids_, centre, near in cluster_rows
        ],
        duplicates=[
            Duplicate(concerns[newer], concerns[older], likeness, distance)
            for newer, older, likeness, distance in duplicate_rows
        ],
    )


OUTLINE_MARGIN_M = 50


def concerns_outline(*, ids: list[int]) -> MultiPolygon | None:
    """An area around these concerns for a new challenge: their hull, 50 m wider."""
    if not ids:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            _OUTLINE_SQL, {"ids": list(ids), "margin": OUTLINE_MARGIN_M, "srid": GRID_SRID}
        )
        (wkt,) = cursor.fetchone()
    return GEOSGeometry(wkt, srid=4326) if wkt else None
