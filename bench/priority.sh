#!/usr/bin/env bash
# The priority recompute benchmark: bash bench/priority.sh [--challenges N] [--periods P]
# Its own database (civic_bench, or BENCH_DB) like bench/run.sh; every row it
# makes is rolled back. Results: bench/priority_results.md.
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"

step "Migrations into $BENCH_DB"
python manage.py migrate -v 0

step "Priority benchmark"
python bench/priority.py "$@"
