#!/usr/bin/env bash
# Installs swarmcrawl's build and test dependencies from Debian packages.
# Idempotent: packages already installed are skipped, and apt is not touched
# at all when everything is present.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev   # fetcher (multi interface, URL API)
  libgumbo-dev           # HTML5 parser
  libzmq3-dev cppzmq-dev # wire protocol (CurveZMQ)
  libsqlite3-dev         # coordinator state, worker spool
  libssl-dev             # SHA-256, Ed25519
  nlohmann-json3-dev     # JSON
  libcli11-dev           # command line
  libcpp-httplib-dev     # the coordinator HTTP API, worker status, test HTTP servers
  libxml2-dev            # sitemaps and feeds
  libpsl-dev publicsuffix  # registrable domains (public suffix list)
  zlib1g-dev             # gzip (sitemaps, WARC)
  libbrotli-dev          # brotli bombs of the hostile test server (tests only)
  libzstd-dev zstd       # zstd-compressed JSON Lines export (the CLI checks it in tests)
  libcld2-dev            # language identification (CLD2)
  doctest-dev            # unit tests
  python3 python3-jsonschema  # schema validation in integration tests
  ca-certificates curl
  chromium               # the dashboard's browser test (driven by playwright-core from npm)
  clang libclang-rt-14-dev  # libFuzzer targets (scripts/fuzz.sh)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm run warcio, the independent WARC reader of the tests. A
# machine may already have Node.js from elsewhere (its npm then conflicts
# with Debian's), so Debian's are only installed when npm is absent.
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_modules() {
  local dir="$ROOT/tests/support/node"
  # Installed when missing, and again when the lock file changed since.
  if [ -f "$dir/package-lock.json" ] &&
     { [ ! -f "$dir/node_modules/.package-lock.json" ] ||
       [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; }; then
    echo "setup: npm ci in tests/support/node"
    npm ci --silent --no-audit --no-fund --prefix "$dir" >/dev/null
  fi
}

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  node_modules
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
node_modules
echo "setup: done"
