#!/usr/bin/env bash
# The S3 artifact-store tests serve S3 from a real server process: versitygw (Apache-2.0), built once from its
# Go module into the git-ignored .toolchain/. FLYWHEEL_VERSITYGW_PATH points at another binary instead.
# Prints the binary's path on stdout.
set -euo pipefail
VERSITYGW_VERSION="1.8.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${FLYWHEEL_VERSITYGW_PATH:-}" ]; then
  [ -x "$FLYWHEEL_VERSITYGW_PATH" ] || { echo "flywheel setup: FLYWHEEL_VERSITYGW_PATH=$FLYWHEEL_VERSITYGW_PATH is not an executable" >&2; exit 1; }
  echo "$FLYWHEEL_VERSITYGW_PATH"; exit 0
fi
dir="$ROOT/.toolchain/versitygw/$VERSITYGW_VERSION"
if [ -x "$dir/versitygw" ]; then echo "$dir/versitygw"; exit 0; fi
command -v go >/dev/null 2>&1 || {
  echo "flywheel setup: the S3 tests need versitygw $VERSITYGW_VERSION: install Go (it is built from its module)" \
    "or set FLYWHEEL_VERSITYGW_PATH to a versitygw binary" >&2
  exit 1
}
echo "flywheel setup: building versitygw $VERSITYGW_VERSION with Go (first run only, a few minutes)" >&2
mkdir -p "$dir"
GOBIN="$dir" GOFLAGS=-mod=mod go install "github.com/versity/versitygw/cmd/versitygw@v$VERSITYGW_VERSION" >&2
echo "$dir/versitygw"
