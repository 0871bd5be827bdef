#!/usr/bin/env bash
# The readings CSV import against a plain COPY (issue 9 point 7), in one command:
# bash bench/csv_import.sh. Same private PostgreSQL+Redis as scripts/test.sh, in
# the bench's own database (civic_bench, or BENCH_DB), with run.sh's knobs; the
# readings are truncated at the end. Options go to csv_import.py (--help).
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"

step "Tuning knobs of the bench database only ($BENCH_DB)"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$BENCH_DB" -qc \
    "alter database $BENCH_DB set work_mem = '${BENCH_WORK_MEM:-64MB}'" -c \
    "alter database $BENCH_DB set maintenance_work_mem = '${BENCH_MAINTENANCE_WORK_MEM:-512MB}'" -c \
    "alter database $BENCH_DB set synchronous_commit = off"

step "Migrations into $BENCH_DB"
python manage.py migrate -v 0

step "CSV import against COPY"
python bench/csv_import.py "$@"
