"""How long the grouping suggestions (civic.grouping) take over many published concerns.

Usage (a database of its own, never `civic` or a test database):

    export DATABASE_URL=postgis://postgres@127.0.0.1:54329/civic_grouping_bench
    export DJANGO_SETTINGS_MODULE=bench.settings
    python manage.py migrate
    python bench/grouping.py --concerns 20000      # writes bench/grouping_results.md

Synthetic, deterministic data (setseed): published unlinked concerns in one
SQL statement, spread uniformly over a 6 x 6 km square around 52.528 N
6.06 E, in four themes, each text one of 40 sentences with a number; every
50th concern gets a twin 5 m away with the same text and "!" (a likely
duplicate). Existing bench concerns are deleted first. Timed: the whole
`grouping_suggestions()` (both statements and the row fetches), median of 3,
and each statement alone with EXPLAIN ANALYZE's execution time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path
from time import monotonic

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from civic import grouping  # noqa: E402
from civic.cells import GRID_SRID  # noqa: E402
from civic.models import Theme  # noqa: E402

RESULTS = Path(__file__).with_name("grouping_results.md")
MARK = "bench-grouping"

_FILL = """
SELECT setseed(0.20260601);
INSERT INTO civic_concern
    (author_id, theme_id, description, location, photo, area_id, status, source, outcome,
     external_id, created_at, updated_at)
SELECT NULL, (%(themes)s::bigint[])[1 + (i %% 4)],
       'Zin ' || (i %% 40) || ': ' ||
       (ARRAY['te heet op het plein', 'water in de kelder', 'geen schaduw bij de school',
              'droge grond in het park'])[1 + (i %% 4)] || ' nummer ' || i,
       ST_SetSRID(ST_MakePoint(6.06 + (random() - 0.5) * 0.088,
                               52.528 + (random() - 0.5) * 0.054), 4326),
       '', NULL, 'published', 'import', '', %(mark)s || '-' || i, now(), now()
FROM generate_series(1, %(n)s) AS i;
INSERT INTO civic_concern
    (author_id, theme_id, description, location, photo, area_id, status, source, outcome,
     external_id, created_at, updated_at)
SELECT NULL, theme_id, description || '!',
       ST_Translate(location, 5 / 67700.0, 0), '', NULL, 'published', 'import', '',
       external_id || '-twin', now(), now()
FROM civic_concern WHERE external_id LIKE %(mark)s || '-%%' AND id %% 50 = 0;
ANALYZE civic_concern;
"""


def fill(n: int) -> int:
    themes = [
        Theme.objects.get_or_create(slug=slug, defaults={"name_nl": slug, "name_en": slug})[0].pk
        for slug in ("bench-heat", "bench-flooding", "bench-shade", "bench-drought")
    ]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM civic_concern WHERE external_id LIKE %s", [f"{MARK}-%"])
        cursor.execute(_FILL, {"themes": themes, "mark": MARK, "n": n})
        cursor.execute("SELECT count(*) FROM civic_concern WHERE status = 'published'")
        return cursor.fetchone()[0]


def explain_ms(sql: str, params: dict) -> float:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # as grouping_suggestions() runs them
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        return float(cursor.fetchone()[0][0]["Execution Time"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concerns", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    name = connection.settings_dict["NAME"]
    if name == "civic" or name.startswith("test_"):
        sys.exit(f"Refusing to fill {name}: use a database of its own.")

    published = fill(args.concerns)
    times = []
    for _ in range(args.repeats):
        started = monotonic()
        found = grouping.grouping_suggestions()
        times.append(monotonic() - started)
    eps = float(settings.CIVIC_GROUPING_EPS_M)
    metres = float(settings.CIVIC_DUPLICATE_DISTANCE_M)
    clusters_ms = explain_ms(
        grouping._CLUSTERS_SQL,
        {
            "srid": GRID_SRID,
            "theme": None,
            "eps": eps,
            "min_points": int(settings.CIVIC_GROUPING_MIN_POINTS),
        },
    )
    duplicates_ms = explain_ms(
        grouping._DUPLICATES_SQL,
        {
            "srid": GRID_SRID,
            "theme": None,
            "metres": metres,
            "similarity": float(settings.CIVIC_DUPLICATE_SIMILARITY),
            "limit": 50,
        },
    )
    report = f"""# Grouping suggestions benchmark

`python bench/grouping.py --concerns {args.concerns}` (see the module's docstring).

- published unlinked concerns: {published:,} (6 x 6 km, 4 themes, every 50th with a twin 5 m away)
- settings: eps {eps:g} m, min points {settings.CIVIC_GROUPING_MIN_POINTS}, duplicates within
  {metres:g} m with similarity ≥ {settings.CIVIC_DUPLICATE_SIMILARITY}
- `grouping_suggestions()`: median {statistics.median(times):.2f} s over {args.repeats}
  ({", ".join(f"{t:.2f}" for t in times)})
- clusters statement alone: {clusters_ms / 1000:.2f} s; duplicates statement alone
  (first 50 pairs): {duplicates_ms / 1000:.2f} s (EXPLAIN ANALYZE execution time)
- found: {len(found.clusters)} clusters, {len(found.duplicates)} duplicate pairs listed
"""
    RESULTS.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
