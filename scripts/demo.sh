#!/usr/bin/env bash
# The main job on one machine: installs, builds, serves the bundled sample site
# on 127.0.0.1, starts a coordinator and two worker processes (each with its own
# contributor key), crawls the site, exports the dataset to JSON Lines and
# prints a summary. Every process it starts is stopped on exit.
# Usage: scripts/demo.sh [PAGES]   (default 600 pages)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PAGES="${1:-600}"
"$ROOT/scripts/setup.sh"
BUILD="$("$ROOT/scripts/build.sh" | tail -n 1)"
BIN="$BUILD/swarmcrawl"
SITE="$BUILD/tests/fixture_server"
OUT="${DEMO_OUT:-$ROOT/out}"
WORK="$(mktemp -d /tmp/swarmcrawl-demo.XXXXXX)"
mkdir -p "$OUT"

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for_file() {  # file, seconds
  for _ in $(seq 1 $(($2 * 10))); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "demo: timed out waiting for $1" >&2; return 1
}

echo "== serving the sample site ($PAGES pages) on 127.0.0.1"
"$SITE" --port 0 --port-file "$WORK/site.port" --pages "$PAGES" --access-log "$WORK/access.log" \
  >"$WORK/site.log" 2>&1 &
PIDS+=($!)
wait_for_file "$WORK/site.port" 10
SITE_PORT="$(cat "$WORK/site.port")"

cat >"$WORK/demo.json" <<SPEC
{
  "name": "demo",
  "seeds": ["http://127.0.0.1:$SITE_PORT/"],
  "max_pages": 5000,
  "max_depth": 30,
  "delay_ms": 0,
  "response_time_factor": 0,
  "concurrency": 8,
  "user_agent": "swarmcrawl/0.1 (demo)"
}
SPEC
DB="$WORK/coordinator.db"
"$BIN" crawl submit "$WORK/demo.json" --db "$DB"

echo "== starting the coordinator (CurveZMQ) and two workers"
CPORT="$(free_port)"
"$BIN" coordinator --db "$DB" --bind "tcp://127.0.0.1:$CPORT" --exit-when-done \
  >"$WORK/coordinator.log" 2>&1 &
COORD=$!
PIDS+=($COORD)
wait_for_file "$DB.curve" 10
COORD_KEY="$(sed -n 's/^public: //p' "$DB.curve")"
T0=$(date +%s.%N)
WORKERS=()
for i in 1 2; do
  "$BIN" worker --coordinator "tcp://127.0.0.1:$CPORT" --coordinator-key "$COORD_KEY" \
    --key "$WORK/contributor-$i.key" --name "contributor-$i" --spool "$WORK/worker-$i.db" \
    --allow-private-networks --exit-on-bye --no-progress >"$WORK/worker-$i.log" 2>&1 &
  WORKERS+=($!)
  PIDS+=($!)
done

# Live progress from the coordinator's own status, until the crawl is done
# (one updating line on a terminal, one line per update otherwise).
END='\r'; [ -t 1 ] || END='\n'
for _ in $(seq 1 600); do
  if ! kill -0 "$COORD" 2>/dev/null; then break; fi
  "$BIN" crawl status demo --db "$DB" --json 2>/dev/null | python3 -c '
import json,sys; s=json.load(sys.stdin); b=s["by_state"]
end=sys.argv[1].replace("\\r","\r").replace("\\n","\n")
print("   %-9s records %6d   queued %6d   leased %4d   failed %4d   excluded %4d" % (s["state"], s["records"], b.get("queued",0), b.get("leased",0), b.get("failed",0), b.get("excluded",0)), end=end, flush=True)' "$END" || true
  sleep 0.5
done
[ -t 1 ] && echo
wait "$COORD" || { echo "demo: the coordinator failed; see $WORK/coordinator.log" >&2; exit 1; }
for pid in "${WORKERS[@]}"; do wait "$pid" || true; done
T1=$(date +%s.%N)

echo "== exporting the dataset"
"$BIN" export --db "$DB" --crawl demo --out "$OUT/demo.jsonl"
"$BIN" export --db "$DB" --crawl demo --out "$OUT/demo.warc.gz" --format warc
python3 - "$OUT/demo.jsonl" <<'PY'
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
langs = collections.Counter(r["language"]["code"] for r in recs)
dups = sum(1 for r in recs if r["dedup"]["duplicate_of"] is not None)
good = sum(1 for r in recs if r["quality"]["quality_score"] >= 0.75)
print("  dataset: %d records, languages %s, %d near/exact duplicates, %d with quality_score >= 0.75"
      % (len(recs), dict(langs.most_common(3)), dups, good))
PY

echo "== summary"
"$BIN" crawl status demo --db "$DB"
"$BIN" crawl status demo --db "$DB" --json | python3 -c '
import json,sys
s=json.load(sys.stdin); secs=float(sys.argv[1])-float(sys.argv[2]); lines=sum(1 for _ in open(sys.argv[3]))
print("  pages: %d   bytes: %.1f MB   seconds: %.1f   pages/s: %.0f   records written: %d (%s)" %
      (s["records"], s["bytes"]/1e6, secs, s["records"]/max(secs,1e-3), lines, sys.argv[3]))' "$T1" "$T0" "$OUT/demo.jsonl"
echo "== credit per contributor"
"$BIN" credits --db "$DB"
echo "(logs and databases: $WORK)"
