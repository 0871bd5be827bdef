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
STARTED_PG=0
STARTED_REDIS=0
mkdir -p "$LOCAL"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
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
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
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

pg_running() { [ -f "$PGDATA/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

# A private cluster owned by the postgres system user (initdb refuses root).
start_private_postgres() {
    PGDATA="$LOCAL/pg/data"
    local sockets="$LOCAL/pg/run"
    mkdir -p "$LOCAL/pg"
    # The postgres user must be able to reach the checkout; if a parent folder
    # is private (e.g. under /root) keep the cluster in /var/tmp and link it.
    if ! as_postgres test -x "$LOCAL" 2>/dev/null; then
        local outside="/var/tmp/civic-pg-$(echo "$ROOT" | sha1sum | cut -c1-10)"
        as_root mkdir -p "$outside"
        as_root chown postgres:postgres "$outside"
        PGDATA="$outside/data"
        sockets="$outside/run"
        ln -sfn "$outside" "$LOCAL/pg/outside"
    fi
    as_root mkdir -p "$sockets"
    as_root chown postgres:postgres "$LOCAL/pg" "$sockets"
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        step "Creating a private PostgreSQL cluster in $PGDATA"
        as_root mkdir -p "$PGDATA" && as_root chown postgres:postgres "$PGDATA"
        as_postgres "$PG_BIN/initdb" -D "$PGDATA" -A trust -U postgres -E UTF8 >/dev/null
    fi
    if ! pg_running; then
        step "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
        as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/../postgres.log" -w \
            -o "-p $PG_PORT -k $sockets -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start >/dev/null
        STARTED_PG=1
    fi
    local db="${1:-civic}"
    if ! psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "select 1 from pg_database where datname='$db'" | grep -q 1; then
        psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "create database $db"
    fi
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$db" -qc "create extension if not exists postgis" >/dev/null
    export DATABASE_URL="postgis://postgres@127.0.0.1:$PG_PORT/$db"
}

start_private_redis() {
    mkdir -p "$LOCAL/redis"
    if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        step "Starting Redis on 127.0.0.1:$REDIS_PORT"
        redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$LOCAL/redis" \
            --daemonize yes --pidfile "$LOCAL/redis/redis.pid" --logfile "$LOCAL/redis/redis.log" \
            --save "" --appendonly no >/dev/null
        for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
        STARTED_REDIS=1
    fi
    export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
}

ensure_services() {
    local db="$1"
    if [ -z "${DATABASE_URL:-}" ]; then start_private_postgres "$db"; else step "Using DATABASE_URL"; fi
    if [ -z "${REDIS_URL:-}" ]; then start_private_redis; else step "Using REDIS_URL"; fi
}

# Stops only what this script started, so an outer `run` keeps its services.
stop_started_services() {
    if [ "$STARTED_REDIS" = 1 ]; then redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; fi
    if [ "$STARTED_PG" = 1 ]; then as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true; fi
}
