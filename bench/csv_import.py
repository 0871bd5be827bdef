"""The readings CSV import against a plain COPY (issue 9, point 7): bash bench/csv_import.sh.

In one run, on the same rows (N sensors x their 10-minute air temperatures):

(a) the baseline: a plain `COPY sensors_reading FROM STDIN` of the rows, the
    COPY text prepared in memory before the clock starts, into the empty table;
(b) `manage.py import_readings FILE` (call_command) on the same rows written to
    a CSV file, into the empty table: reading, checking and storing every row,
    with the dirty-day markers;
(c) once, for the record, the import as it was before it used the device API's
    pipelined statement (sensors/csv_import.py and sensors/ingest.py from git,
    the parent of the commit that introduced `readings_pipeline`).

(a) and (b) alternate `--repeats` times (TRUNCATE and CHECKPOINT before each)
and the medians are compared, so other work on the machine weighs on both.
Results go to bench/csv_import_results.md (overwritten). Runs only against the
database named in BENCH_DB.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.data import log, make_sensors, make_times, make_values, median, one, sql  # noqa: E402
from bench.facts import facts, git_version  # noqa: E402
from bench.run import drain_queue  # noqa: E402

QUANTITY = "air_temperature"
RESULTS = Path(__file__).with_name("csv_import_results.md")
TARGET = 0.5
# The commit that made the import use the device API's pipelined statement.
MARKER = "readings_pipeline"


def reset() -> None:
    sql(
        "TRUNCATE sensors_reading, sensors_dirtyday, sensors_readingflag, sensors_sensorday,"
        " sensors_sensormonthflag, sensors_devicetoken, sensors_sensor RESTART IDENTITY CASCADE"
    )


def truncate_readings() -> None:
    sql("TRUNCATE sensors_reading, sensors_dirtyday RESTART IDENTITY")
    sql("CHECKPOINT")


def write_csv(path: Path, devices: list[str], times: list[datetime], values) -> None:
    """The rows as an officer's file: one device after the other, times in UTC with Z."""
    stamps = [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in times]
    with path.open("w", encoding="utf-8") as out:
        out.write("device_id,quantity,observed_at,value\n")
        for device, series in zip(devices, values, strict=True):
            prefix = f"{device},{QUANTITY},"
            out.write("".join(f"{prefix}{s},{v!r}\n" for s, v in zip(stamps, series, strict=True)))


def copy_text(sensor_ids: list[int], times: list[datetime], values) -> list[bytes]:
    stamps = [t.strftime("%Y-%m-%d %H:%M:%S+00") for t in times]
    received = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S+00")
    buffers = []
    for sid, series in zip(sensor_ids, values, strict=True):
        prefix, suffix = f"{sid}\t{QUANTITY}\t", f"\t{received}\n"
        buffers.append(
            "".join(
                f"{prefix}{s}\t{v!r}{suffix}" for s, v in zip(stamps, series, strict=True)
            ).encode()
        )
    return buffers


def bench_copy(buffers: list[bytes]) -> float:
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.copy(
            "COPY sensors_reading (sensor_id, quantity, observed_at, value, received_at) FROM STDIN"
        ) as copy:
            for buffer in buffers:
                copy.write(buffer)
        return time.perf_counter() - started


def bench_command(path: Path) -> tuple[float, float, str]:
    """manage.py import_readings on the file: (wall seconds, this process's CPU seconds, output)."""
    out = io.StringIO()
    cpu, started = time.process_time(), time.perf_counter()
    call_command("import_readings", str(path), stdout=out)
    return time.perf_counter() - started, time.process_time() - cpu, out.getvalue()


