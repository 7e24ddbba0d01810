#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, coverage) in build-fuzz/ and
# runs each for SECONDS (default 60).
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: protocol robots sitemap url page
# Seeds: tests/fuzz/corpus/TARGET (read only). New inputs go to
# $OUT/TARGET/corpus (default OUT=/tmp/swarmcrawl-fuzz); a crash, leak or
# timeout writes $OUT/TARGET/crash-* (or leak-*, timeout-*) and makes this
# script exit non-zero. Once fixed, keep the input as a regression test:
#   cp $OUT/TARGET/crash-* tests/fuzz/regressions/TARGET/
# (tests/unit/fuzz_regression_test.cc runs every seed and regression input).
# FUZZ_SEED=N makes a run repeatable (0, the default, picks a random seed);
# CI uses a fixed seed and a fresh OUT, so it replays what was checked here.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH="${1:-60}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(protocol robots sitemap url page)
OUT="${OUT:-/tmp/swarmcrawl-fuzz}"
DIR="$ROOT/build-fuzz"

"$ROOT/scripts/setup.sh" >/dev/null
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSWARMCRAWL_FUZZ=ON -DSWARMCRAWL_WERROR=OFF >/dev/null
cmake --build "$DIR" -j "$(nproc)" --target "${TARGETS[@]/#/fuzz_}" >/dev/null

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$OUT/$t/corpus"
  echo "== fuzz_$t for ${SECONDS_EACH}s (corpus $OUT/$t/corpus, seeds tests/fuzz/corpus/$t)"
  if ! "$DIR/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" -seed="${FUZZ_SEED:-0}" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
      -print_final_stats=1 -artifact_prefix="$OUT/$t/" "$OUT/$t/corpus" "$ROOT/tests/fuzz/corpus/$t" \
      > "$OUT/$t/log.txt" 2>&1; then
    echo "   FAILED: see $OUT/$t/log.txt and $OUT/$t/"
    tail -n 30 "$OUT/$t/log.txt"
    status=1
  else
    grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$OUT/$t/log.txt" | sed 's/^/   /'
  fi
done
exit $status
