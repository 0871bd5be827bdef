# Shared by the bench commands: install what is missing, start (or reuse) the
# private PostgreSQL+Redis of scripts/test.sh with the bench's own database
# (civic_bench, or BENCH_DB), never the demo's or the tests'. Sourced.
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
