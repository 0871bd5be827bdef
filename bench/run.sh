#!/usr/bin/env bash
# The benchmark of issue 3 point 10, in one command: bash bench/run.sh
# Uses the same private PostgreSQL+Redis as scripts/test.sh, but its own
# database (civic_bench, or BENCH_DB), never the demo's. Options go to run.py
# (python bench/run.py --help); environment: BENCH_DAYS, BENCH_SENSORS, BENCH_KEEP.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"
BENCH_DB="${BENCH_DB:-civic_bench}"
case "$BENCH_DB" in civic | test_civic*) die "BENCH_DB must not be $BENCH_DB: that database belongs to others." ;; esac

trap stop_started_services EXIT
exit_on_signals

ensure_debian_packages
ensure_virtualenv requirements-dev.txt
# A DATABASE_URL from outside would point at someone else's database.
unset DATABASE_URL
ensure_services "$BENCH_DB"
export DJANGO_SETTINGS_MODULE=bench.settings
export BENCH_DB

step "Tuning knobs of the bench database only ($BENCH_DB)"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$BENCH_DB" -qc \
    "alter database $BENCH_DB set work_mem = '${BENCH_WORK_MEM:-64MB}'" -c \
    "alter database $BENCH_DB set maintenance_work_mem = '${BENCH_MAINTENANCE_WORK_MEM:-512MB}'" -c \
    "alter database $BENCH_DB set synchronous_commit = off"

step "Migrations into $BENCH_DB"
python manage.py migrate -v 0

step "Benchmark"
python bench/run.py "$@"
