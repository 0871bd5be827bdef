"""Facts about the machine, the code and the tables, for the results file."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from django.db import connection

from bench.data import one, sql

ROOT = Path(__file__).resolve().parent.parent


def facts() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GB"
    except OSError:
        pass
    settings_rows = {
        name: one(f"SHOW {name}")
        for name in (
            "shared_buffers",
            "work_mem",
            "maintenance_work_mem",
            "synchronous_commit",
            "fsync",
            "max_wal_size",
            "max_parallel_workers_per_gather",
        )
    }
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "postgres": one("SELECT version()").split(" on ")[0],
        "postgis": one("SELECT postgis_lib_version()"),
        "database": connection.settings_dict["NAME"],
        **settings_rows,
    }


def git_version() -> str:

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.rstrip()

    head = git("rev-parse", "--short", "HEAD") or "?"
    dirty = [line[3:] for line in git("status", "--porcelain", "sensors").splitlines()]
    return head + (f" (uncommitted changes in {', '.join(dirty)})" if dirty else "")


def table_sizes() -> list[tuple[str, int, str, str]]:
    return sql(
        """
        SELECT c.relname, c.reltuples::bigint,
               pg_size_pretty(pg_table_size(c.oid)), pg_size_pretty(pg_indexes_size(c.oid))
        FROM pg_class c
        WHERE c.relname IN ('sensors_reading', 'sensors_sensor', 'sensors_sensorday',
                            'sensors_readingflag', 'sensors_dirtyday')
        ORDER BY pg_total_relation_size(c.oid) DESC
        """
    )
