# Shared by scripts/run.sh and scripts/test.sh: install what is missing and
# start private PostgreSQL+PostGIS and Redis under .local/ unless
# DATABASE_URL / REDIS_URL point elsewhere. Sourced, not executed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
VENV="$ROOT/.venv"
PG_BIN=/usr/lib/postgresql/15/bin
PG_PORT="${CIVIC_PG_PORT:-54329}"
REDIS_PORT="${CIVIC_REDIS_PORT:-63799}"
REDIS_DIR="$LOCAL/redis"
REDIS_PIDFILE="$REDIS_DIR/redis.pid"
# Set before a start is attempted, so an interrupted start is still stopped.
STARTED_PG=0
STARTED_REDIS=0
mkdir -p "$LOCAL"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# Stops the script with a message; the callers' EXIT trap stops what was started.
die() {
    printf '\n\033[1;31mError:\033[0m %s\n' "$1" >&2
    shift
    if [ $# -gt 0 ]; then printf '       %s\n' "$@" >&2; fi
    exit 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# True when something accepts TCP connections on host:port. Bash's /dev/tcp
# works on a fresh machine, where ss, netstat and curl may be missing.
port_busy() {
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# The callers' cleanup runs from their EXIT trap; turning the signals into an
# exit makes it run on Ctrl-C, kill and a closed terminal too, with the usual
# 128+signal status.
exit_on_signals() {
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
}

# Debian packages: only the missing ones, so a second run costs nothing.
ensure_debian_packages() {
    local wanted=(postgresql-15-postgis-3 postgresql-15 gdal-bin redis-server gettext python3-venv "$@")
    local missing=()
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        step "Installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        # Through env: sudo's env_reset would drop a variable set in front of it.
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
}

# The virtualenv is rebuilt only when the requirements file changes.
ensure_virtualenv() {
    local reqs="$1"
    local stamp="$VENV/.installed-$(basename "$reqs")"
    local digest
    digest="$(cat "$ROOT/requirements.txt" "$ROOT/$reqs" | sha256sum | cut -d' ' -f1)"
    if [ ! -x "$VENV/bin/python" ]; then
        step "Creating virtualenv in .venv"
        python3 -m venv "$VENV"
    fi
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
        step "Installing Python requirements ($reqs)"
        "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/$reqs"
        echo "$digest" > "$stamp"
    fi
    export PATH="$VENV/bin:$PATH"
}

# PostgreSQL runs as the postgres system user (initdb and postgres refuse root).
as_postgres() { as_root runuser -u postgres -- "$@"; }

# Only pg_ctl can tell: the data folder is 0700 postgres, so a non-root user
# cannot even see postmaster.pid. Answers 3 when stopped, 4 without a cluster.
pg_running() { as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

pg_fail() {
    echo "--- last lines of $PG_LOG ---" >&2
    as_root tail -n 20 "$PG_LOG" >&2 2>/dev/null || true
    die "$1"
}

# A private cluster owned by the postgres system user (initdb refuses root).
start_private_postgres() {
    local home="$LOCAL/pg"
    # The postgres user must be able to reach the checkout; if a parent folder
    # is private (e.g. a 0700 home) keep the cluster in /var/tmp. The link to it
    # lives in .local itself, not in the folder chowned to postgres, so a
    # non-root user can still (re)create it on the next run.
    if ! as_postgres test -x "$LOCAL" 2>/dev/null; then
        home="/var/tmp/civic-pg-$(echo "$ROOT" | sha1sum | cut -c1-10)"
        if [ "$(readlink "$LOCAL/pg-outside" 2>/dev/null)" != "$home" ]; then
            ln -sfn "$home" "$LOCAL/pg-outside"
        fi
    fi
    PGDATA="$home/data"
    PG_LOG="$home/postgres.log"
    local sockets="$home/run"
    as_root mkdir -p "$home" "$sockets"
    as_root chown postgres:postgres "$home" "$sockets"
    if ! as_postgres test -f "$PGDATA/PG_VERSION"; then
        step "Creating a private PostgreSQL cluster in $PGDATA"
        as_root mkdir -p "$PGDATA" && as_root chown postgres:postgres "$PGDATA"
        as_postgres "$PG_BIN/initdb" -D "$PGDATA" -A trust -U postgres -E UTF8 >/dev/null
    fi
    if pg_running; then
        # Ours already runs (an earlier run, or run.sh while test.sh starts):
        # reuse it, but only if it listens where we are about to connect.
        local running_port
        running_port="$(as_postgres sed -n 4p "$PGDATA/postmaster.pid" 2>/dev/null || true)"
        if [ -n "$running_port" ] && [ "$running_port" != "$PG_PORT" ]; then
            die "This checkout's PostgreSQL already runs on port $running_port, not $PG_PORT." \
                "Use CIVIC_PG_PORT=$running_port, or stop it: as postgres, $PG_BIN/pg_ctl -D $PGDATA stop"
        fi
        # Clusters started by older versions of these scripts ran with fsync=off,
        # which can corrupt the demo's data on a crash; say so rather than reuse it silently.
        if [ "$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc 'show fsync' 2>/dev/null || true)" = off ]; then
            echo "Warning: this checkout's PostgreSQL runs with fsync=off (started by an older script);" >&2
            echo "         stop it (as postgres: $PG_BIN/pg_ctl -D $PGDATA stop) so the next run starts it safely." >&2
        fi
    else
        # Without this check another cluster on the port shows up as a
        # cryptic pg_ctl failure (or, worse, we would talk to it).
        if port_busy 127.0.0.1 "$PG_PORT"; then
            die "Port $PG_PORT is already in use by another program (not this checkout's PostgreSQL)." \
                "Set CIVIC_PG_PORT to a free port, or DATABASE_URL to use an existing PostGIS database."
        fi
        step "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
        # Durable defaults (fsync, synchronous_commit): this cluster holds what the
        # run command's users enter. The tests and the bench trade durability for
        # speed in their own sessions and databases instead (civic/settings/test.py,
        # bench/run.sh).
        STARTED_PG=1
        if ! as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PG_LOG" -w \
            -o "-p $PG_PORT -k $sockets -c listen_addresses=127.0.0.1" \
            start >/dev/null; then
            pg_fail "PostgreSQL did not start on port $PG_PORT (log above). If the port is taken, set CIVIC_PG_PORT to a free port."
        fi
    fi
    local db="${1:-civic}"
    # Compare the whole answer: `| grep -q` can end psql early under pipefail.
    if [ "$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "select 1 from pg_database where datname='$db'")" != 1 ]; then
        psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "create database $db"
    fi
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$db" -qc \
        "set client_min_messages = warning; create extension if not exists postgis"
    export DATABASE_URL="postgis://postgres@127.0.0.1:$PG_PORT/$db"
    # Tells the tests that this is the private cluster, whose settings they check.
    export CIVIC_PRIVATE_PG=1
}

redis_cli() { timeout 3 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@" 2>/dev/null; }

# Our Redis is the process named in .local/redis/redis.pid: still alive, still
# a redis-server, and the very one answering on REDIS_PORT. Anything else on
# the port (e.g. another checkout's private Redis) must not be shared: its
# Celery workers would take our tasks.
redis_is_ours() {
    local answering pid
    answering="$(redis_cli info server | tr -d '\r' | sed -n 's/^process_id://p' || true)"
    [ -n "$answering" ] || return 1
    if [ -f "$REDIS_PIDFILE" ]; then
        pid="$(cat "$REDIS_PIDFILE")"
        if [ "$pid" = "$answering" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = redis-server ]; then
            return 0
        fi
    fi
    # An instance whose pidfile was lost still names its working folder,
    # which is unique to this checkout; write the pidfile again.
    if [ "$(redis_cli config get dir | sed -n 2p || true)" = "$REDIS_DIR" ]; then
        echo "$answering" > "$REDIS_PIDFILE"
        return 0
    fi
    return 1
}

redis_fail() {
    echo "--- last lines of $REDIS_DIR/redis.log ---" >&2
    tail -n 20 "$REDIS_DIR/redis.log" >&2 2>/dev/null || true
    die "$1"
}

start_private_redis() {
    mkdir -p "$REDIS_DIR"
    export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
    if redis_is_ours; then
        return 0
    fi
    # Ours may still run on another port (a run with another CIVIC_REDIS_PORT);
    # a second one would overwrite its pidfile and leave it running unseen.
    local pid
    pid="$(cat "$REDIS_PIDFILE" 2>/dev/null || true)"
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = redis-server ]; then
        die "This checkout's Redis already runs (pid $pid) on another port than $REDIS_PORT." \
            "Stop it (kill $pid) or set CIVIC_REDIS_PORT to its port."
    fi
    if port_busy 127.0.0.1 "$REDIS_PORT"; then
        die "Port $REDIS_PORT is already in use by another program (not this checkout's Redis)." \
            "Set CIVIC_REDIS_PORT to a free port, or REDIS_URL to use an existing Redis."
    fi
    step "Starting Redis on 127.0.0.1:$REDIS_PORT"
    STARTED_REDIS=1
    # --daemonize returns before the server has bound its port, so a failure
    # only shows as the missing answer below.
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" \
        --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_DIR/redis.log" \
        --save "" --appendonly no >/dev/null ||
        redis_fail "redis-server refused to start."
    for _ in $(seq 50); do
        redis_is_ours && return 0
        sleep 0.1
    done
    redis_fail "Redis did not answer on port $REDIS_PORT within 5 s (log above). If the port is taken, set CIVIC_REDIS_PORT to a free port."
}

ensure_services() {
    local db="$1"
    if [ -z "${DATABASE_URL:-}" ]; then start_private_postgres "$db"; else step "Using DATABASE_URL"; fi
    if [ -z "${REDIS_URL:-}" ]; then start_private_redis; else step "Using REDIS_URL"; fi
}

# Stops only what this script started, so an outer `run` keeps its services.
stop_started_services() {
    # Shut down Redis only while it is still ours, never whatever took the port.
    if [ "$STARTED_REDIS" = 1 ] && redis_is_ours; then
        redis_cli shutdown nosave >/dev/null || true
    fi
    if [ "$STARTED_PG" = 1 ]; then as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true; fi
    STARTED_REDIS=0
    STARTED_PG=0
}
