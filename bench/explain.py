"""EXPLAIN (ANALYZE, BUFFERS) of the sensors SQL on the data a `--keep` run left behind.

    BENCH_KEEP=1 bash bench/run.sh      # leaves the readings in civic_bench
    DATABASE_URL=postgis://postgres@127.0.0.1:54329/civic_bench \
        .venv/bin/python bench/explain.py  # writes bench/explain/*.txt

Every statement runs inside a transaction that is rolled back, so the data stay as they are.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from sensors import daily, ingest, qc  # noqa: E402

OUT = Path(__file__).with_name("explain")


class Rollback(Exception):
    pass


def explain(name: str, statement: str, params, setup: list[tuple[str, object]] = ()) -> None:
    lines = []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for setup_sql, setup_params in setup:
                cursor.execute(setup_sql, setup_params)
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, VERBOSE OFF) " + statement, params)
            lines = [row[0] for row in cursor.fetchall()]
            raise Rollback
    except Rollback:
        pass
    OUT.mkdir(exist_ok=True)
    (OUT / f"{name}.txt").write_text("\n".join(lines) + "\n")
    print(f"== {name}: {lines[-1] if lines else '?'}")


def explain_calls(name: str, work) -> None:
    """Run `work` in a rolled-back transaction, explaining (and so running) each statement."""
    plans = []

    def hook(execute, statement, params, many, context):
        cursor = context["cursor"]
        if (
            not statement.lstrip()
            .upper()
            .startswith(("WITH", "SELECT", "INSERT", "UPDATE", "DELETE"))
        ):
            return execute(statement, params, many, context)
        result = execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params, many, context)
        plans.append([row[0] for row in cursor.fetchall()])
        return result

    try:
        with transaction.atomic(), connection.execute_wrapper(hook):
            work()
            raise Rollback
    except Rollback:
        pass
    OUT.mkdir(exist_ok=True)
    text = "\n\n".join("\n".join(plan) for plan in plans)
    (OUT / f"{name}.txt").write_text(text + "\n")
    print(f"== {name}: " + ", ".join(plan[-1] for plan in plans))


def main() -> None:
    if connection.settings_dict["NAME"] != os.environ.get("BENCH_DB", "civic_bench"):
        sys.exit("Run this against the bench database only.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(observed_at) FROM sensors_reading r")
        _first_id, last = cursor.fetchone()
        cursor.execute("SELECT max(day) FROM sensors_sensorday")
        (last_day,) = cursor.fetchone()
    tz = settings.TIME_ZONE
    # (a) one 10,000-reading chunk of one sensor, after the period
    cursor_sensor = 1
    times = [last + timedelta(minutes=10 * (k + 1)) for k in range(10_000)]
    explain(
        "ingest_10000",
        ingest._INGEST_SQL,
        ingest._ingest_params(
            [cursor_sensor] * len(times),
            ["air_temperature"] * len(times),
            times,
            [20.0] * len(times),
            [cursor_sensor],
        ),
    )
    # (b)/(c) one batch of the daily recompute: the last day of every sensor, and 5,000 sensor-days
    params = {
        "batch": daily.BATCH,
        "tz": tz,
        "day_from": daily.DAY_HOURS[0],
        "day_to": daily.DAY_HOURS[1],
        "night_from": daily.NIGHT_HOURS[0],
        "night_to": daily.NIGHT_HOURS[1],
    }
    explain(
        "recompute_last_day_1000",
        daily._RECOMPUTE_SQL,
        params,
        setup=[
            ("DELETE FROM sensors_dirtyday", None),
            (
                "INSERT INTO sensors_dirtyday (sensor_id, day, marked_at)"
                " SELECT id, %s, now() FROM sensors_sensor",
                [last_day],
            ),
        ],
    )
    explain(
        "recompute_batch_5000",
        daily._RECOMPUTE_SQL,
        params,
        setup=[
            ("DELETE FROM sensors_dirtyday", None),
            (
                "INSERT INTO sensors_dirtyday (sensor_id, day, marked_at)"
                " SELECT s.id, d::date, now() FROM sensors_sensor s,"
                " generate_series(%s::date - 29, %s::date, interval '1 day') d",
                [last_day, last_day],
            ),
            ("ANALYZE sensors_dirtyday", None),
        ],
    )
    # QC: run qc_days itself (its parameters change with the code) and explain each statement
    explain_calls("qc_days_last_day", lambda: qc.qc_days(days=[last_day]))
    explain("anomaly_last_day", daily._ANOMALY_SQL, {"days": [last_day]})
    explain(
        "bare_aggregate",
        "SELECT sensor_id, (observed_at AT TIME ZONE %s)::date AS day, min(value), max(value),"
        " avg(value), count(*) FROM sensors_reading WHERE quantity = 'air_temperature'"
        " GROUP BY 1, 2",
        [tz],
    )


if __name__ == "__main__":
    main()
