"""Benchmark of the sensors pipeline (issue 3, point 10). Start it with `bash bench/run.sh`.

(a) bulk ingest: sensors.ingest.readings_store in batches of 10,000 readings
    per sensor (as the API takes them) against a raw COPY of the same rows into
    the same table, in the same run;
(b) freshness: one new hour from every sensor (6 readings each) through
    readings_store, then the Celery task's work (sensors.tasks._qc_then_statistics),
    timed end to end;
(c) full recompute: every sensor-day dirty, daily_stats_recompute_all_dirty,
    against one hand-written GROUP BY of the same daily statistics; plus qc_days
    over the whole period.

Results go to bench/results.md (overwritten). Synthetic data, deterministic
(seed), no numpy. Runs only against the database named in BENCH_DB.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

import sensors.tasks as sensor_tasks  # noqa: E402
from bench.data import (  # noqa: E402
    log,
    make_places,
    make_sensors,
    make_times,
    make_values,
    median,
    one,
    sql,
)
from bench.facts import facts, git_version, table_sizes  # noqa: E402
from bench.report import write_results  # noqa: E402
from sensors.daily import daily_stats_recompute_all_dirty  # noqa: E402
from sensors.ingest import ParsedReading, readings_store  # noqa: E402
from sensors.models import Sensor  # noqa: E402
from sensors.qc import qc_days  # noqa: E402

QUANTITY = "air_temperature"
RESULTS = Path(__file__).with_name("results.md")


# --------------------------------------------------------------------------- steps


def reset() -> None:
    sql(
        "TRUNCATE sensors_reading, sensors_dirtyday, sensors_readingflag, sensors_sensorday,"
        " sensors_sensormonthflag, sensors_devicetoken, sensors_sensor, civic_evidencerun"
        " RESTART IDENTITY CASCADE"
    )
    # The bench database's own places (make_places); nothing else lives in it.
    sql("DELETE FROM civic_evidence")
    sql("DELETE FROM civic_challenge WHERE title LIKE 'Hitte %%'")
    sql("DELETE FROM civic_theme WHERE slug = 'bench-heat'")
    sql("DELETE FROM civic_area WHERE code LIKE 'bench-%%'")


def truncate_readings() -> None:
    sql("TRUNCATE sensors_reading, sensors_dirtyday, sensors_readingflag RESTART IDENTITY")
    sql("CHECKPOINT")


def bench_copy(sensor_ids, times, values) -> float:
    stamps = [t.strftime("%Y-%m-%d %H:%M:%S+00") for t in times]
    received = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S+00")
    buffers = []
    for sid, vals in zip(sensor_ids, values, strict=True):
        prefix = f"{sid}\t{QUANTITY}\t"
        suffix = f"\t{received}\n"
        buffers.append(
            "".join(
                f"{prefix}{s}\t{v!r}{suffix}" for s, v in zip(stamps, vals, strict=True)
            ).encode()
        )
    connection.ensure_connection()
    raw = connection.connection  # psycopg 3, autocommit as Django leaves it
    log(f"  COPY of {sum(len(b) for b in buffers) / 1e6:.0f} MB of text prepared; copying")
    with raw.cursor() as cursor:
        started = time.perf_counter()
        with cursor.copy(
            "COPY sensors_reading (sensor_id, quantity, observed_at, value, received_at) FROM STDIN"
        ) as copy:
            for buffer in buffers:
                copy.write(buffer)
        elapsed = time.perf_counter() - started
    return elapsed


def bench_store(sensors, times, values, chunk: int) -> tuple[float, float, int, int]:
    """Every sensor's readings through readings_store, chunk by chunk.

    Returns (time inside readings_store, wall time incl. building the objects,
    rows stored, calls).
    """
    inside = 0.0
    stored = calls = 0
    wall = time.perf_counter()
    n = len(times)
    for index, (sensor, vals) in enumerate(zip(sensors, values, strict=True)):
        for lo in range(0, n, chunk):
            batch = [
                ParsedReading(QUANTITY, times[k], vals[k]) for k in range(lo, min(n, lo + chunk))
            ]
            started = time.perf_counter()
            stored += readings_store(sensor=sensor, readings=batch).stored
            inside += time.perf_counter() - started
            calls += 1
        if (index + 1) % 200 == 0:
            log(f"  readings_store: {index + 1} sensors, {stored:,} rows, {inside:.1f} s")
    return inside, time.perf_counter() - wall, stored, calls


def mark_all_dirty(first: date, days: int) -> int:
    sql("DELETE FROM sensors_dirtyday")
    sql(
        """
        INSERT INTO sensors_dirtyday (sensor_id, day, marked_at)
        SELECT s.id, d::date, now() FROM sensors_sensor s,
               generate_series(%s::date, %s::date, interval '1 day') d
        """,
        [first, first + timedelta(days=days - 1)],
    )
    return one("SELECT count(*) FROM sensors_dirtyday")


BARE_AGGREGATE = """
CREATE TEMP TABLE bench_bare_daily AS
SELECT sensor_id, (observed_at AT TIME ZONE %(tz)s)::date AS day,
       min(value) AS t_min, max(value) AS t_max, avg(value) AS t_mean, count(*) AS t_count
