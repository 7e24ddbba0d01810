#!/usr/bin/env bash
# Frontier at scale: insert-with-dedup rate, coordinator RSS and lease
# selection cost with the real Store and Frontier (the workload is described
# at the top of scripts/bench/frontier_bench.cc).
#   scripts/bench/frontier.sh [N ...] [-- frontier_bench options]
# Default N: 1000000 10000000 (new frontier rows per run; each run also times
# 20,000 leases over 100,000 hosts). Every run is bounded by --max-seconds
# (default 1800). Full outputs go to $OUT (default /tmp/swarmcrawl-bench/frontier);
# the databases live in fresh mkdtemp directories under $TMPDIR (default /tmp)
# and are removed after each run (pass -- --keep to keep them).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="$ROOT/build/frontier_bench"
if [ ! -x "$BIN" ]; then
  "$ROOT/scripts/build.sh" >/dev/null
else
  cmake --build "$ROOT/build" --target frontier_bench -j "$(nproc)" >/dev/null
fi

SIZES=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do SIZES+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000000 10000000)
OUT="${OUT:-/tmp/swarmcrawl-bench/frontier}"
mkdir -p "$OUT"

TMP="${TMPDIR:-/tmp}"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), \
$(awk '/MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo), \
$(df -h --output=avail "$TMP" | tail -n 1 | tr -d ' ') free on $TMP ($(df --output=source "$TMP" | tail -n 1)), \
$(uname -sr)"
echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (with local changes)')"
echo

for n in "${SIZES[@]}"; do
  log="$OUT/frontier-$n.txt"
  echo "== --urls $n (log: $log)"
  "$BIN" --urls "$n" "$@" | tee "$log" | grep -E '^sqlite|^ +[0-9]+ |^load |^transaction|^statements|^check|^EXPLAIN|^    [A-Z]|^lease phase|^host pick|^NextLease|^end'
  echo
done

# One row per run, from each log's SUMMARY line.
field() { sed -n 's/^SUMMARY.* '"$2"'=\([^ ]*\).*/\1/p' "$1"; }
printf '| new rows | offered links | offered links/s | new rows/s | frontier s | VmRSS after load | VmHWM | db+wal | batch tx p50 / p99 / max | host pick p50 / p99 | NextLease p50 / p99 | NextLease+COMMIT p50 / p99 |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for n in "${SIZES[@]}"; do
  l="$OUT/frontier-$n.txt"
  stop=""
  [ "$(field "$l" time_stop)" = "1" ] && stop=" (time bound hit)"
  printf '| %s%s | %s | %s | %s | %s | %s MiB | %s MiB | %s MiB | %s / %s / %s ms | %s / %s µs | %s / %s µs | %s / %s µs |\n' \
    "$(field "$l" inserted)" "$stop" "$(field "$l" offered)" "$(field "$l" offered_per_s)" \
    "$(field "$l" inserted_per_s)" "$(field "$l" tx_s)" "$(field "$l" load_rss_mib)" \
    "$(field "$l" hwm_mib)" "$(field "$l" db_mib)" "$(field "$l" tx_p50_ms)" \
    "$(field "$l" tx_p99_ms)" "$(field "$l" tx_max_ms)" "$(field "$l" pick_p50_us)" \
    "$(field "$l" pick_p99_us)" "$(field "$l" lease_p50_us)" "$(field "$l" lease_p99_us)" \
    "$(field "$l" lease_commit_p50_us)" "$(field "$l" lease_commit_p99_us)"
done
