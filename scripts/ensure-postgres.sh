#!/usr/bin/env bash
# The PostgreSQL tests start a throwaway cluster from the server binaries unless
# FLYWHEEL_TEST_DATABASE_URL is given; install the binaries where they are missing and we may.
set -euo pipefail
if [ -n "${FLYWHEEL_TEST_DATABASE_URL:-}" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "flywheel setup: installing PostgreSQL server binaries (apt-get install postgresql)" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  exit 0
fi
echo "flywheel setup: PostgreSQL server binaries not found: install them (apt-get install -y postgresql)" \
  "or set FLYWHEEL_TEST_DATABASE_URL to a database the tests may use" >&2
exit 1
