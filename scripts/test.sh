#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite through ctest.
# Usage: scripts/test.sh [--sanitize]   (--sanitize: the ASan+UBSan build)
# Exits non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
DIR="$("$ROOT/scripts/build.sh" "$@" | tail -n 1)"
cd "$DIR"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --output-on-failure -j "$(nproc)" --timeout 900
