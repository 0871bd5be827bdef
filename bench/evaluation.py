"""Benchmark of the impact evaluation (issue 11, point 7). Start it with `bash bench/evaluation.sh`.

100 completed interventions spread over a district of 1,000 sensors, one
warm season (1 May - 30 September 2026) of daily statistics: the whole sweep
`interventions.evaluation.evaluations_sweep`, from the database to the stored
`ImpactEvaluation` rows, timed end to end and step by step (series selection
in SQL, the estimate, storing). Baselines measured in the same run: the
series read sensor by sensor (one query per sensor), and the estimate with
every leave-one-control-out refit a full GLSAR fit with HAC errors (how it
was before the bench). Then the cost of a further figure (the daytime
maximum) of the same sites. Results go to bench/evaluation_results.md
(overwritten). Runs only against the database named in BENCH_DB.

Before this bench (commit 7da31c9) one sweep took 182 s: 96 s in the series
SQL (one OR per excluded zone: JIT and a nested loop over every sensor-day)
and 83 s in the estimate (a frame of one Series per sensor, and a full GLSAR
+ HAC refit per control left out).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.db import connection  # noqa: E402
from statsmodels.regression.linear_model import GLSAR  # noqa: E402
from statsmodels.tools.tools import add_constant  # noqa: E402

import interventions.evaluation as evaluation  # noqa: E402
import interventions.impact_estimate as estimate_module  # noqa: E402
import sensors.impact as sensors_impact  # noqa: E402
from bench.data import CENTRE, log, one, sql  # noqa: E402
from bench.facts import git_version  # noqa: E402
from civic.impact_series import SeriesRequest, SiteSeries, series_batch, site_series  # noqa: E402
from interventions.impact_estimate import impact_estimate  # noqa: E402
from interventions.models import ImpactEvaluation  # noqa: E402
from sensors.impact import FIGURES  # noqa: E402
from sensors.models import SensorDay  # noqa: E402

RESULTS = Path(__file__).with_name("evaluation_results.md")
YEAR = 2026
TODAY = date(YEAR, 10, 1)  # the season is over: every after window runs to 30 September
SITES = 100
SENSORS = 1000
SPACING_M = 450  # between sites on the 10 x 10 grid
HALF_SIDE_M = 2500  # the district: a 5 km square, as in bench/data.py


def make_data(seed: float) -> dict:
    """Sites, sensors, a season of sensor-days, challenges and completed interventions, in SQL.

    Sites on a 10 x 10 grid (450 m apart, jittered by up to 100 m) over a 5 km
    square; each gets 2-5 sensors within 20-140 m; the rest of the 1,000
    sensors lie anywhere in the square. Night anomaly: town-wide weather + a
    sensor's offset + its own autocorrelated noise (moving average of 4
    nights) + the site's planted effect (0 to -1 °C) after its works; 3 % of
    sensor-days missing, none during a site's works. Works start between 1
    June and 16 July and last 2-20 days; every 20th site finished in
    September (22 nights after: "not enough data yet" is part of the run).
    Sensor-days are written day by day, as the daily statistics write them.
    """
    for table in ("interventions_intervention", "civic_challenge", "sensors_sensor"):
        sql(f"TRUNCATE {table} CASCADE")
    sql("DELETE FROM civic_theme WHERE slug = 'bench-eval'")
    # One backend, no parallel workers: random() after setseed() then gives the same data.
    sql("SET max_parallel_workers_per_gather = 0")
    sql("SELECT setseed(%s)", [seed])
    sql(
        """
        CREATE TEMP TABLE bench_site ON COMMIT PRESERVE ROWS AS
        WITH c AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 28992) g)
        SELECT n,
               ST_X(c.g) + (n %% 10 - 4.5) * %(sp)s + (random() - 0.5) * 200 AS x,
               ST_Y(c.g) + (n / 10 - 4.5) * %(sp)s + (random() - 0.5) * 200 AS y,
               2 + n %% 4 AS k,
               -0.25 * (n %% 5) AS effect,
               -- Every 20th site finished its works in September: too few nights after yet.
               CASE WHEN n %% 20 = 7 THEN date %(september)s
                    ELSE date %(june)s + (n * 37 %% 46) END AS works_start,
               CASE WHEN n %% 20 = 7 THEN date %(september)s + 3
                    ELSE date %(june)s + (n * 37 %% 46) + (2 + n * 13 %% 19) END AS works_end
          FROM generate_series(0, %(sites)s - 1) n, c
        """,
        {
            "lon": CENTRE[0],
            "lat": CENTRE[1],
            "sp": SPACING_M,
            "sites": SITES,
            "june": date(YEAR, 6, 1),
            "september": date(YEAR, 9, 5),
        },
    )
    sql(
        """
        CREATE TEMP TABLE bench_place ON COMMIT PRESERVE ROWS AS
        WITH near AS (
            SELECT site, x + r * cos(a) AS x, y + r * sin(a) AS y
              FROM (SELECT s.n AS site, s.x, s.y, 20 + random() * 120 AS r,
                           2 * pi() * random() AS a
                      FROM bench_site s, generate_series(1, s.k) j) p
        ),
        c AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 28992) g),
        anywhere AS (
            SELECT NULL::int AS site, ST_X(c.g) + (random() - 0.5) * 2 * %(half)s AS x,
                   ST_Y(c.g) + (random() - 0.5) * 2 * %(half)s AS y
              FROM generate_series(1, %(n)s - (SELECT sum(k) FROM bench_site)), c
        )
        SELECT row_number() OVER () AS i, site, x, y, random() * 1.0 - 0.5 AS offset_c
          FROM (SELECT * FROM near UNION ALL SELECT * FROM anywhere) a
        """,
        {"lon": CENTRE[0], "lat": CENTRE[1], "half": HALF_SIDE_M, "n": SENSORS},
    )
    sql(
        """
        INSERT INTO sensors_sensor (
            external_id, name, hardware, kind, quantities, location, public_location,
            height_m, exposure, surface, status, last_seen_at, created_at)
        SELECT format('bench-eval-%%s', lpad(i::text, 4, '0')), '', 'native', 'garden',
               ARRAY['air_temperature']::varchar(30)[],
               ST_Transform(p, 4326),
               ST_Transform(ST_SnapToGrid(p, 50, 50, 100, 100), 4326),
               1.5, '', '', 'active', now(), now()
          FROM (SELECT i, ST_SetSRID(ST_MakePoint(x, y), 28992) AS p FROM bench_place) s
         ORDER BY i
        """,
        [],
    )
    # Standard normal deviates by Box-Muller; autocorrelation by a moving average of 4 nights.
    sql(
        """
        CREATE TEMP TABLE bench_weather ON COMMIT PRESERVE ROWS AS
        SELECT day, 3 * avg(z) OVER (ORDER BY day ROWS 3 PRECEDING) AS w,
               sin(pi() * (day - %(first)s) / 153) AS season
          FROM (SELECT d::date AS day,
                       sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z
                  FROM generate_series(%(first)s::date, %(last)s::date, '1 day') d) n
        """,
        {"first": date(YEAR, 5, 1), "last": date(YEAR, 9, 30)},
    )
    sql(
        """
        INSERT INTO sensors_sensorday (
            sensor_id, day, t_min, t_max, t_mean, t_count, hours_25, hours_30, day_mean,
            night_mean, day_anomaly, night_anomaly, rh_mean, soil_mean, soil_count,
            wet_feet_hours, computed_at)
        SELECT sensor_id, day, 12 + 6 * season + a - 2, 22 + 7 * season + 1.5 * w + a,
               17 + 6 * season + w + a, 144,
               greatest(0, least(12, round(2 * (22 + 7 * season + 1.5 * w + a - 25))))::int,
               greatest(0, least(8, round(22 + 7 * season + 1.5 * w + a - 30)))::int,
               20 + 7 * season + 1.5 * w, 14 + 6 * season + a, 1.5 * w, a,
               70 - 10 * season, NULL, 0, 0, now()
          FROM (
            SELECT s.id AS sensor_id, v.day, v.season, v.w,
                   v.w + p.offset_c + 0.8 * avg(v.z) OVER (PARTITION BY s.id ORDER BY v.day
                                                       ROWS 3 PRECEDING)
                   + CASE WHEN v.day > b.works_end THEN b.effect ELSE 0 END AS a,
                   v.day BETWEEN b.works_start AND b.works_end AS during, v.gone
              FROM bench_place p
              JOIN sensors_sensor s
                ON s.external_id = format('bench-eval-%%s', lpad(p.i::text, 4, '0'))
              LEFT JOIN bench_site b ON b.n = p.site
              CROSS JOIN LATERAL (
                SELECT w.day, w.season, w.w, random() < 0.03 AS gone,
                       sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z
                  FROM bench_weather w WHERE p.i IS NOT NULL
              ) v
          ) d
         WHERE NOT gone AND NOT coalesce(during, false)
         -- Day by day, as the daily statistics write them: a sensor's days lie on many pages.
         ORDER BY day, sensor_id
        """,
        [],
    )
    sql(
        """
        INSERT INTO civic_theme (slug, name_nl, name_en, description_nl, description_en,
                                 colour, is_active, "order")
        VALUES ('bench-eval', 'Hitte', 'Heat', '', '', '#c92a2a', true, 0)
        """
    )
    sql(
        """
        INSERT INTO civic_challenge (title, description, theme_id, geometry, status,
                                     created_at, updated_at)
        SELECT format('Hitte %%s', n), '', (SELECT id FROM civic_theme WHERE slug = 'bench-eval'),
               ST_Multi(ST_Transform(ST_Buffer(ST_SetSRID(ST_MakePoint(x, y), 28992), 100),
                                     4326)),
               'decided', now(), now()
          FROM bench_site ORDER BY n
        """,
        [],
    )
    sql(
        """
        INSERT INTO interventions_intervention (
            kind, title, description, site, expected_effect, proposer_role, status,
            created_at, updated_at, challenge_id, planned_start, planned_end,
            actual_start, actual_end, progress)
        SELECT (ARRAY['depaving', 'trees', 'facade_garden', 'green_roof', 'water_storage',
                      'shade'])[1 + n %% 6],
               format('Maatregel %%s', n), '', ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 28992),
                                                            4326),
               '', 'officer', 'completed', now(), now(),
               (SELECT id FROM civic_challenge WHERE title = format('Hitte %%s', b.n)),
               works_start, works_end, works_start, works_end, 100
          FROM bench_site b ORDER BY n
        """,
        [],
    )
    sql("RESET max_parallel_workers_per_gather")
    sql("ANALYZE sensors_sensor; ANALYZE sensors_sensorday; ANALYZE interventions_intervention")
    return {
        "sensors": one("SELECT count(*) FROM sensors_sensor"),
        "sensor_days": one("SELECT count(*) FROM sensors_sensorday"),
        "interventions": one("SELECT count(*) FROM interventions_intervention"),
        "impact_sensors_planted": one("SELECT count(*) FROM bench_place WHERE site IS NOT NULL"),
    }


class Clock:
    """Time spent inside wrapped functions and in SQL, summed over a sweep."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.inside: list[str] = []

    def wrap(self, name: str, function):
        def timed(*args, **kwargs):
            self.inside.append(name)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1
                self.inside.pop()

        return timed

    def sql_timer(self, execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            if "series" in self.inside:
                kind = "series_sql"
            elif "interventions_impactevaluation" in statement:
                kind = "store_sql"
            else:
                kind = "list_sql"
            self.seconds[kind] += time.perf_counter() - started
            self.calls[kind] += 1


@contextmanager
def patched(module, name: str, replacement):
    original = getattr(module, name)
    setattr(module, name, replacement)
    try:
        yield original
    finally:
        setattr(module, name, original)


def timed_sweep(record: list | None = None) -> dict:
    """One sweep from an empty ImpactEvaluation table, with every step's time.

    With `record`, each site's series request and estimate arguments are kept
    (outside the clock) for the baselines.
    """
    ImpactEvaluation.objects.all().delete()
    clock = Clock()
    series_timed = clock.wrap("series", evaluation.site_series)
    estimate_timed = clock.wrap("estimate", evaluation.impact_estimate)

    def series(request):
        result = series_timed(request)
        if record is not None:
            record.append({"request": request, "series": result})
        return result

    def estimate(**kwargs):
        result = estimate_timed(**kwargs)
        if record is not None:
            record[-1]["estimate"] = (kwargs, result)
        return result

    with (
        patched(evaluation, "site_series", series),
        patched(evaluation, "impact_estimate", estimate),
        patched(estimate_module, "_prepare", clock.wrap("frames", estimate_module._prepare)),
        patched(estimate_module, "gap_step", clock.wrap("fits", estimate_module.gap_step)),
        patched(
            estimate_module, "_leave_one_out", clock.wrap("loo", estimate_module._leave_one_out)
        ),
        connection.execute_wrapper(clock.sql_timer),
    ):
        started = time.perf_counter()
        added = evaluation.evaluations_sweep(today=TODAY)
        total = time.perf_counter() - started
    seconds = dict(clock.seconds)
    return {
        "total": total,
        "added": added,
        "seconds": seconds,
        "calls": dict(clock.calls),
        "series_python": seconds["series"] - seconds.get("series_sql", 0.0),
        "estimate_rest": seconds["estimate"]
        - seconds["frames"]
        - seconds["fits"]
        - seconds.get("loo", 0.0),
        "rest_python": total
        - seconds["series"]
        - seconds["estimate"]
        - seconds.get("store_sql", 0.0)
        - seconds.get("list_sql", 0.0),
    }


def series_per_sensor(request: SeriesRequest) -> SiteSeries:
    """Baseline: the same sensors, then each sensor's days in a query of its own (ORM)."""
    params = {
        "site": request.site.ewkt,
        "impact": request.impact_radius_m,
        "cmin": request.control_min_m,
        "cmax": request.control_max_m,
        "needs": sensors_impact.NEEDS_QUANTITY.get(request.figure),
        "zones": [zone.hexewkb.decode() for zone, _radius in request.exclude],
        "radii": [float(radius) for _zone, radius in request.exclude],
    }
    with connection.cursor() as cursor:
        cursor.execute(sensors_impact._ROLES_SQL, params)
        roles = cursor.fetchall()
    column = FIGURES[request.figure]
    impact: dict = {}
    controls: dict = {}
    for sensor_id, near in roles:
        days = dict(
            SensorDay.objects.filter(
                sensor_id=sensor_id,
                day__range=(request.start, request.end),
                **{f"{column}__isnull": False},
            )
            .order_by("day")
            .values_list("day", column)
        )
        if days:
            (impact if near else controls)[f"s{sensor_id}"] = days
    return SiteSeries(impact=impact, controls=controls)


def full_refits(impact, controls, after, settings, rho) -> list[float]:
    """Baseline: leave-one-control-out as before the bench, a full GLSAR + HAC fit each."""
    effects = []
    for sensor in controls.columns:
        rest = controls.drop(columns=[sensor])
        nights = estimate_module._valid_nights(impact, rest, settings)
        side = np.array([after.holds(night) for night in nights], dtype=bool)
        if side.all() or not side.any():
            continue
        gap = estimate_module._gap(impact, rest, nights)
        effects.append(estimate_module.gap_step(gap, side).effect)
    return effects


def _main_fit_converged(kwargs: dict) -> bool:
    """Whether the main GLSAR fit converged within its 10 iterations (statsmodels says)."""
    settings = kwargs.get("settings") or estimate_module.EstimateSettings()
    impact, controls, nights, is_after = estimate_module._prepare(
        kwargs["impact"], kwargs["controls"], kwargs["before"], kwargs["after"], settings
    )
    gap = estimate_module._gap(impact, controls, nights)
    design = add_constant(is_after.astype(float), has_constant="add")
    return bool(GLSAR(gap, design, rho=1).iterative_fit(maxiter=10).converged)


def _timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def baselines(record: list) -> dict:
    """The same requests and estimates as the sweep, done the slower ways, in the same run."""
    requests = [site["request"] for site in record]
    with series_batch():
        batch_s, batched = _timed(lambda: [site_series(r) for r in requests])
    per_site_s, per_site = _timed(lambda: [site_series(r) for r in requests])
    per_sensor_s, per_sensor = _timed(lambda: [series_per_sensor(r) for r in requests])
    assert batched == per_site == per_sensor == [site["series"] for site in record]
    estimates = [site["estimate"] for site in record]
    # A further figure of the same sites (the daytime maximum), as the sweep will ask for it:
    # the same batch, after the night figure.
    with series_batch():
        for r in requests:
            site_series(r)
        further_series_s, further = _timed(
            lambda: [site_series(replace(r, figure="t_max")) for r in requests]
        )
    further_estimate_s, _r = _timed(
        lambda: [
            impact_estimate(
                impact=series.impact,
                controls=series.controls,
                before=kwargs["before"],
                after=kwargs["after"],
            )
            for series, (kwargs, _e) in zip(further, estimates, strict=True)
        ]
    )
    fast_s, fast = _timed(lambda: [impact_estimate(**kwargs) for kwargs, _r in estimates])
    with patched(estimate_module, "_leave_one_out", full_refits):
        full_s, full = _timed(lambda: [impact_estimate(**kwargs) for kwargs, _r in estimates])
    differences = [
        (
            max(abs(a.loo_min - b.loo_min), abs(a.loo_max - b.loo_max)),
            _main_fit_converged(kwargs),
        )
        for (kwargs, _r), a, b in zip(estimates, fast, full, strict=True)
        if a.loo_min is not None
    ]
    unconverged = [d for d, converged in differences if not converged]
    converged = [d for d, converged in differences if converged]
    assert all(
        (a.effect, a.low, a.high, a.placebo) == (b.effect, b.low, b.high, b.placebo)
        for a, b in zip(fast, full, strict=True)
    )
    return {
        "further_series": further_series_s,
        "further_estimate": further_estimate_s,
        "series_batch": batch_s,
        "series_per_site": per_site_s,
        "series_per_sensor": per_sensor_s,
        "estimate_fast": fast_s,
        "estimate_full_refits": full_s,
        "loo_max_difference": max(converged),
        "loo_compared": len(converged),
        "loo_unconverged": sorted(unconverged, reverse=True),
        "controls": statistics.median(r.counts.control_sensors for r in fast),
        "controls_max": max(r.counts.control_sensors for r in fast),
    }


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=float, default=0.2026)
    args = parser.parse_args()
    log(f"Data: {SENSORS} sensors, a season of sensor-days, {SITES} completed interventions")
    started = time.perf_counter()
    data = make_data(args.seed)
    data["seconds"] = time.perf_counter() - started
    log(f"  {data}")
    record: list = []
    runs = []
    loads = [_load()]
    for n in range(args.repeats):
        run = timed_sweep(record if n == 0 else None)
        runs.append(run)
        log(f"  sweep {n + 1}: {run['total']:.2f} s, {run['added']} runs stored, load {_load()}")
    loads.append(_load())
    base = baselines(record)
    log(f"  baselines: {base}")
    verdicts = dict(
        sql("SELECT verdict, count(*) FROM interventions_impactevaluation GROUP BY 1 ORDER BY 1")
    )
    write_results(data, runs, base, verdicts, loads)


