#!/usr/bin/env bash
# Side-by-side crawl benchmark: swarmcrawl (coordinator + 1 worker, and
# coordinator + 2 workers) against wget, httrack, node crawler, Crawlee and
# Scrapy, on the synthetic site of ../shared/bench/crawl, in one run.
#   scripts/bench/crawl.sh [N] [harness options, e.g. --only swarmcrawl-1w]
# Defaults: N=20000, --no-variants. Results: the harness's report on stdout
# and in $RESULTS_DIR (default /tmp/swarmcrawl-bench/results).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HARNESS="$ROOT/../shared/bench/crawl"
[ -x "$HARNESS/bench.sh" ] || { echo "crawl.sh: needs $HARNESS (the shared benchmark harness)" >&2; exit 2; }
N="${1:-20000}"
shift || true
"$ROOT/scripts/setup.sh"
BUILD="$("$ROOT/scripts/build.sh" | tail -n 1)"
mkdir -p /tmp/swarmcrawl-bench
PEERS="/tmp/swarmcrawl-bench/peers.conf"
grep '^main|' "$HARNESS/peers.conf" >"$PEERS"
PEER="$ROOT/scripts/bench/swarmcrawl_peer.sh"
cat >>"$PEERS" <<LINES
main|swarmcrawl-1w|300|coordinator + 1 worker processes, CurveZMQ, SQLite, Gumbo parse of every page|SWARMCRAWL_BIN="$BUILD/swarmcrawl" "$PEER" 1
main|swarmcrawl-2w|300|coordinator + 2 worker processes|SWARMCRAWL_BIN="$BUILD/swarmcrawl" "$PEER" 2
LINES
export PEERS_FILE="$PEERS"
export RESULTS_DIR="${RESULTS_DIR:-/tmp/swarmcrawl-bench/results}"
exec "$HARNESS/bench.sh" "$N" --no-variants "$@"
