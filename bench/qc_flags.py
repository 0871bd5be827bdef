"""False-flag and detection rates of quality control on the demo and on a generated district.

Usage (a database of its own, never `civic` or a test database):

    export DATABASE_URL=postgis://postgres@127.0.0.1:54329/civic_qcbench
    export DJANGO_SETTINGS_MODULE=bench.settings BENCH_REDIS_DB=13
    python manage.py migrate
    python manage.py load_demo          # the municipality, and the demo network (~3 minutes)
    python bench/qc_flags.py            # loads the district if missing, reruns QC, prints rates
    python bench/qc_flags.py --qc-from old_qc.py   # the same with another version of sensors/qc.py

The district (sensors.qc_district, 150 sensors, July 2025) is stored through
readings_store in one transaction, as a backfill. QC is then run here, over
every day and month of each network, with the chosen qc module, so two
versions are compared on the very same readings (flags are replaced per
day and month, so reruns are clean).

Per sensor-month (QC works per calendar month):
- flagged = any station-month flag, or more than 1 % of its air-temperature
  readings flagged by a per-reading check. 1 % is about 7 hours a month:
  below it a flag here and there (a shower that cooled one garden, a gap)
  costs the statistics nothing; above it whole afternoons or days go missing
  and a sensor's figures change.
- false-flag rate = flagged honest sensor-months / honest sensor-months;
- detection = flagged faulty sensor-months / faulty sensor-months.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from datetime import date, timedelta
from pathlib import Path
from time import monotonic

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from civic.models import User  # noqa: E402
from civic.roles import OFFICER, user_assign_role  # noqa: E402
from sensors import ingest, qc_district  # noqa: E402
from sensors.models import Sensor  # noqa: E402

DISTRICT_START, DISTRICT_DAYS = date(2025, 7, 1), 31
DEMO_FAULTS = {"tuin-07": "sunny", "tuin-19": "stuck"}  # sensors.demo.SUNNY_ID, STUCK_ID
READING_SHARE = 0.01

_RATES_SQL = """
WITH months AS (
    SELECT r.sensor_id, date_trunc('month', r.observed_at AT TIME ZONE %(tz)s)::date AS month,
           count(*) AS readings,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM sensors_readingflag f
               WHERE f.sensor_id = r.sensor_id AND f.quantity = r.quantity
                 AND f.observed_at = r.observed_at)) AS flagged
    FROM sensors_reading r JOIN sensors_sensor s ON s.id = r.sensor_id
    WHERE r.quantity = 'air_temperature' AND s.external_id LIKE ANY(%(prefixes)s)
    GROUP BY 1, 2
)
SELECT s.external_id, m.month, m.readings, m.flagged,
       coalesce((SELECT array_agg(check_name ORDER BY check_name) FROM sensors_sensormonthflag x
                 WHERE x.sensor_id = m.sensor_id AND x.month = m.month), '{}')