FROM sensors_reading
WHERE quantity = 'air_temperature'
GROUP BY 1, 2
"""


# The baseline: one hand-written statement computing the same daily air
# temperature statistics as sensors_sensorday holds (min, max, mean, count,
# hours whose mean is >= 25 and >= 30 °C, day and night means) from every
# reading, without QC, dirty markers, upserts or anomalies. Hours need their own
# level (an hour's mean decides whether it counts), so it groups twice.
SAME_STATISTICS_AGGREGATE = """
CREATE TEMP TABLE bench_bare_daily AS
WITH hourly AS (
    SELECT sensor_id, date_trunc('hour', observed_at) AS hour,
           min(value) AS low, max(value) AS high, sum(value) AS total, count(*) AS n
    FROM sensors_reading
    WHERE quantity = 'air_temperature'
    GROUP BY 1, 2
), local AS (
    SELECT *, hour AT TIME ZONE %(tz)s AS at FROM hourly
)
SELECT sensor_id, at::date AS day,
       min(low) AS t_min, max(high) AS t_max, sum(total) / sum(n) AS t_mean, sum(n) AS t_count,
       count(*) FILTER (WHERE total / n >= 25) AS hours_25,
       count(*) FILTER (WHERE total / n >= 30) AS hours_30,
       sum(total) FILTER (WHERE extract(hour FROM at) BETWEEN 9 AND 17)
           / sum(n) FILTER (WHERE extract(hour FROM at) BETWEEN 9 AND 17) AS day_mean,
       sum(total) FILTER (WHERE extract(hour FROM at) BETWEEN 0 AND 5)
           / sum(n) FILTER (WHERE extract(hour FROM at) BETWEEN 0 AND 5) AS night_mean
