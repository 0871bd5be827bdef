"""Benchmark of the priority recompute and the ranking's reads, in a rolled-back transaction.

Builds N open challenges (default 1,000) in one neighbourhood, each with six
sensor figures in each of P warm seasons (default 3) and a survey signal,
then times `priority.services.scores_recompute` (median of 5) and the
ranking selector behind /priority/ and /api/v1/priority/scores/ (median of 5),
and counts the ranking's queries. Everything is rolled back at the end, so it
can run against any migrated database. Run: bash bench/priority.sh
(options: --challenges, --periods); results go to bench/priority_results.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from django.contrib.gis.geos import MultiPolygon, Polygon  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from civic.models import Area, Challenge, Evidence, EvidencePeriod, Theme  # noqa: E402
from civic.periods import season_ensure, to_date_period  # noqa: E402
from priority import selectors, services  # noqa: E402

NAMES = (
    "night_anomaly",
    "tropical_nights",
    "summer_days",
    "hours_30",
    "wetness_index",
    "soil_moisture",
)
RESULTS = Path(__file__).resolve().parent / "priority_results.md"


class Rollback(Exception):
    """Raised to roll the benchmark's rows back."""


def _square(half: float) -> MultiPolygon:
    lon, lat = 6.06, 52.528
    ring = (
        (lon - half, lat - half),
        (lon + half, lat - half),
        (lon + half, lat + half),
        (lon - half, lat + half),
        (lon - half, lat - half),
    )
    return MultiPolygon(Polygon(ring), srid=4326)


def _median(work, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(challenges: int, periods: int) -> dict:
    theme, _ = Theme.objects.get_or_create(
        slug="bench-heat", defaults={"name_nl": "Hitte (bench)", "name_en": "Heat (bench)"}
    )
    area = Area.objects.create(
        kind=Area.Kind.NEIGHBOURHOOD,
        code="BU-BENCH-PRIO",
        name="Bench",
        geometry=_square(0.01),
        attributes={"share_over_65": 0.2, "share_young_children": 0.06},
    )
    rows = Challenge.objects.bulk_create(
        Challenge(title=f"Bench {n}", theme=theme, area=area, status=Challenge.Status.OPEN)
        for n in range(challenges)
    )
    seasons: list[EvidencePeriod] = []
    for year in range(2026 - periods + 1, 2027):
        season = season_ensure(year)
        season.coverage = {
            "sensors": {"days": 153, "first": str(season.start), "last": str(season.end)}
        }
        season.save(update_fields=["coverage"])
        seasons.append(season)
    to_date = to_date_period()
    now = timezone.now()
    Evidence.objects.bulk_create(
        [
            Evidence(
                challenge=c,
                period=s,
                source="sensors",
                name=name,
                value=(i * 7 + j) % 13 / 3,
                computed_at=now,
            )
            for i, c in enumerate(rows)
            for s in seasons
            for j, name in enumerate(NAMES)
        ]
        + [
            Evidence(
                challenge=c,
                period=to_date,
                source="surveys",
                name="theme_named_share",
                value=(i % 10) / 10,
                computed_at=now,
            )
            for i, c in enumerate(rows)
        ],
        batch_size=5000,
    )
    scores = services.scores_recompute()
    recompute = _median(services.scores_recompute)
    period = seasons[-1]
    ranking = _median(lambda: selectors.ranking(period))
    with CaptureQueriesContext(connection) as queries:
        selectors.ranking(period)
    return {
        "challenges": challenges,
        "periods": periods,
        "scores": scores,
        "lines": scores * 6,
        "recompute_s": recompute,
        "ranking_s": ranking,
        "ranking_queries": len(queries),
    }


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--challenges", type=int, default=1000)
    parser.add_argument("--periods", type=int, default=3)
    args = parser.parse_args()
    result = {}
    try:
        with transaction.atomic():
            result = run(args.challenges, args.periods)
            raise Rollback
    except Rollback:
        pass
    lines = [
        "# Priority recompute benchmark",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} cores, commit {_commit()}",
        "",
        "| challenges | periods | scores | breakdown lines | recompute (median of 5) "
        "| ranking read (median of 5) | ranking queries |",
        "|---|---|---|---|---|---|---|",
        f"| {result['challenges']} | {result['periods']} | {result['scores']} | {result['lines']} "
        f"| {result['recompute_s']:.2f} s | {result['ranking_s'] * 1000:.0f} ms "
        f"| {result['ranking_queries']} |",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
