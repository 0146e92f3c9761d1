#!/usr/bin/env bash
# Build the PWA into pwa/dist/ (served by the API at /). Idempotent and quick when nothing changed:
#   * installs Node.js and npm with apt-get only when `node` is missing (Debian bookworm ships Node 18.19);
#   * runs `npm ci` only when node_modules is missing or older than package-lock.json;
#   * runs `npm run build` only when a source, the lock file, or the API master data it reads is newer than dist/.
# FORCE=1 rebuilds regardless.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf 'pwa/build.sh: %s\n' "$*" >&2; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  log "installing nodejs and npm (apt-get)"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 18 ]; then
  log "Node.js $(node --version) is too old; 18.19 or newer is needed"
  exit 1
fi

# Dependencies: exactly the lock file.
stamp_modules=node_modules/.package-lock.json
if [ ! -f "$stamp_modules" ] || [ package-lock.json -nt "$stamp_modules" ] || [ package.json -nt "$stamp_modules" ]; then
  log "npm ci"
  if ! out=$(npm ci --no-audit --no-fund --loglevel=error 2>&1); then printf '%s\n' "$out" >&2; exit 1; fi
  touch "$stamp_modules"
fi

# The build's inputs: our sources, the lock file, and the API's master data (trades, qualifications, industries, and
# the error catalogue api/data/error_codes.csv + field_errors.csv).
# (A listed path that does not exist is ignored by find's 2>/dev/null.)
stamp=dist/.build-stamp
inputs=(index.html package.json package-lock.json tsconfig.json vite.config.ts build.sh src public scripts
        ../api/registration/data ../api/data ../api/keishin/data/qualifications.csv ../api/businesses/masters.py)
if [ "${FORCE:-0}" != "1" ] && [ -f "$stamp" ] && [ -f dist/index.html ] && [ -f dist/sw.js ]; then
  newer=$(find "${inputs[@]}" -newer "$stamp" -not -path 'src/generated/*' -print -quit 2>/dev/null || true)
  if [ -z "$newer" ]; then
    log "dist/ is up to date"
    exit 0
  fi
fi

log "npm run build"
if ! out=$(npm run --silent build 2>&1); then printf '%s\n' "$out" >&2; exit 1; fi
touch "$stamp"
log "built into pwa/dist/"
