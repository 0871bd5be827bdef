#!/usr/bin/env bash
# Peak memory of a photo upload (issue 8 point 5), in one command: bash bench/photo_memory.sh
# Same private PostgreSQL+Redis as scripts/test.sh, in the bench's own database
# (civic_bench, or BENCH_DB); every case's rows are rolled back. Options go to
# photo_memory.py (python bench/photo_memory.py --help).
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

step "Migrations into $BENCH_DB"
python manage.py migrate -v 0

step "Photo upload memory"
python bench/photo_memory.py "$@"