FROM months m JOIN sensors_sensor s ON s.id = m.sensor_id
ORDER BY 1, 2
"""


def district_delete() -> None:
    """The district's sensors and everything of theirs, in SQL (millions of rows, no ORM)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.confrelid = 'sensors_sensor'::regclass AND c.contype = 'f'
            """
        )
        district = "IN (SELECT id FROM sensors_sensor WHERE external_id LIKE %s)"
        pattern = [qc_district.PREFIX + "%"]
        # names from the catalogue, not from input
        for table, column in [*cursor.fetchall(), ("sensors_sensor", "id")]:
            quoted = connection.ops.quote_name(column)
            cursor.execute(f"DELETE FROM {table} WHERE {quoted} {district}", pattern)  # noqa: S608


def load_qc(path: str | None):
    """sensors.qc, or another version of it from a file (for before/after)."""
    if path is None:
        from sensors import qc

        return qc
    spec = importlib.util.spec_from_file_location("qc_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_qc(qc, days: list[date]) -> float:
    started = monotonic()
    for first in range(0, len(days), 7):
        qc.qc_days(days=days[first : first + 7])
    for month in sorted({day.replace(day=1) for day in days}):
        qc.qc_month(month=month)
    return monotonic() - started


def rates(prefixes: list[str], fault_of) -> dict:
    with connection.cursor() as cursor:
        patterns = [prefix + "%" for prefix in prefixes]
        cursor.execute(_RATES_SQL, {"tz": settings.TIME_ZONE, "prefixes": patterns})
        rows = cursor.fetchall()
    out = {
        "honest": 0,
        "false": [],
        "month_flagged": 0,
        "readings": 0,
        "flagged": 0,
        "faulty": 0,
        "caught": [],
        "missed": [],
    }
    for external_id, month, readings, flagged, month_flags in rows:
        is_flagged = bool(month_flags) or flagged > READING_SHARE * readings
        fault = fault_of(external_id, month)
        label = f"{external_id} {month:%Y-%m}"
        why = f"{flagged}/{readings} readings, month: {', '.join(month_flags) or '-'}"
        if fault:
            out["faulty"] += 1
            out["caught" if is_flagged else "missed"].append(f"{label} ({fault}; {why})")
        else:
            out["honest"] += 1
            out["readings"] += readings
            out["flagged"] += flagged
            out["month_flagged"] += bool(month_flags)
            if is_flagged:
                out["false"].append(f"{label} ({why})")
    return out


def report(name: str, result: dict, seconds: float) -> None:
    honest, false = result["honest"], len(result["false"])
    print(f"\n{name}  (QC {seconds:.0f} s)")
    print(
        f"  false-flag rate: {false}/{honest} honest sensor-months"
        f" = {100 * false / max(honest, 1):.1f} %"
    )
    print(
        f"  honest sensor-months with a month flag (left out of the statistics):"
        f" {result['month_flagged']}; honest readings flagged:"
        f" {100 * result['flagged'] / max(result['readings'], 1):.2f} %"
    )
    print(f"  detection: {len(result['caught'])}/{result['faulty']} faulty sensor-months")
    for kind in ("false", "missed", "caught"):
        for line in result[kind]:
            print(f"    {kind}: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qc-from", help="a file with another version of sensors/qc.py")
    parser.add_argument("--sensors", type=int, default=150)
    parser.add_argument("--seed", type=int, default=9, help="the district's seed")
    parser.add_argument("--reload", action="store_true", help="load the district again")
    args = parser.parse_args()
    name = settings.DATABASES["default"]["NAME"]
    if name == "civic" or name.startswith("test_civic"):
        sys.exit(f"Refusing to work in {name}: give this benchmark a database of its own.")
    qc = load_qc(args.qc_from)
    print(f"QC from {args.qc_from or 'sensors/qc.py'}, database {name}")

    if args.reload:
        district_delete()
    if not Sensor.objects.filter(external_id__startswith=qc_district.PREFIX).exists():
        actor, _created = User.objects.get_or_create(username="qcbench-officer")
        user_assign_role(actor, OFFICER)
        started = monotonic()
        # QC runs below, with the version under test: no recompute message for a worker.
        ingest._queue_recompute = lambda: None
        qc_district.district_load(
            actor=actor,
            start=DISTRICT_START,
            days=DISTRICT_DAYS,
            sensors=args.sensors,
            seed=args.seed,
        )
        print(f"district loaded in {monotonic() - started:.0f} s")
    layout = qc_district.district_layout(sensors=args.sensors, seed=args.seed)
    faults = {p.external_id: p.fault for p in layout}
    days = [DISTRICT_START + timedelta(days=d) for d in range(DISTRICT_DAYS)]
    seconds = run_qc(qc, days)
    report(
        f"Generated district ({args.sensors} sensors, seed {args.seed}, {DISTRICT_START:%B %Y})",
        rates([qc_district.PREFIX], lambda external_id, _month: faults.get(external_id, "")),
        seconds,
    )

    if Sensor.objects.filter(external_id__startswith="tuin-").exists():
        from sensors.demo import STUCK_FROM, SUMMER_DAYS, SUMMER_START

        def demo_fault(external_id: str, month: date) -> str:
            fault = DEMO_FAULTS.get(external_id, "")
            if fault == "stuck" and month < STUCK_FROM.replace(day=1):
                return ""  # honest until it got stuck
            return fault

        days = [SUMMER_START + timedelta(days=d) for d in range(SUMMER_DAYS)]
        seconds = run_qc(qc, days)
        report(
            "Demo network (63 sensors, June-August)",
            rates(["tuin-", "lantaarnpaal-"], demo_fault),
            seconds,
        )


if __name__ == "__main__":
    main()
