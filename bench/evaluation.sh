#!/usr/bin/env bash
# The impact evaluation benchmark (issue 11 point 7): bash bench/evaluation.sh [--repeats N]
# 100 completed interventions, 1,000 sensors, one warm season of daily statistics; the
# whole evaluations_sweep timed step by step. Its own database (civic_bench_eval, or
# BENCH_EVAL_DB), created when missing and refilled on every run. With DATABASE_URL set it
# uses that server; otherwise the private one of scripts/lib.sh. Results:
# bench/evaluation_results.md. Takes ~4 minutes, most of it the slow baselines.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"
BENCH_DB="${BENCH_EVAL_DB:-civic_bench_eval}"
case "$BENCH_DB" in civic | test_civic*) die "BENCH_EVAL_DB must not be $BENCH_DB: that database belongs to others." ;; esac

trap stop_started_services EXIT
exit_on_signals

ensure_debian_packages
ensure_virtualenv requirements-dev.txt
if [ -n "${DATABASE_URL:-}" ]; then
    step "Using the PostgreSQL server of DATABASE_URL, database $BENCH_DB"
    server="$(echo "${DATABASE_URL%/*}" | sed 's#^postgis://#postgresql://#')"
    if [ "$(psql "$server/postgres" -tAc "select 1 from pg_database where datname = '$BENCH_DB'")" != 1 ]; then
        psql "$server/postgres" -qc "create database $BENCH_DB"
    fi
    psql "$server/$BENCH_DB" -qc "set client_min_messages = warning; create extension if not exists postgis"
else
    start_private_postgres "$BENCH_DB"
    server="postgresql://postgres@127.0.0.1:$PG_PORT"
fi
export DATABASE_URL="${server/#postgresql:/postgis:}/$BENCH_DB"
export DJANGO_SETTINGS_MODULE=bench.settings
export BENCH_DB

step "Migrations into $BENCH_DB"
python manage.py migrate -v 0

step "Impact evaluation benchmark"
python bench/evaluation.py "$@"
