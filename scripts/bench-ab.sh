#!/usr/bin/env bash
# Two builds of the hub, alternated on one data directory under the README's members query, so that a
# change to the cold path is measured against the code before it in the same run (the machine is
# shared and noisy: compare medians of the pairs, not single rounds).
#
#   scripts/bench-ab.sh OLD_BINARY NEW_BINARY [ROUNDS]
#
# HUB_DATA_DIR must hold a seeded hub whose index is built: for the figures of docs/benchmarks.md,
#   HUB_DATA_DIR=$dir bin/hub migrate && HUB_DATA_DIR=$dir bin/hub seed --demo &&
#   HUB_DATA_DIR=$dir bin/hub seed --synthetic 100000, ANALYZE, and one `bin/hub serve` until
#   "search: index rebuilt".
# Each round starts one binary (response cache off, no rate limits), warms it for 3 s, loads it with
# wrk (2 threads, 20 connections, BENCH_AB_DURATION seconds, 10 by default) and prints requests/s, p50
# and p99 in ms, the hub's CPU per request (from /proc) and its allocations per request (from
# go_memstats_mallocs_total); rounds alternate ABBA.
set -euo pipefail
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
case ${1:-} in -h | --help) usage; exit 0 ;; esac
[ $# -ge 2 ] || { usage >&2; exit 2; }
: "${HUB_DATA_DIR:?set HUB_DATA_DIR to the data directory of a seeded hub}"
old=$1 new=$2 rounds=${3:-4} duration=${BENCH_AB_DURATION:-10} port=${BENCH_AB_PORT:-18580}
here=$(cd "$(dirname "$0")" && pwd)
export HUB_DATA_DIR HUB_ADDR=localhost:$port HUB_RESPONSE_CACHE_BYTES=0 HUB_RATE_LIMIT=0 HUB_TOKEN_RATE_LIMIT=0 HUB_LOG_LEVEL=warn
body=$(mktemp) && trap 'rm -f "$body"' EXIT
python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read().strip()}))' "$here/bench-peers/hub.graphql" > "$body"
tck=$(getconf CLK_TCK)
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
mallocs() { curl -s "localhost:$port/metrics" | awk '/^go_memstats_mallocs_total/ { printf "%d", $2 }'; }
load() { BENCH_BODY=$body wrk -t2 -c20 -d"$1"s --timeout 10s -s "$here/bench-peers/wrk.lua" "http://localhost:$port/graphql"; }
round() {
  "$1" serve >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do curl -sf "localhost:$port/readyz" >/dev/null && break; sleep 0.2; done
  load 3 >/dev/null
  local t0 m0 t1 m1 out
  t0=$(ticks $pid) m0=$(mallocs)
  out=$(load "$duration" | grep RESULT)
  t1=$(ticks $pid) m1=$(mallocs)
  kill $pid && wait $pid 2>/dev/null || true
  echo "$out" | awk -v t=$((t1 - t0)) -v tck="$tck" -v m=$((m1 - m0)) -v name="$2" '{ n = $2;
    printf "%s  requests/s %7.1f  p50 %6.2f ms  p99 %6.2f ms  CPU %5.2f ms/request  %6.0f allocations/request  non-2xx %d\n",
      name, n / $3, $4, $5, t * 1000 / tck / n, m / n, $6 }'
}
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then round "$old" old; round "$new" new; else round "$new" new; round "$old" old; fi
done
