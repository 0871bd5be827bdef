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

# Fail before installing or starting anything if the web port is taken
# (often: this service is already running in another terminal).
if port_busy "$HOST" "$PORT"; then
    die "Port $PORT on $HOST is already in use (another run of this service, or another program)." \
        "Stop it, or set CIVIC_PORT to a free port."
fi

CHILDREN=()
declare -A NAME_OF=()

# Each child gets its own session: a Ctrl-C in the terminal then reaches only
# this script, whose trap stops the children in order. (Celery handles SIGINT
# itself, and its exit would otherwise race the trap and read as a crash.)
start_child() {
    local name="$1"
    shift
    setsid "$@" &
    CHILDREN+=($!)
    NAME_OF[$!]="$name"
}

# Prints the pid of a child that has ended, if any.
ended_child() {
    local pid
    for pid in "${CHILDREN[@]}"; do
        if ! kill -0 "$pid" 2>/dev/null; then echo "$pid"; return 0; fi
    done
    return 1
}

all_children_ended() {
    local pid
    for pid in "${CHILDREN[@]}"; do kill -0 "$pid" 2>/dev/null && return 1; done
    return 0
}

# A child ending on its own is a failure: exit with its status (1 if it
# claimed success), and the EXIT trap stops the others.
child_ended() {
    local pid="$1" status=0
    wait "$pid" || status=$?
    echo "The ${NAME_OF[$pid]} stopped (exit status $status); stopping the rest." \
        "Celery logs: .local/celery/*.log" >&2
    if [ "$status" -eq 0 ]; then status=1; fi
    exit "$status"
}

cleanup() {
    local status=$?
    trap - EXIT
    trap '' INT TERM HUP # a second Ctrl-C must not leave services half-stopped
    step "Stopping"
    if [ ${#CHILDREN[@]} -gt 0 ]; then
        kill "${CHILDREN[@]}" 2>/dev/null || true
        # The Celery worker finishes its running tasks on TERM: allow 15 s.
        for _ in $(seq 150); do
            all_children_ended && break
            sleep 0.1
        done
        kill -KILL "${CHILDREN[@]}" 2>/dev/null || true
        wait "${CHILDREN[@]}" 2>/dev/null || true
    fi
    stop_started_services
    exit "$status"
}
# In place before any service starts, so Ctrl-C during the migration or the
# demo load stops PostgreSQL and Redis too.
trap cleanup EXIT
exit_on_signals

ensure_debian_packages
ensure_virtualenv requirements.txt
ensure_services civic

step "Compiling translations"
python manage.py compilemessages --ignore=.venv --ignore=.local -v 0
step "Migrating the database"
python manage.py migrate --noinput
step "Loading the demo"
python manage.py load_demo

step "Starting the Celery worker and beat"
mkdir -p "$LOCAL/celery"
start_child "Celery worker" celery -A civic worker -Q default,ingest,evidence -c 2 -l warning \
    >"$LOCAL/celery/worker.log" 2>&1
start_child "Celery beat" celery -A civic beat -l warning -s "$LOCAL/celery/beat-schedule" \
    >"$LOCAL/celery/beat.log" 2>&1

step "Starting the web server"
# --insecure: the static files (Leaflet, htmx, our CSS) are served by runserver
# although DEBUG is off; production serves them from STATIC_ROOT instead.
start_child "web server" python manage.py runserver "$HOST:$PORT" --noreload --insecure

# The banner promises a working URL: wait until the server answers (any HTTP
# status will do). The home page, not /healthz: that one answers 503, loudly
# logged, until the worker is up. curl may be missing on a fresh machine, the
# virtualenv's Python is not.
web_answers() {
    python - "http://$HOST:$PORT/" <<'PY'
import sys
import urllib.error
import urllib.request

opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    opener.open(sys.argv[1], timeout=3)
except urllib.error.HTTPError:
    pass
except Exception:
    sys.exit(1)
PY
}
deadline=$((SECONDS + 30))
until web_answers; do
    if pid="$(ended_child)"; then child_ended "$pid"; fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        die "The web server did not answer on http://$HOST:$PORT/ within 30 s."
    fi
    sleep 0.5
done

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

# Everything runs until Ctrl-C (the signal trap exits 130 and cleans up).
# `wait -n` would miss a child that ended before it was called, so look
# once a second instead.
while :; do
    if pid="$(ended_child)"; then child_ended "$pid"; fi
    sleep 1
done
