#!/usr/bin/env bash
# Main-content extraction quality and speed against two peers on the shared
# article-extraction benchmark (dev split; see ../shared/bench/extraction/README.md).
#   BUILD_DIR=build scripts/bench/extract.sh [--skip-peers]
# Runs $BUILD_DIR/extract_bench (built beforehand; this script builds nothing),
# readability-lxml (Debian python3-readability) and Readability.js (npm ci into
# a temporary copy of the read-only peers/node directory), then scores all
# three with one score.py call. Outputs go to $OUT (default
# /tmp/swarmcrawl-bench/extract); peer outputs are reused when present
# (delete them to re-run a peer).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BENCH="$(cd "$HERE/../../../shared/bench/extraction" && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
BIN="$BUILD_DIR/extract_bench"
OUT="${OUT:-/tmp/swarmcrawl-bench/extract}"
HTML="$BENCH/aeb-dev/html"
GT="$BENCH/aeb-dev/ground-truth.json"
SKIP_PEERS=0
[ "${1:-}" = "--skip-peers" ] && SKIP_PEERS=1

if [ ! -x "$BIN" ]; then
  echo "missing $BIN: build the extract_bench target first (BUILD_DIR=$BUILD_DIR)" >&2
  exit 1
fi
mkdir -p "$OUT"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== swarmcrawl (extract_bench, best of 3 passes)"
"$BIN" --html-dir "$HTML" --out "$OUT/swarmcrawl.json" --passes 3

PREDS=("$OUT/swarmcrawl.json")
NAMES=(--name swarmcrawl)
if [ "$SKIP_PEERS" = 0 ]; then
  echo "== readability-lxml"
  if [ ! -s "$OUT/readability_lxml.json" ]; then
    if ! /usr/bin/python3 -c 'import readability, lxml, html_text' 2>/dev/null; then
      apt-get install -y python3-readability python3-lxml python3-html-text >/dev/null
    fi
    /usr/bin/python3 "$BENCH/peers/python/run_py_peer.py" --extractor readability-lxml \
      --html-dir "$HTML" --out "$OUT/readability_lxml.json" --meta "$OUT/readability_lxml.meta.json"
  fi
  PREDS+=("$OUT/readability_lxml.json")
  NAMES+=(--name readability-lxml)

  echo "== Readability.js"
  if [ ! -s "$OUT/readability_js.json" ]; then
    NODE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/extract-peers.XXXXXX")"
    trap 'rm -rf "$NODE_DIR"' EXIT
    cp "$BENCH/peers/node/package.json" "$BENCH/peers/node/package-lock.json" \
       "$BENCH/peers/node/run_node_peer.mjs" "$NODE_DIR/"
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    (cd "$NODE_DIR" && node run_node_peer.mjs --extractor readability --html-dir "$HTML" \
       --out "$OUT/readability_js.json" --meta "$OUT/readability_js.meta.json")
  fi
  PREDS+=("$OUT/readability_js.json")
  NAMES+=(--name readability-js)
fi

echo "== scores (dev split, $(ls "$HTML" | wc -l) pages)"
python3 "$BENCH/score.py" --gt "$GT" --html-dir "$HTML" --per-item "$OUT/items" \
  "${NAMES[@]}" "${PREDS[@]}"
