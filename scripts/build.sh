#!/usr/bin/env bash
# Configures and builds swarmcrawl. Usage: scripts/build.sh [--sanitize]
# Release build in build/, ASan+UBSan build in build-asan/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/build"
FLAGS=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  DIR="$ROOT/build-asan"
  FLAGS=(-DCMAKE_BUILD_TYPE=Debug -DSWARMCRAWL_SANITIZE=ON)
fi
cmake -S "$ROOT" -B "$DIR" "${FLAGS[@]}" >/dev/null
cmake --build "$DIR" -j "$(nproc)"
echo "$DIR"
