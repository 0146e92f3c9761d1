#!/usr/bin/env bash
# Regenerates the PWA's API types from the API's own OpenAPI document:
#   src/contract/openapi.json  the document, exactly as the service serves it (`openccus openapi`)
#   src/contract/api.d.ts      its types (openapi-typescript), which src/types.ts re-exports by name
# tests/api/test_openapi.py fails when either is out of date with the code: run this and commit both.
set -euo pipefail
cd "$(dirname "$0")/.."
../.venv/bin/openccus openapi --out src/contract/openapi.json
npx --no-install openapi-typescript src/contract/openapi.json -o src/contract/api.d.ts --alphabetize >/dev/null
echo "pwa: API types written to src/contract/api.d.ts"
