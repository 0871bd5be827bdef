#!/usr/bin/env bash
# Freshness as users live it (issue 9 point 8), in one command: bash bench/freshness.sh
# 1,000 devices POST their hour to a real gunicorn; a real Celery worker turns it
# into evidence; the clock stops when the evidence is committed. Options go to
# bench/freshness.py (--help). Environment: BENCH_DB (default civic_bench_fresh;
# dropped and created again unless BENCH_REUSE=1), BENCH_REDIS_DB (default 14).
# With DATABASE_URL / REDIS_URL set it uses those servers (with its own database
# and Redis database); otherwise the private ones of scripts/lib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"
BENCH_DB="${BENCH_DB:-civic_bench_fresh}"
case "$BENCH_DB" in civic | test_civic*) die "BENCH_DB must not be $BENCH_DB: that database belongs to others." ;; esac
BENCH_REDIS_DB="${BENCH_REDIS_DB:-14}"

trap stop_started_services EXIT
exit_on_signals

ensure_debian_packages
ensure_virtualenv requirements-dev.txt
if [ -n "${DATABASE_URL:-}" ]; then
    step "Using the PostgreSQL server of DATABASE_URL, database $BENCH_DB"
    server="$(echo "${DATABASE_URL%/*}" | sed 's#^postgis://#postgresql://#')"
else
    ensure_services "$BENCH_DB"
    server="postgresql://postgres@127.0.0.1:$PG_PORT"
fi
[ -n "${REDIS_URL:-}" ] || start_private_redis
# A Redis database of its own: no other worker may take the bench's tasks.
export REDIS_URL="${REDIS_URL%/*}/$BENCH_REDIS_DB"
export DATABASE_URL="${server/#postgresql:/postgis:}/$BENCH_DB"
export DJANGO_SETTINGS_MODULE=bench.freshness_settings
export BENCH_DB

exists="$(psql "$server/postgres" -tAc "select 1 from pg_database where datname = '$BENCH_DB'")"
if [ "${BENCH_REUSE:-0}" != 1 ] || [ "$exists" != 1 ]; then
    step "A fresh database $BENCH_DB"
    psql "$server/postgres" -qc "drop database if exists $BENCH_DB with (force)" \
        -c "create database $BENCH_DB"
    psql "$server/$BENCH_DB" -qc "set client_min_messages = warning; create extension if not exists postgis"
    export BENCH_REUSE=0
fi
redis-cli -u "$REDIS_URL" flushdb >/dev/null

step "Migrations into $BENCH_DB"
python manage.py migrate -v 0

step "Freshness benchmark"
python bench/freshness.py "$@"
