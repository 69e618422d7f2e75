#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up, typecheck, lint, unit and integration tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/bootstrap.sh
. scripts/bootstrap.sh
scripts/ensure-postgres.sh
scripts/ensure-chromium.sh
scripts/ensure-versitygw.sh >/dev/null
scripts/ensure-python-torch.sh
echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
echo "== lint"
npx biome check .
echo "== tests"
npx vitest run "$@"
