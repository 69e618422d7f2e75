#!/usr/bin/env bash
# Every benchmark in turn, from a fresh clone: set-up, then each bench/*.ts with its figures on stdout
# (progress on stderr). Each prints the machine and the load average; each is bounded to a few minutes.
#   scripts/bench.sh                      # all of them
#   scripts/bench.sh concurrency trainer  # some, by name
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/bootstrap.sh
. scripts/bootstrap.sh

# name and arguments; the arguments keep each run to about three minutes on a two-core machine. The
# trainer's comparison with natural takes ~9 minutes there: run `node bench/trainer.ts` for it.
BENCHES=(
  "label-efficiency"
  "demo-cycle-training"
  "cycle-levers --settings previous-demo,lr0.12-share20"
  "orchestration-overhead"
  "concurrency"
  "rollout-abort"
  "gateway --rounds 9"
  "store-ingest --ceiling"
  "trainer --natural-runs 0"
  "review-console"
)

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=("${BENCHES[@]%% *}")
for name in "${wanted[@]}"; do
  found=""
  for entry in "${BENCHES[@]}"; do [ "${entry%% *}" = "$name" ] && found="$entry"; done
  if [ -z "$found" ]; then
    echo "scripts/bench.sh: no benchmark \"$name\" (have: ${BENCHES[*]%% *})" >&2
    exit 2
  fi
done

# store-ingest compares the embedded store with a throwaway PostgreSQL.
if printf '%s\n' "${wanted[@]}" | grep -qx store-ingest; then scripts/ensure-postgres.sh; fi
# review-console drives Debian's Chromium.
if printf '%s\n' "${wanted[@]}" | grep -qx review-console; then scripts/ensure-chromium.sh; fi

status=0
for name in "${wanted[@]}"; do
  for entry in "${BENCHES[@]}"; do
    [ "${entry%% *}" = "$name" ] || continue
    read -r -a args <<<"${entry#"$name"}"
    echo
    echo "== bench/$name.ts ${args[*]:-}"
    started=$SECONDS
    if ! "$FLYWHEEL_NODE" "bench/$name.ts" "${args[@]}"; then
      echo "bench/$name.ts failed" >&2
      status=1
    fi
    echo "($((SECONDS - started)) s)"
  done
done
exit $status
