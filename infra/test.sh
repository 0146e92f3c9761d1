#!/usr/bin/env bash
# Installs everything, checks the harness (lint, format, types, import contracts: infra/harness.py) and runs the whole
# test suite on real PostgreSQL, Redis and pcscd.
#   bash infra/test.sh          everything (what CI runs)
#   bash infra/test.sh --fast   the harness and the pure unit tests only (no services; about a minute)
# Uses the PostgreSQL on 127.0.0.1:5432 and the Redis on :6379 when they answer; otherwise starts throwaway ones
# under var/test-services/ and stops them afterwards. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
infra/install.sh --test
.venv/bin/python infra/harness.py
if [[ "${1:-}" == "--fast" ]]; then
  shift
  exec .venv/bin/python -m pytest -q -p no:cacheprovider --fast "$@"
fi
. infra/test-services.sh
start_test_services
trap stop_test_services EXIT

# A model change without its migration fails here, before any test runs.
before=$(git status --porcelain -- api/migrations 2>/dev/null || true)
.venv/bin/python -m tortoise -c api.tortoise_conf.TORTOISE_ORM makemigrations >/tmp/openccus-makemigrations.log 2>&1 || true
after=$(git status --porcelain -- api/migrations 2>/dev/null || true)
if [[ "$before" != "$after" ]]; then
  echo "A model changed without a migration (run: .venv/bin/python -m tortoise -c api.tortoise_conf.TORTOISE_ORM makemigrations)" >&2
  git status --porcelain -- api/migrations >&2
  exit 1
fi

# Two processes on the two cores (tests/workers.py gives each its own databases and keeps shared resources in one
# process); OPENCCUS_TEST_PROCESSES=0 runs everything in this one.
.venv/bin/python -m pytest -q -p no:cacheprovider -n "${OPENCCUS_TEST_PROCESSES:-2}" "$@"
