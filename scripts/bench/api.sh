#!/usr/bin/env bash
# HTTP API benchmark against a real crawl on this machine (loopback only):
#   1. the fixture site (N generated pages, default 20000), a coordinator with
#      --http and 2 worker processes crawl it at full speed;
#   2. while the crawl runs, api_bench status measures status latency
#      (p50/p99) at 50 requests/s for STATUS_SECONDS (default 20);
#   3. once the crawl is done, api_bench stream streams every record as
#      JSON Lines three times (MB/s), and `swarmcrawl export` to a file is
#      timed on the same data for comparison.
#   scripts/bench/api.sh [N]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="${1:-20000}"
STATUS_SECONDS="${STATUS_SECONDS:-20}"
BUILD="$("$ROOT/scripts/build.sh" | tail -n 1)"
cmake --build "$BUILD" --target api_bench fixture_server -j "$(nproc)" >/dev/null
BIN="$BUILD/swarmcrawl"
DIR="$(mktemp -d /tmp/swarmcrawl-api-bench-XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -sr)"
echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
"$BUILD/tests/fixture_server" --port 0 --port-file "$DIR/site.port" --pages "$N" --slow-ms 0 >"$DIR/site.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$DIR/site.port" ] && break; sleep 0.1; done
SITE="http://127.0.0.1:$(cat "$DIR/site.port")/"
cat >"$DIR/spec.json" <<SPEC
{"name": "bench", "seeds": ["$SITE"], "delay_ms": 0, "concurrency": 16, "max_depth": 50,
 "response_time_factor": 0, "user_agent": "swarmcrawl-bench/1.0"}
SPEC
"$BIN" crawl submit "$DIR/spec.json" --db "$DIR/c.db" >/dev/null
API_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ZMQ_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" coordinator --db "$DIR/c.db" --plaintext --bind "tcp://127.0.0.1:$ZMQ_PORT" \
  --http "127.0.0.1:$API_PORT" --exit-when-done -q >"$DIR/coordinator.log" 2>&1 &
COORD=$!
PIDS+=($COORD)
for i in 1 2; do
  "$BIN" worker --coordinator "tcp://127.0.0.1:$ZMQ_PORT" --plaintext --key "$DIR/w$i.key" \
    --spool "$DIR/w$i.db" --allow-address 127.0.0.1 --no-progress --exit-on-bye -q >"$DIR/w$i.log" 2>&1 &
  PIDS+=($!)
done
URL="http://127.0.0.1:$API_PORT"
for _ in $(seq 200); do curl -sf "$URL/api/v1/health" >/dev/null && break; sleep 0.1; done
# Let the crawl reach full speed first.
for _ in $(seq 600); do
  n=$(curl -sf "$URL/api/v1/crawls/bench" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])' 2>/dev/null || echo 0)
  [ "$n" -ge 500 ] && break
  sleep 0.1
done
echo
echo "== status latency while the crawl runs (2 workers, full speed)"
"$BUILD/api_bench" --url "$URL" --crawl bench status --seconds "$STATUS_SECONDS" --rate 50
echo
echo "== waiting for the crawl to finish"
# Keep the API up after the crawl: restart the coordinator without --exit-when-done once it exits.
for _ in $(seq 3000); do kill -0 "$COORD" 2>/dev/null || break; sleep 0.2; done
"$BIN" coordinator --db "$DIR/c.db" --plaintext --bind "tcp://127.0.0.1:$ZMQ_PORT" \
  --http "127.0.0.1:$API_PORT" -q >>"$DIR/coordinator.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do curl -sf "$URL/api/v1/health" >/dev/null && break; sleep 0.1; done
curl -sf "$URL/api/v1/crawls/bench" | python3 -c 'import json,sys; j=json.load(sys.stdin); print("crawl", j["state"], j["records"], "records,", j["bytes"], "body bytes")'
echo
echo "== streaming every record over HTTP (JSON Lines)"
"$BUILD/api_bench" --url "$URL" --crawl bench stream --runs 3
echo
echo "== the same records exported to a file (swarmcrawl export), for comparison"
start=$(date +%s.%N)
"$BIN" export --db "$DIR/c.db" --crawl bench --out "$DIR/export.jsonl" 2>/dev/null
end=$(date +%s.%N)
python3 - "$DIR/export.jsonl" "$start" "$end" <<'PY'
import os, sys
size = os.path.getsize(sys.argv[1]); s = float(sys.argv[3]) - float(sys.argv[2])
print(f"export to file: {size/1e6:.1f} MB in {s:.2f} s = {size/1e6/s:.1f} MB/s")
PY
