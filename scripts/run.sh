#!/usr/bin/env bash
# Runs the service with its demo data: installs what is missing, starts private
# PostgreSQL+PostGIS and Redis (unless DATABASE_URL / REDIS_URL are set),
# migrates, loads the demo, then the web server, a Celery worker and beat.
# Ctrl-C stops everything this script started.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

HOST="${CIVIC_HOST:-127.0.0.1}"
PORT="${CIVIC_PORT:-8000}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-civic.settings.local}"

ensure_debian_packages
ensure_virtualenv requirements.txt
ensure_services civic

CHILDREN=()
cleanup() {
    trap - INT TERM EXIT
    step "Stopping"
    for pid in "${CHILDREN[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    stop_started_services
}
trap cleanup INT TERM EXIT

step "Compiling translations"
python manage.py compilemessages --ignore=.venv --ignore=.local -v 0
step "Migrating the database"
python manage.py migrate --noinput
step "Loading the demo"
python manage.py load_demo

step "Starting the Celery worker and beat"
mkdir -p "$LOCAL/celery"
celery -A civic worker -Q default,ingest,evidence -c 2 -l warning >"$LOCAL/celery/worker.log" 2>&1 &
CHILDREN+=($!)
celery -A civic beat -l warning -s "$LOCAL/celery/beat-schedule" >"$LOCAL/celery/beat.log" 2>&1 &
CHILDREN+=($!)

step "Starting the web server"
python manage.py runserver "$HOST:$PORT" --noreload &
CHILDREN+=($!)

cat <<MSG

  The service is up:   http://$HOST:$PORT/
  API docs:            http://$HOST:$PORT/api/docs/
  Health:              http://$HOST:$PORT/healthz
  Admin:               http://$HOST:$PORT/admin/

  Demo logins (password for all: stadshagen2026)
    resident@demo.zwolle.test   resident      (files concerns)
    resident2@demo.zwolle.test  resident2     (another resident)
    officer@demo.zwolle.test    officer       (policy officer: moderation)
    council@demo.zwolle.test    council       (council member)
    admin@demo.zwolle.test      admin         (administrator, Django admin)

  Logs: .local/celery/*.log   Press Ctrl-C to stop.
MSG
wait -n "${CHILDREN[@]}" || true
