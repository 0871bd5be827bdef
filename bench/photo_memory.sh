#!/usr/bin/env bash
# Peak memory of a photo upload (issue 8 point 5), in one command: bash bench/photo_memory.sh
# Same private PostgreSQL+Redis as scripts/test.sh, in the bench's own database
# (civic_bench, or BENCH_DB); every case's rows are rolled back. Options go to
# photo_memory.py (python bench/photo_memory.py --help).
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"

step "Migrations into $BENCH_DB"
python manage.py migrate -v 0

step "Photo upload memory"
python bench/photo_memory.py "$@"
