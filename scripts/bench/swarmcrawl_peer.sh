#!/usr/bin/env bash
# One swarmcrawl line of the crawl benchmark (../shared/bench/crawl contract):
# crawl $CRAWL_URL with a coordinator and N worker processes, all children of
# this script so the harness counts their CPU and memory, then exit.
# Usage: swarmcrawl_peer.sh WORKERS   (env: SWARMCRAWL_BIN, CONCURRENCY, THREADS)
set -euo pipefail
WORKERS="${1:-1}"
BIN="${SWARMCRAWL_BIN:?set SWARMCRAWL_BIN}"
cd "$CRAWL_OUT"
cat >spec.json <<SPEC
{"name": "bench", "seeds": ["$CRAWL_URL"], "delay_ms": 0, "response_time_factor": 0, "concurrency": ${CONCURRENCY:-32},
 "max_depth": 1000, "max_pages": 100000000, "user_agent": "swarmcrawl/0.1 (bench)"}
SPEC
"$BIN" crawl submit spec.json --db bench.db >/dev/null
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
# Each process's own peak RSS and CPU (the harness sees only the largest and the sum).
MEASURE=(/usr/bin/time -a -o "$CRAWL_OUT/processes.txt" -f "%C: peak RSS %M KB, CPU %U+%S s")
"${MEASURE[@]}" "$BIN" coordinator --db bench.db --bind "tcp://127.0.0.1:$PORT" --exit-when-done \
  --lease-size "${LEASE_SIZE:-256}" -q &
COORD=$!
for _ in $(seq 1 100); do [ -s bench.db.curve ] && break; sleep 0.05; done
KEY="$(sed -n 's/^public: //p' bench.db.curve)"
PIDS=()
for i in $(seq 1 "$WORKERS"); do
  "${MEASURE[@]}" "$BIN" worker --coordinator "tcp://127.0.0.1:$PORT" --coordinator-key "$KEY" \
    --key "worker-$i.key" --spool "worker-$i.db" --allow-private-networks --exit-on-bye \
    --no-progress -q ${THREADS:+--threads "$THREADS"} &
  PIDS+=($!)
done
wait "$COORD"
for pid in "${PIDS[@]}"; do wait "$pid" || true; done
"$BIN" crawl status bench --db bench.db
sed -E 's/ --coordinator-key [^ ]+//' "$CRAWL_OUT/processes.txt"
