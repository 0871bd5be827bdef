"""Writes bench/results.md from one run's measurements."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("results.md")


def verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def write_results(r: dict) -> None:
    f = r["facts"]
    a, b, c = r["a"], r["b"], r["c"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {r['started']} - {r['finished']} ({r['duration'] / 60:.1f} min), "
        f"`bash bench/run.sh {' '.join(r['argv'])}`.",
        "Written by bench/run.py; overwritten on every run.",
        f"Code: commit {r['git']}.",
        "",
        "## Machine and data",
        "",
        "| fact | value |",
        "|---|---|",
        f"| nproc | {f['nproc']} ({f['cpu']}) |",
        f"| memory | {f['memory']} |",
        f"| load average (1 min) at start / end | {r['load_start']:.2f} / {r['load_end']:.2f} |",
        f"| PostgreSQL | {f['postgres']}, PostGIS {f['postgis']} |",
        f"| database | `{f['database']}` (private cluster of scripts/lib.sh,"
        " shared with other users' databases) |",
        f"| server settings | shared_buffers {f['shared_buffers']}, fsync {f['fsync']}, "
        f"max_wal_size {f['max_wal_size']}, max_parallel_workers_per_gather "
        f"{f['max_parallel_workers_per_gather']} |",
        f"| bench-db knobs (ALTER DATABASE) | work_mem {f['work_mem']}, maintenance_work_mem "
        f"{f['maintenance_work_mem']}, synchronous_commit {f['synchronous_commit']} |",
        f"| sensors | {r['sensors']:,} (spread over ~5 km around 52.528 N 6.06 E) |",
        f"| period | {r['first_day']} - {r['last_day']} ({r['days']} local days), 10-minute steps, "
        f"air temperature only |",
        f"| readings | {r['rows']:,} ({r['sensors']:,} x {r['rows'] // max(r['sensors'], 1):,}) |",
        f"| seed | {r['seed']} |",
        "",
    ]
    if r["days"] < 92:
        lines += [
            f"**Scaled down**: {r['days']} days instead of the whole summer (92 days, 13.2 M rows)."
            " Every figure below is compared with a baseline measured on the same data in the"
            " same run, so the ratios stay valid.",
            "",
        ]
    lines += [
        "Tables after the run (reltuples is the planner's estimate):",
        "",
        "| table | rows | table size | index size |",
        "|---|---:|---:|---:|",
        *[f"| {name} | {rows:,} | {size} | {isize} |" for name, rows, size, isize in r["sizes"]],
        "",
        "## Results",
        "",
        "| # | measure | figure | baseline (same run) | ratio | target | result |",
        "|---|---|---:|---:|---:|---|---|",
        f"| a | bulk ingest, readings_store, {a['chunk']:,} readings per call"
        f" ({a['calls']:,} calls)"
        f" | {a['store_rps']:,.0f} rows/s ({a['store_s']:.1f} s) | raw COPY {a['copy_rps']:,.0f}"
        f" rows/s ({a['copy_s']:.1f} s) | {a['ratio']:.2f}x COPY | ≥ 0.5x COPY |"
        f" {verdict(a['ratio'] >= 0.5)} |",
        f"| b | one new hour from {r['sensors']:,} sensors (6 readings each) → QC + daily"
        f" statistics{' + evidence' if b['has_evidence'] else ''} fresh, end to end"
        f" (median of {len(b['runs'])}) | {b['total']:.2f} s |"
        f" - | - | ≤ 2 s | {verdict(b['total'] <= 2)} |",
        f"| c | full recompute of daily statistics, {c['sensor_days']:,} sensor-days,"
        f" daily_stats_recompute_all_dirty (median of {len(c['stats_runs'])})"
        f" | {c['stats']:.1f} s | the same statistics by hand, one statement,"
        f" {c['same']:.1f} s (median of {len(c['same_runs'])}) | {c['ratio']:.2f}x"
        f" (and {c['ratio_bare']:.2f}x a bare min/max/avg/count GROUP BY) | ≤ 3x |"
        f" {verdict(c['ratio'] <= 3)} |",
        "",
        "### (a) ingest details",
        "",
        f"- raw COPY FROM STDIN of the same {a['rows']:,} rows (text prepared in memory"
        f" beforehand, not timed): {a['copy_s']:.1f} s.",
        f"- readings_store: {a['store_s']:.1f} s inside the calls, {a['store_wall_s']:.1f} s wall"
        f" including building the ParsedReading objects; {a['stored']:,} rows stored,"
        f" {a['dirty']:,} dirty sensor-day markers written.",
        "- Both start from an empty table with the same indexes (TRUNCATE + CHECKPOINT between);"
        " each measured once (the step is not cheap).",
        "",
        "### (b) freshness details",
        "",
        "Every sensor sends its hour in its own readings_store call (one request per device,"
        " sequential, from one client); then the work of the Celery task"
        " (`sensors.tasks._qc_then_statistics`: qc_dirty_days,"
        " daily_stats_recompute_all_dirty and, where present, evidence_recompute) runs in the"
        " same process. Before each repetition the"
        " hour is deleted again. The hour is the last one of the period, so QC and statistics"
        " cover a whole day of all sensors, with the rest of the summer in the table.",
        "",
        "| repetition | ingest (1,000 calls) | QC of the day | daily statistics | evidence"
        " | total | sensor-days recomputed | sensor-days fresh |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {i + 1} | {p['ingest']:.2f} s | {p['qc']:.2f} s | {p['stats']:.2f} s |"
            f" {p['evidence']:.2f} s |"
            f" {p['total']:.2f} s | {p['sensor_days']:,} | {p['fresh']:,} |"
            for i, p in enumerate(b["runs"])
        ],
        f"| median | {b['ingest']:.2f} s | {b['qc']:.2f} s | {b['stats']:.2f} s |"
        f" {b['evidence']:.2f} s | {b['total']:.2f} s | | |",
        "",
        f"Of the ingest, {r['sensors']:,} calls of `sensors.ingest.queue_recompute` alone"
        " (one per readings_store call, measured separately; after the first, calls within"
        f" the debounce window return without a Redis round trip) take {b['enqueue']:.2f} s.",
        "",
        (
            "The evidence column is `sensors.evidence.evidence_recompute`: figures for the"
            f" {r.get('challenges', 0)} open challenges (sensors within 250 m) and the"
            f" {r.get('neighbourhoods', 0)} neighbourhoods the bench database gets"
            " (bench/data.py make_places), and the green-share fit (no land cover is loaded,"
            " so every share is 0). Priorities are not built yet (a later issue); their"
            " recompute will add to this figure."
            if b["has_evidence"]
            else "Evidence per area/challenge does not exist yet: this figure covers QC +"
            " daily statistics only."
        ),
        "",
        "### (c) full recompute details",
        "",
        "- bare aggregate (CREATE TEMP TABLE AS SELECT min/max/avg/count … GROUP BY sensor, local"
        " day; no QC filter, no hourly counts, no anomalies): "
        + ", ".join(f"{x:.1f} s" for x in c["bare_runs"])
        + f"; {c['bare_rows']:,} rows.",
        "- the same daily statistics by hand (bench/run.py SAME_STATISTICS_AGGREGATE: one"
        " CREATE TEMP TABLE AS statement, hourly then daily, min/max/mean/count, hours ≥ 25"
        " and ≥ 30 °C, day and night means, from every reading, no QC, markers, upserts or"
        " anomalies; PostgreSQL may run it in parallel, the recompute's INSERT … ON CONFLICT"
        " cannot): " + ", ".join(f"{x:.1f} s" for x in c["same_runs"]) + ".",
        f"- daily_stats_recompute_all_dirty after marking all {c['sensor_days']:,} sensor-days"
        f" dirty, no QC flags yet: " + ", ".join(f"{x:.1f} s" for x in c["stats_runs"]) + ".",
    ]
    if c.get("qc") is not None:
        lines += [
            f"- qc_days over all {r['days']} days in one call: {c['qc']:.1f} s,"
            f" {c['flags']:,} flags ({c['flags'] / max(r['rows'], 1):.1%} of the readings)"
            f" → {c['qc'] / c['same']:.1f}x the same statistics by hand.",
            f"- daily_stats_recompute_all_dirty again, now with those flags in place:"
            f" {c['stats_flagged']:.1f} s → {c['stats_flagged'] / c['same']:.2f}x"
            " the same statistics by hand.",
            f"- QC + statistics, the whole task's work for the period:"
            f" {c['qc'] + c['stats_flagged']:.1f} s →"
            f" {(c['qc'] + c['stats_flagged']) / c['same']:.1f}x"
            " the same statistics by hand.",
        ]
    else:
        lines.append("- qc_days over the whole period: skipped (--skip-full-qc).")
    lines += [
        "",
        f"Recompute messages queued by readings_store into the bench's own Redis database"
        f" (no worker listens there) and deleted at the end: {r['queued']:,}.",
        f"Big tables at the end: {'kept (--keep)' if r['keep'] else 'truncated'}.",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