def old_import(ref: str):
    """readings_import_csv as it was at `ref`, with the sensors/ingest.py of that commit."""

    def load(name: str, path: str):
        source = subprocess.run(
            ["git", "show", f"{ref}:{path}"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        with tempfile.NamedTemporaryFile("wb", suffix=".py", delete=False) as module_file:
            module_file.write(source)
        spec = importlib.util.spec_from_file_location(name, module_file.name)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        os.unlink(module_file.name)
        return module

    current = sys.modules["sensors.ingest"]
    old_ingest = load("bench_old_ingest", "sensors/ingest.py")
    sys.modules["sensors.ingest"] = old_ingest  # what the old csv_import imports
    try:
        old_csv = load("bench_old_csv_import", "sensors/csv_import.py")
    finally:
        sys.modules["sensors.ingest"] = current
    return old_csv.readings_import_csv


def old_ref() -> str:
    """The parent of the commit that introduced the pipelined import, or HEAD before it."""
    changed = subprocess.run(
        ["git", "log", "--format=%H", "-S", MARKER, "--", "sensors/csv_import.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return f"{changed[-1][:7]}^" if changed else "HEAD"


def check_stored(rows: int, dirty: int) -> None:
    stored = one("SELECT count(*) FROM sensors_reading")
    marked = one("SELECT count(*) FROM sensors_dirtyday")
    assert (stored, marked) == (rows, dirty), (stored, marked, rows, dirty)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sensors", type=int, default=500)
    parser.add_argument("--days", type=int, default=14, help="local days of 144 readings")
    parser.add_argument("--start", default="2025-06-01", help="first local day")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20250601)
    parser.add_argument("--old-ref", default=None, help="git revision of the old import")
    parser.add_argument("--no-baseline", action="store_true", help="skip the old import")
    args = parser.parse_args()
    expected = os.environ.get("BENCH_DB", "civic_bench")
    name = connection.settings_dict["NAME"]
    if name != expected or name == "civic" or name.startswith("test_civic"):
        sys.exit(f"Refusing to run against {name!r}.")

    r: dict = {
        "argv": sys.argv[1:],
        "started": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "load_start": os.getloadavg()[0],
        "facts": facts(),
        "git": git_version(),
        "sensors": args.sensors,
        "days": args.days,
    }
    log(f"facts: {r['facts']}")
    reset()
    make_sensors(args.sensors, args.seed)
    sensors = sql("SELECT id, external_id FROM sensors_sensor ORDER BY id")
    times = make_times(date.fromisoformat(args.start), args.days)
    values = make_values(args.sensors, len(times), args.seed)
    rows = args.sensors * len(times)
    dirty = args.sensors * args.days
    r["rows"] = rows
    with tempfile.TemporaryDirectory(prefix="csv-import-bench-") as folder:
        path = Path(folder) / "readings.csv"
        write_csv(path, [external_id for _pk, external_id in sensors], times, values)
        r["file_mb"] = path.stat().st_size / 1e6
        buffers = copy_text([pk for pk, _external_id in sensors], times, values)
        log(f"{rows:,} rows; CSV file {r['file_mb']:.0f} MB; COPY text prepared")
        copies, imports, cpus = [], [], []
        for repeat in range(args.repeats):
            truncate_readings()
            copies.append(bench_copy(buffers))
            assert one("SELECT count(*) FROM sensors_reading") == rows
            truncate_readings()
            elapsed, cpu, output = bench_command(path)
            check_stored(rows, dirty)
            imports.append(elapsed)
            cpus.append(cpu)
            log(
                f"  #{repeat + 1}: COPY {copies[-1]:.1f} s ({rows / copies[-1]:,.0f} rows/s),"
                f" import_readings {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s,"
                f" {cpu:.1f} s CPU in this process), ratio {copies[-1] / elapsed:.2f}"
            )
        r["command_output"] = output.strip().splitlines()[-1]
        r["copy"], r["import"], r["cpu"] = copies, imports, cpus
        if not args.no_baseline:
            ref = args.old_ref or old_ref()
            r["old_ref"] = ref
            readings_import_csv = old_import(ref)
            truncate_readings()
            log(f"the import as it was at {ref} (once)")
            started = time.perf_counter()
            readings_import_csv(file=str(path))
            r["old"] = time.perf_counter() - started
            check_stored(rows, dirty)
            log(f"  old import: {r['old']:.1f} s ({rows / r['old']:,.0f} rows/s)")
    truncate_readings()
    r["queued"] = drain_queue()  # the recompute messages the imports queued
    r["load_end"] = os.getloadavg()[0]
    r["finished"] = datetime.now().astimezone().strftime("%H:%M %Z")
    write_results(r)
    print(RESULTS.read_text())


def write_results(r: dict) -> None:
    f = r["facts"]
    rows = r["rows"]
    copy_s, import_s = median(r["copy"]), median(r["import"])
    ratio = copy_s / import_s
    runs = ", ".join(
        f"{c:.1f} / {i:.1f} s ({c / i:.2f}x)" for c, i in zip(r["copy"], r["import"], strict=True)
    )
    lines = [
        "# Readings CSV import against COPY (bench/csv_import.py)",
        "",
        f"Run {r['started']} - {r['finished']}, `bash bench/csv_import.sh {' '.join(r['argv'])}`,"
        f" commit {r['git']}. Overwritten on every run.",
        "",
        f"- machine: {f['nproc']} cores ({f['cpu']}), {f['memory']}; load average (1 min)"
        f" {r['load_start']:.2f} at the start, {r['load_end']:.2f} at the end",
        f"- {f['postgres']}; database `{f['database']}` with work_mem {f['work_mem']},"
        f" synchronous_commit {f['synchronous_commit']}, fsync {f['fsync']}",
        f"- data: {r['sensors']:,} sensors x {rows // r['sensors']:,} air temperatures"
        f" ({r['days']} days, 10-minute steps) = **{rows:,} readings**; the CSV file is"
        f" {r['file_mb']:.0f} MB (`device_id,quantity,observed_at,value`, one device after"
        " the other, times like 2025-06-01T00:00:00Z)",
        "",
        "| # | measure | median | rows/s | ratio to COPY | target | result |",
        "|---|---|---:|---:|---:|---|---|",
        f"| a | plain COPY of the rows into sensors_reading (baseline) | {copy_s:.1f} s"
        f" | {rows / copy_s:,.0f} | 1 | - | - |",
        f"| b | `manage.py import_readings FILE` (read, check, store, mark dirty days)"
        f" | {import_s:.1f} s | {rows / import_s:,.0f} | **{ratio:.2f}x** | ≥ {TARGET}x COPY"
        f" | {'**PASS**' if ratio >= TARGET else '**FAIL**'} |",
    ]
    if "old" in r:
        lines.append(
            f"| c | the same import before this change ({r['old_ref']}), once | {r['old']:.1f} s"
            f" | {rows / r['old']:,.0f} | {copy_s / r['old']:.2f}x | - | - |"
        )
    lines += [
        "",
        f"Each repeat, COPY / import: {runs}. CPU time of the importing process (median):"
        f" {median(r['cpu']):.1f} s; the rest of its wall time it waited for the server.",
        f"The command's last line: `{r['command_output']}`",
        "",
    ]
    RESULTS.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
