#!/usr/bin/env bash
# Runs the checks and the test suite against a real PostGIS and Redis,
# installing what is missing first. Extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
export DJANGO_SETTINGS_MODULE=civic.settings.test

# In place before any service starts, so Ctrl-C at any point stops what this
# script started (and leaves a running `run` alone).
trap stop_started_services EXIT
exit_on_signals

ensure_debian_packages chromium
ensure_virtualenv requirements-dev.txt
ensure_services civic

step "Lint and format (ruff)"
ruff check .
ruff format --check .
step "Import contracts (import-linter: civic imports no app, apps not each other)"
lint-imports --no-cache --no-logo
step "Translations and migrations"
python manage.py compilemessages --ignore=.venv --ignore=.local -v 0
python manage.py makemigrations --check --dry-run
step "Tests (pytest)"
set +e
python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure here." >&2
    exit 1
fi
exit "$status"