FROM local
GROUP BY 1, 2
"""


def bench_bare_aggregate(statement: str = BARE_AGGREGATE) -> tuple[float, int]:
    sql("DROP TABLE IF EXISTS bench_bare_daily")
    started = time.perf_counter()
    sql(statement, {"tz": settings.TIME_ZONE})
    elapsed = time.perf_counter() - started
    rows = one("SELECT count(*) FROM bench_bare_daily")
    sql("DROP TABLE bench_bare_daily")
    return elapsed, rows


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def bench_fresh_hour(sensors, times, values) -> dict:
    """One repetition of (b): remove the last hour, then time its arrival and processing."""
    hour = times[-6:]
    sql(
        "DELETE FROM sensors_reading WHERE quantity = %s AND observed_at >= %s",
        [QUANTITY, hour[0]],
    )
    sql("DELETE FROM sensors_readingflag WHERE observed_at >= %s", [hour[0]])
    sql("DELETE FROM sensors_dirtyday")
    parts = {"qc": 0.0, "stats": 0.0, "evidence": 0.0}
    # Time the steps of the task's work without changing it: wrap the functions it calls.
    steps = {
        "qc_dirty_days": "qc",
        "daily_stats_recompute_all_dirty": "stats",
        "evidence_recompute": "evidence",  # present once evidence landed (issue 3 point 6)
    }
    originals = {name: getattr(sensor_tasks, name) for name in steps if hasattr(sensor_tasks, name)}

    def wrap(name, function):
        def wrapper(*args, **kwargs):
            elapsed, result = timed(function, *args, **kwargs)
            parts[steps[name]] += elapsed
            return result

        return wrapper

    batches = [
        [ParsedReading(QUANTITY, t, v) for t, v in zip(hour, vals[-6:], strict=True)]
        for vals in values
    ]
    for name, function in originals.items():
        setattr(sensor_tasks, name, wrap(name, function))
    try:
        started = time.perf_counter()
        for sensor, batch in zip(sensors, batches, strict=True):
            readings_store(sensor=sensor, readings=batch)
        parts["ingest"] = time.perf_counter() - started
        days_done = sensor_tasks._qc_then_statistics()
        parts["total"] = time.perf_counter() - started
    finally:
        for name, function in originals.items():
            setattr(sensor_tasks, name, function)
    parts["has_evidence"] = "evidence_recompute" in originals
    parts["sensor_days"] = days_done
    last_day = (hour[0].astimezone(ZoneInfo(settings.TIME_ZONE))).date()
    parts["fresh"] = one(
        "SELECT count(*) FROM sensors_sensorday"
        " WHERE day = %s AND computed_at >= now() - %s::interval",
        [last_day, f"{math.ceil(parts['total']) + 5} seconds"],
    )
    return parts


def drain_queue() -> int:
    """Delete the recompute messages readings_store queued into the bench's Redis database."""
    try:
        import redis

        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=3)
        queued = client.llen("evidence")
        client.delete("evidence", "_kombu.binding.evidence")
        return queued
    except Exception as error:  # the benchmark itself is done
        log(f"could not drain the bench queue: {error}")
        return -1


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sensors", type=int, default=int(os.environ.get("BENCH_SENSORS", 1000)))
    parser.add_argument("--days", type=int, default=int(os.environ.get("BENCH_DAYS", 92)))
    parser.add_argument("--start", default="2025-06-01", help="first local day")
    parser.add_argument(
        "--chunk", type=int, default=10_000, help="readings per readings_store call"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20250601)
    parser.add_argument("--skip-full-qc", action="store_true")
    parser.add_argument(
        "--keep",
        action="store_true",
        default=os.environ.get("BENCH_KEEP") == "1",
        help="keep the readings at the end (for EXPLAIN ANALYZE); default: truncate",
    )
    args = parser.parse_args()
    expected = os.environ.get("BENCH_DB", "civic_bench")
    if (
        connection.settings_dict["NAME"] != expected
        or expected == "civic"
        or expected.startswith("test_civic")
    ):
        sys.exit(f"Refusing to run against {connection.settings_dict['NAME']!r}.")

    started_at = datetime.now().astimezone()
    t_start = time.perf_counter()
    load_start = os.getloadavg()[0]
    first = date.fromisoformat(args.start)
    r: dict = {
        "argv": sys.argv[1:],
        "started": started_at.strftime("%Y-%m-%d %H:%M %Z"),
        "sensors": args.sensors,
        "days": args.days,
        "seed": args.seed,
        "first_day": first,
        "last_day": first + timedelta(days=args.days - 1),
        "keep": args.keep,
        "load_start": load_start,
    }
    r["facts"] = facts()
    r["git"] = git_version()
    log(f"facts: {r['facts']}")

    log("reset the sensors tables and insert the sensors")
    reset()
    make_sensors(args.sensors, args.seed)
    make_places(args.seed)
    r["challenges"] = one("SELECT count(*) FROM civic_challenge WHERE status = 'open'")
    r["neighbourhoods"] = one("SELECT count(*) FROM civic_area WHERE kind = 'neighbourhood'")
    sensors = list(Sensor.objects.order_by("id"))
    times = make_times(first, args.days)
    log(f"generate {args.sensors:,} x {len(times):,} readings (seed {args.seed})")
    values = make_values(args.sensors, len(times), args.seed)
    rows = args.sensors * len(times)
    r["rows"] = rows

    # (a) ------------------------------------------------------------------
    log("(a) raw COPY")
    truncate_readings()
    copy_s = bench_copy([s.pk for s in sensors], times, values)
    copied = one("SELECT count(*) FROM sensors_reading")
    assert copied == rows, (copied, rows)
    log(f"  COPY: {copy_s:.1f} s, {rows / copy_s:,.0f} rows/s")
    truncate_readings()
    log("(a) readings_store")
    store_s, store_wall_s, stored, calls = bench_store(sensors, times, values, args.chunk)
    assert stored == rows, (stored, rows)
    dirty = one("SELECT count(*) FROM sensors_dirtyday")
    log(f"  readings_store: {store_s:.1f} s, {rows / store_s:,.0f} rows/s")
    r["a"] = {
        "rows": rows,
        "chunk": args.chunk,
        "calls": calls,
        "copy_s": copy_s,
        "copy_rps": rows / copy_s,
        "store_s": store_s,
        "store_wall_s": store_wall_s,
        "store_rps": rows / store_s,
        "stored": stored,
        "dirty": dirty,
        "ratio": copy_s / store_s,
    }
    log("VACUUM ANALYZE (not timed; autovacuum would do it after a bulk load)")
    sql("VACUUM (ANALYZE) sensors_reading")
    sql("ANALYZE sensors_sensor")

    # (c) ------------------------------------------------------------------
    log("(c) bare aggregate")
    bare_runs = []
    for _ in range(args.repeats):
        elapsed, bare_rows = bench_bare_aggregate()
        bare_runs.append(elapsed)
        log(f"  bare GROUP BY: {elapsed:.1f} s ({bare_rows:,} rows)")
    same_runs = []
    for _ in range(args.repeats):
        elapsed, same_rows = bench_bare_aggregate(SAME_STATISTICS_AGGREGATE)
        same_runs.append(elapsed)
        log(f"  same statistics by hand: {elapsed:.1f} s ({same_rows:,} rows)")
    stats_runs = []
    sensor_days = 0
    for i in range(args.repeats):
        sensor_days = mark_all_dirty(first, args.days)
        sql("ANALYZE sensors_dirtyday")
        elapsed, done = timed(daily_stats_recompute_all_dirty)
        assert done == sensor_days, (done, sensor_days)
        stats_runs.append(elapsed)
        log(f"  daily_stats_recompute_all_dirty: {elapsed:.1f} s ({done:,} sensor-days)")
        # repeat only while it is cheap (the first run decides)
        if i == 0 and elapsed > 120:
            break
    c = {
        "bare_runs": bare_runs,
        "bare": median(bare_runs),
        "bare_rows": bare_rows,
        "same_runs": same_runs,
        "same": median(same_runs),
        "stats_runs": stats_runs,
        "stats": median(stats_runs),
        "sensor_days": sensor_days,
    }
    # The target compares with the same statistics by hand; the min/max/avg/count
    # aggregate is reported too, as the cheapest possible pass over the rows.
    c["ratio"] = c["stats"] / c["same"]
    c["ratio_bare"] = c["stats"] / c["bare"]
    if not args.skip_full_qc:
        log("(c) qc_days over the whole period")
        sql("DELETE FROM sensors_dirtyday")
        all_days = [first + timedelta(days=i) for i in range(args.days)]
        c["qc"], _ = timed(qc_days, days=all_days)
        c["flags"] = one("SELECT count(*) FROM sensors_readingflag")
        log(f"  qc_days: {c['qc']:.1f} s, {c['flags']:,} flags")
        # QC marks only the sensor-days whose flags changed; the figure is the full recompute.
        mark_all_dirty(first, args.days)
        sql("ANALYZE sensors_readingflag")
        sql("ANALYZE sensors_dirtyday")
        c["stats_flagged"], done = timed(daily_stats_recompute_all_dirty)
        log(f"  daily_stats_recompute_all_dirty with flags: {c['stats_flagged']:.1f} s ({done:,})")
    else:
        c["qc"] = None
    r["c"] = c

    # (b) ------------------------------------------------------------------
    log("(b) one new hour from every sensor → QC + daily statistics")
    runs = []
    for _ in range(args.repeats):
        parts = bench_fresh_hour(sensors, times, values)
        runs.append(parts)
        log(
            f"  ingest {parts['ingest']:.2f} s + QC {parts['qc']:.2f} s + stats"
            f" {parts['stats']:.2f} s + evidence {parts['evidence']:.2f} s"
            f" = {parts['total']:.2f} s; {parts['fresh']} fresh"
        )
    # How much of the ingest is the Celery message each readings_store call queues?
    from sensors.ingest import queue_recompute

    enqueue_s, _ = timed(lambda: [queue_recompute() for _ in sensors])
    log(f"  {len(sensors)} recompute messages alone: {enqueue_s:.2f} s")
    r["b"] = {
        "enqueue": enqueue_s,
        "runs": runs,
        **{k: median([p[k] for p in runs]) for k in ("ingest", "qc", "stats", "evidence", "total")},
        "has_evidence": runs[0]["has_evidence"],
    }

    r["sizes"] = table_sizes()
    r["queued"] = drain_queue()
    if not args.keep:
        log("truncate the readings (keep with --keep / BENCH_KEEP=1)")
        sql("TRUNCATE sensors_reading, sensors_readingflag, sensors_dirtyday")
    r["load_end"] = os.getloadavg()[0]
    r["duration"] = time.perf_counter() - t_start
    r["finished"] = datetime.now().astimezone().strftime("%H:%M %Z")
    write_results(r)
    log(f"written {RESULTS}")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
