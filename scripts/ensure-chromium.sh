#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium through playwright-core; install it where it is
# missing and we may.
set -euo pipefail
if [ -n "${FLYWHEEL_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "flywheel setup: installing Chromium for the console's browser tests (apt-get install chromium)" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  exit 0
fi
echo "flywheel setup: Chromium not found: install it (apt-get install -y chromium)" \
  "or set FLYWHEEL_CHROMIUM to a Chromium binary" >&2
exit 1