STEPS = (
    ("series", "series selection (civic.impact_series → sensors/impact.py)"),
    ("series_sql", "… of which SQL (roles, then the sensors' days)"),
    ("series_python", "… of which Python (parameters, day dicts)"),
    ("estimate", "estimate (interventions/impact_estimate.py)"),
    ("frames", "… frames, valid nights, both-sides rule"),
    ("fits", "… GLSAR + HAC fits: main and placebo"),
    ("loo", "… leave-one-control-out"),
    ("estimate_rest", "… the rest (gap, counts)"),
    ("store_sql", "storing: last run's lookup, the insert (SQL)"),
    ("list_sql", "listing the interventions and each one's other sites (SQL)"),
    ("rest_python", "the rest in Python (windows, other sites as objects, the row)"),
)


def write_results(data: dict, runs: list, base: dict, verdicts: dict, loads: list) -> None:
    totals = sorted(run["total"] for run in runs)
    median_run = sorted(runs, key=lambda run: run["total"])[len(runs) // 2]

    def figure(run, key):
        return run["seconds"].get(key, run.get(key, 0.0))

    lines = [
        "# Impact evaluation benchmark (issue 11, point 7)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}, commit {git_version()}, "
        f"load average before/after {loads[0]} → {loads[1]} (1/5/15 min)",
        "",
        f"Data: {data['sensors']:,} sensors, {data['sensor_days']:,} sensor-days "
        f"(1 May - 30 September {YEAR}), {data['interventions']} completed interventions "
        f"({data['impact_sensors_planted']} sensors placed near the sites), made in "
        f"{data['seconds']:.1f} s. Sweep with today = {TODAY}.",
        "",
        f"Verdicts stored: {', '.join(f'{k} {v}' for k, v in verdicts.items())}. "
        f"Controls a site: median {base['controls']:.0f}, at most {base['controls_max']}.",
        "",
        "## The sweep, database to stored runs",
        "",
        f"`evaluations_sweep` over {SITES} interventions, {len(runs)} times, each from an empty "
        "`ImpactEvaluation` table: "
        f"**median {statistics.median(totals):.2f} s** (min {totals[0]:.2f}, "
        f"max {totals[-1]:.2f}), **{statistics.median(totals) / SITES * 1000:.0f} ms** an "
        "intervention. Target ≤ 10 s: "
        f"**{'PASS' if statistics.median(totals) <= 10 else 'FAIL'}**.",
        "",
        f"Where the time goes (the median run, {median_run['total']:.2f} s; each step summed "
        "over the 100 interventions):",
        "",
        "| step | seconds | share | per intervention |",
        "|---|---:|---:|---:|",
    ]
    for key, label in STEPS:
        seconds = figure(median_run, key)
        lines.append(
            f"| {label} | {seconds:.2f} | {seconds / median_run['total']:.0%} "
            f"| {seconds / SITES * 1000:.1f} ms |"
        )
    lines += [
        "",
        "All runs (seconds):",
        "",
        "| run | total | series | estimate | storing + listing + rest |",
        "|---|---:|---:|---:|---:|",
    ]
    for n, run in enumerate(runs, 1):
        rest = run["total"] - run["seconds"]["series"] - run["seconds"]["estimate"]
        lines.append(
            f"| {n} | {run['total']:.2f} | {run['seconds']['series']:.2f} "
            f"| {run['seconds']['estimate']:.2f} | {rest:.2f} |"
        )
    lines += [
        "",
        "## Baselines, same run, same 100 requests",
        "",
        "| step | this code | baseline | ratio |",
        "|---|---:|---:|---:|",
        f"| series of the 100 sites, in one batch (each sensor's days read once) "
        f"| {base['series_batch']:.2f} s | one site at a time (no batch): "
        f"{base['series_per_site']:.2f} s "
        f"| {base['series_batch'] / base['series_per_site']:.2f}x |",
        f"| series of the 100 sites, in one batch | {base['series_batch']:.2f} s "
        f"| one query per sensor (ORM): {base['series_per_sensor']:.2f} s "
        f"| {base['series_batch'] / base['series_per_sensor']:.2f}x |",
        f"| the 100 estimates, leave-one-out at the main fit's rho "
        f"| {base['estimate_fast']:.2f} s | every leave-one-out a full GLSAR + HAC refit: "
        f"{base['estimate_full_refits']:.2f} s "
        f"| {base['estimate_fast'] / base['estimate_full_refits']:.2f}x |",
        "",
        "Same series from all three ways (asserted). Effect, interval and placebo are the "
        "same with both leave-one-out ways (asserted); the leave-one-out range differs by at "
        f"most **{base['loo_max_difference']:.4f} °C** over the {base['loo_compared']} sites "
        "whose main GLSAR fit converged"
        + (
            f"; at the {len(base['loo_unconverged'])} whose main fit had not converged after "
            "its 10 Cochrane-Orcutt iterations (rho still rising), by "
            + ", ".join(f"{d:.3f}" for d in base["loo_unconverged"])
            + " °C: there the full refits' effects are wherever their 10th iteration stops."
            if base["loo_unconverged"]
            else "."
        ),
        "",
    ]
    further = base["further_series"] + base["further_estimate"]
    lines += [
        "## A further figure",
        "",
        "The daytime maximum (`t_max`) of the same 100 sites in the same batch, after the "
        f"night figure: series {base['further_series']:.2f} s (the sites' sensors are known, "
        f"each sensor's days read once), estimates {base['further_estimate']:.2f} s: "
        f"**{further / SITES * 1000:.0f} ms an intervention and figure**. A sweep with "
        f"three figures would take about {statistics.median(totals) + 2 * further:.1f} s.",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
