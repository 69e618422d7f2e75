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
# A test process that dies of a V8 or Node.js fatal error says why on stderr, often long before the
# summary. On failure that part is printed again at the end, where a reader of the run's tail looks.
stderr_log=$(mktemp)
trap 'rm -f "$stderr_log"' EXIT
set +e
{ npx vitest run "$@" 2>&1 1>&3 3>&- | tee "$stderr_log" >&2; } 3>&1
status=${PIPESTATUS[0]}
set -e
fatal='Fatal error|FATAL ERROR|Fatal JavaScript|Check failed|^abort: '
if [ "$status" -ne 0 ] && grep -qE "$fatal" "$stderr_log"; then
  echo "== a test process died of a fatal error; what it printed:" >&2
  grep -E -A 24 "$fatal" "$stderr_log" | head -100 >&2
fi
exit "$status"
