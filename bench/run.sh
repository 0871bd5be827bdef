#!/usr/bin/env bash
# The benchmark of issue 3 point 10, in one command: bash bench/run.sh
# Uses the same private PostgreSQL+Redis as scripts/test.sh, but its own
# database (civic_bench, or BENCH_DB), never the demo's. Options go to run.py
# (python bench/run.py --help); environment: BENCH_DAYS, BENCH_SENSORS, BENCH_KEEP.
# Then the impact evaluation bench (bench/evaluation.sh, its own database).
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"

step "Tuning knobs of the bench database only ($BENCH_DB)"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$BENCH_DB" -qc \
    "alter database $BENCH_DB set work_mem = '${BENCH_WORK_MEM:-64MB}'" -c \
    "alter database $BENCH_DB set maintenance_work_mem = '${BENCH_MAINTENANCE_WORK_MEM:-512MB}'" -c \
    "alter database $BENCH_DB set synchronous_commit = off"

step "Migrations into $BENCH_DB"
python manage.py migrate -v 0

step "Benchmark"
python bench/run.py "$@"

# The impact evaluation (issue 11 point 7), in a database of its own; BENCH_EVALUATION=0 skips it.
if [ "${BENCH_EVALUATION:-1}" != 0 ]; then
    step "Impact evaluation benchmark (bench/evaluation.sh)"
    BENCH_EVAL_DB=civic_bench_eval bash bench/evaluation.sh
fi
