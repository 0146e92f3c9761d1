#!/usr/bin/env bash
# The embedded default: installs, migrates a SQLite database under var/, loads demo data, runs jobs in-process,
# and serves the API (and the PWA when built) on http://127.0.0.1:8000/ (HOST / PORT to change).
set -euo pipefail
cd "$(dirname "$0")/.."
infra/install.sh
unset DATABASE_URL REDIS_URL
.venv/bin/openccus migrate
.venv/bin/openccus demo-data
exec .venv/bin/openccus serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
