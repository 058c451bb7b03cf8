#!/usr/bin/env bash
# The hub beside PostGraphile 5, on one PostgreSQL, the same tables and data and the same query (the
# README's members query), so that anyone can rerun the comparison of issue 14 "Ahead of PostGraphile".
#
#   scripts/bench-peers.sh               demo data and 100,000 synthetic practices, the hub's response
#                                        cache off and on, 3 alternated rounds of 10 s each
#   BENCH_PEERS_QUICK=1 scripts/bench-peers.sh   (or --quick) a smoke check: demo data, 1 round of 3 s
#
# For each data set it starts a private PostgreSQL as `make run` does (bin/hub on a fresh HUB_DATA_DIR
# under .bench/peers/), migrates, loads the demo data (and the synthetic practices), runs ANALYZE, and
# serves the same database through the hub and through PostGraphile (scripts/bench-peers/
# graphile.config.mjs). Before measuring it checks that both answer the same members, practices and
# tools (scripts/bench-peers/normalise.mjs, byte-compared), and stops if they do not. Then, after a
# warm-up of each, it loads each with wrk (20 connections), the two alternated round by round (ABBA, so
# neither always runs second), and prints the medians: requests/s, p50, p99, the CPU each server
# process and the cluster's PostgreSQL processes spent per request (from /proc), and hub/PostGraphile.
#
# Settings (environment): BENCH_PEERS_DATA ("demo 100k"), BENCH_PEERS_CACHE ("off on"),
# BENCH_PEERS_ROUNDS (3), BENCH_PEERS_DURATION (10, seconds a round), BENCH_PEERS_WARMUP (5, seconds),
# BENCH_PEERS_CONNECTIONS (20), BENCH_PEERS_PRACTICES (100000), BENCH_PEERS_CACHE_BYTES (67108864, the
# HUB_RESPONSE_CACHE_BYTES of "on"), BENCH_PEERS_HUB_PORT (18480), BENCH_PEERS_PG_PORT (18481),
# BENCH_PEERS_DIR (.bench/peers). PostGraphile and, where the machine's Node is older than 22, Node 22
# are installed from npm into BENCH_PEERS_DIR once and reused. Everything it starts stops when it ends.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
here=$root/scripts/bench-peers

quick=${BENCH_PEERS_QUICK:-0}
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-peers: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$quick" = 1 ]; then
  data_sets=${BENCH_PEERS_DATA:-demo} rounds=${BENCH_PEERS_ROUNDS:-1}
  duration=${BENCH_PEERS_DURATION:-3} warmup=${BENCH_PEERS_WARMUP:-2}
else
  data_sets=${BENCH_PEERS_DATA:-demo 100k} rounds=${BENCH_PEERS_ROUNDS:-3}
  duration=${BENCH_PEERS_DURATION:-10} warmup=${BENCH_PEERS_WARMUP:-5}
fi
caches=${BENCH_PEERS_CACHE:-off on}
connections=${BENCH_PEERS_CONNECTIONS:-20}
practices=${BENCH_PEERS_PRACTICES:-100000}
cache_bytes=${BENCH_PEERS_CACHE_BYTES:-67108864}
hub_port=${BENCH_PEERS_HUB_PORT:-18480}
pg_port=${BENCH_PEERS_PG_PORT:-18481}
work=${BENCH_PEERS_DIR:-$root/.bench/peers}
mkdir -p "$work"
work=$(cd "$work" && pwd)

say() { printf '%s bench-peers: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }

# --- what runs, and how it all stops --------------------------------------------------------------

hub_pid= pg_pid=
stop_servers() {
  # PostGraphile first: the hub's SIGTERM stops the private PostgreSQL PostGraphile is connected to.
  if [ -n "$pg_pid" ]; then kill "$pg_pid" 2>/dev/null || true; wait "$pg_pid" 2>/dev/null || true; fi
  if [ -n "$hub_pid" ]; then kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; fi
  pg_pid= hub_pid=
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools ---------------------------------------------------------------------------------------

DATABASE_URL= scripts/ensure-postgres.sh
make -s build
hub=$root/bin/hub
# psql, from the same installation the hub's private cluster uses (PATH first, as db/pgcluster looks).
psql=$(command -v psql || true)
if [ -z "$psql" ]; then
  psql=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/psql
fi
[ -x "$psql" ] || die "psql not found beside the PostgreSQL server binaries"

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing the Debian package wrk (the load generator)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
  else
    die "wrk (the load generator) is missing: install it, e.g. 'sudo apt-get install wrk'"
  fi
fi
command -v curl >/dev/null || die "curl is missing"

node=$(command -v node || true)
if [ -z "$node" ] || [ "$("$node" -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  # PostGraphile 5 needs Node 22; npm's node package brings it (from the same registry) without root.
  node=$work/node22/node_modules/.bin/node
  if ! [ -x "$node" ] || [ "$("$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != 22 ]; then
    say "the machine's Node is older than 22: installing Node 22 from npm into $work/node22"
    mkdir -p "$work/node22"
    npm install --prefix "$work/node22" --no-audit --no-fund --loglevel=error node@22 >/dev/null
  fi
fi
say "Node $("$node" --version) ($node)"

pgdir=$work/postgraphile
if ! cmp -s "$here/package.json" "$pgdir/package.json" || ! [ -d "$pgdir/node_modules/postgraphile" ]; then
  say "installing PostGraphile and its plugins from npm into $pgdir"
  mkdir -p "$pgdir"
  cp "$here/package.json" "$pgdir/package.json"
  # The versions are pinned in package.json; no lock file, so nothing here names a registry.
  (cd "$pgdir" && npm install --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null) ||
    { rm -f "$pgdir/package.json"; die "npm install of PostGraphile failed"; }
fi
cp "$here/graphile.config.mjs" "$pgdir/graphile.config.mjs"
versions=$(cd "$pgdir" && "$node" -e '
  for (const p of ["postgraphile", "@graphile-contrib/pg-many-to-many", "postgraphile-plugin-connection-filter", "grafast", "pg"])
    process.stdout.write(p + " " + require("./node_modules/" + p + "/package.json").version + "  ");')
say "PostGraphile: $versions"

hub_query=$(cat "$here/hub.graphql")
grep -qF "$hub_query" README.md ||
  say "WARNING: scripts/bench-peers/hub.graphql is no longer the README's members query; update both queries"
"$node" -e 'const fs = require("fs"); for (const s of ["hub", "postgraphile"])
  fs.writeFileSync(process.argv[1] + "/" + s + ".json", JSON.stringify({ query: fs.readFileSync(process.argv[2] + "/" + s + ".graphql", "utf8").trim() }));' \
  "$work" "$here"

# --- CPU from /proc --------------------------------------------------------------------------------

tck=$(getconf CLK_TCK)
# cpu_ticks PID: user+system time of the process, all its threads.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ t = $12 + $13 } END { print t + 0 }'; }
# pg_ticks: every process of the cluster: the postmaster with what its exited children spent (cutime,
# cstime: a backend that ends between two readings still counts), and each live child. A backend that
# ends while it is being read (PostGraphile's pool closes connections idle for 10 s, which can fall on
# the end of the other server's round) would be in neither sum: the reading is repeated until the
# children and the postmaster's cutime were the same before and after it.
pg_ticks() {
  local pm try kids again c0 c1 own sum
  pm=$(head -1 "$data/postgres/postmaster.pid")
  for try in $(seq 50); do
    c0=$(sed 's/^.*) //' "/proc/$pm/stat" | awk '{ print $14 + $15 }')
    kids=$(ps -o pid= --ppid "$pm" | tr -s ' \n' ' ')
    sum=$(for pid in $kids; do cat "/proc/$pid/stat" 2>/dev/null; done | sed 's/^.*) //' |
      awk '{ t += $12 + $13 } END { print t + 0 }')
    again=$(ps -o pid= --ppid "$pm" | tr -s ' \n' ' ')
    read -r own c1 < <(sed 's/^.*) //' "/proc/$pm/stat" | awk '{ print $12 + $13, $14 + $15 }')
    if [ "$kids" = "$again" ] && [ "$c0" = "$c1" ]; then
      echo $((own + c1 + sum))
      return
    fi
  done
  die "PostgreSQL's processes kept changing while their CPU was read"
}

# --- the servers -----------------------------------------------------------------------------------

# hub_env CACHE_BYTES COMMAND...: runs COMMAND in place of the shell (exec) with the hub's settings, so
# that started in the background its PID is $!; call it in a subshell to come back.
hub_env() {
  exec env HUB_DATA_DIR="$data" HUB_ADDR="127.0.0.1:$hub_port" HUB_RATE_LIMIT=0 HUB_TOKEN_RATE_LIMIT=0 \
    HUB_RESPONSE_CACHE_BYTES="$1" DATABASE_URL= "${@:2}"
}

# wait_for WHAT SECONDS COMMAND...: polls until the command succeeds.
wait_for() {
  local what=$1 limit=$2 t=0
  shift 2
  until "$@" >/dev/null 2>&1; do
    t=$((t + 1))
    [ $t -le $((limit * 2)) ] || die "$what not ready after $limit s"
    sleep 0.5
  done
}
alive() { kill -0 "$1" 2>/dev/null || die "$2 exited; its log: $3"; }
hub_ready() {
  alive "$hub_pid" hub "$data/hub.log"
  curl -sf "127.0.0.1:$hub_port/readyz" | grep -q '"state":"ready"'
}
pg_ready() {
  alive "$pg_pid" PostGraphile "$data/postgraphile.log"
  curl -sf "127.0.0.1:$pg_port/graphql" -H 'content-type: application/json' -d @"$work/postgraphile.json" | grep -q '"data"'
}

start_servers() { # CACHE_BYTES
  local port
  for port in "$hub_port" "$pg_port"; do
    # Whatever answered there would be measured instead.
    ! curl -s -o /dev/null "127.0.0.1:$port/" || die "something already listens on 127.0.0.1:$port (BENCH_PEERS_HUB_PORT, BENCH_PEERS_PG_PORT)"
  done
  (hub_env "$1" "$hub" serve) >>"$data/hub.log" 2>&1 &
  hub_pid=$!
  # The search index of 100,000 practices takes a while to build; nothing is measured before it is.
  wait_for "the hub (log: $data/hub.log)" 900 hub_ready
  (cd "$pgdir" && exec env NODE_ENV=production BENCH_PG_PORT="$pg_port" \
    BENCH_PG_URL="postgres://hub@/hub?host=$data/postgres" "$node" node_modules/postgraphile/dist/cli-run.js \
    -C graphile.config.mjs) >>"$data/postgraphile.log" 2>&1 &
  pg_pid=$!
  wait_for "PostGraphile (log: $data/postgraphile.log)" 120 pg_ready
}

# --- one data set ------------------------------------------------------------------------------------

load_data() { # SET
  data=$work/data-$1
  if [ -f "$data/postgres/postmaster.pid" ]; then
    # A server left running by an interrupted run: the hub takes it over and stops it when it exits.
    (hub_env 0 "$hub" migrate) >/dev/null 2>&1 || true
  fi
  rm -rf "$data"
  mkdir -p "$data"
  say "$1: a fresh database in $data"
  (hub_env 0 "$hub" migrate) >/dev/null
  (hub_env 0 "$hub" seed --demo) >&2
  if [ "$1" = 100k ]; then
    say "$1: seeding $practices synthetic practices (a few minutes)"
    (hub_env 0 "$hub" seed --synthetic "$practices") >&2
  fi
}

check_same() { # LABEL
  local s
  for s in hub postgraphile; do
    local port=$hub_port
    [ $s = hub ] || port=$pg_port
    curl -sf "127.0.0.1:$port/graphql" -H 'content-type: application/json' -d @"$work/$s.json" >"$data/$s.response.json" ||
      die "$1: $s did not answer the members query"
    "$node" "$here/normalise.mjs" $s <"$data/$s.response.json" >"$data/$s.normalised.json" || die "$1: $s's answer"
  done
  if ! cmp -s "$data/hub.normalised.json" "$data/postgraphile.normalised.json"; then
    diff -u "$data/hub.normalised.json" "$data/postgraphile.normalised.json" | head -60 >&2 || true
    die "$1: the hub and PostGraphile answer different members, practices or tools (above; both in $data)"
  fi
  say "$1: both answer the same $(grep -c '"id": "Member:' "$data/hub.normalised.json") members (of $(
    grep -m1 totalCount "$data/hub.normalised.json" | tr -dc 0-9)) with their practices and tools"
}

# load SYSTEM SECONDS: wrk against one server; prints the RESULT line of wrk.lua.
load() {
  local port=$hub_port
  [ "$1" = hub ] || port=$pg_port
  BENCH_BODY=$work/$1.json wrk -t2 -c"$connections" -d"$2"s --timeout 10s -s "$here/wrk.lua" \
    "http://127.0.0.1:$port/graphql" | grep '^RESULT '
}

measure() { # LABEL SYSTEM ROUND
  local pid=$hub_pid
  [ "$2" = hub ] || pid=$pg_pid
  local c0 p0 c1 p1 r
  c0=$(cpu_ticks "$pid") p0=$(pg_ticks)
  r=$(load "$2" "$duration")
  c1=$(cpu_ticks "$pid") p1=$(pg_ticks)
  # RESULT requests seconds p50 p99 non2xx errors
  read -r _ req secs p50 p99 bad errs <<<"$r"
  [ "$bad" = 0 ] && [ "$errs" = 0 ] || die "$1: $2 answered $bad non-2xx and had $errs socket errors in round $3"
  awk -v l="$1" -v s="$2" -v r="$3" -v n="$req" -v t="$secs" -v p50="$p50" -v p99="$p99" \
    -v c=$((c1 - c0)) -v p=$((p1 - p0)) -v k="$tck" \
    'BEGIN { printf "%s\t%s\t%d\t%.1f\t%.2f\t%.2f\t%.3f\t%.3f\n", l, s, r, n / t, p50, p99, c * 1000 / k / n, p * 1000 / k / n }' \
    | tee -a "$results"
}

run_config() { # SET CACHE
  local label="$1 cache $2" bytes=0 r
  [ "$2" = off ] || bytes=$cache_bytes
  say "$label: starting the hub (HUB_RESPONSE_CACHE_BYTES=$bytes) and PostGraphile"
  start_servers "$bytes"
  if [ "$analyzed" != "$1" ]; then
    # Without fresh statistics PostGraphile's plans collapse on the synthetic data (issue 14).
    "$psql" "host=$data/postgres user=hub dbname=hub" -qc ANALYZE
    analyzed=$1
  fi
  check_same "$label"
  say "$label: warming up, $warmup s each"
  load hub "$warmup" >/dev/null
  load postgraphile "$warmup" >/dev/null
  for r in $(seq "$rounds"); do
    say "$label: round $r of $rounds, $duration s each"
    if [ $((r % 2)) = 1 ]; then
      measure "$label" hub "$r" >/dev/null; measure "$label" postgraphile "$r" >/dev/null
    else
      measure "$label" postgraphile "$r" >/dev/null; measure "$label" hub "$r" >/dev/null
    fi
  done
  stop_servers
}

results=$work/results-$(date -u +%Y%m%dT%H%M%SZ).tsv
printf 'config\tsystem\tround\treq_s\tp50_ms\tp99_ms\tcpu_ms_req\tpg_cpu_ms_req\n' >"$results"
analyzed=
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for set in $data_sets; do
  case $set in demo | 100k) ;; *) die "BENCH_PEERS_DATA: $set is neither demo nor 100k" ;; esac
  load_data "$set"
  for cache in $caches; do
    case $cache in off | on) ;; *) die "BENCH_PEERS_CACHE: $cache is neither off nor on" ;; esac
    run_config "$set" "$cache"
  done
done

# --- the table ---------------------------------------------------------------------------------------

echo
echo "bench-peers, $started: hub $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD || echo '+changes') vs $versions"
echo "$connections connections, $rounds round(s) of $duration s each after a $warmup s warm-up, alternated; medians; CPU in ms per request"
echo "(server: the hub's or PostGraphile's process; PostgreSQL: every process of the cluster)."
awk -F'\t' -v OFS='\t' '
  NR == 1 { next }
  { k = $1 SUBSEP $2; n[k]++; for (i = 4; i <= 8; i++) v[k, i, n[k]] = $i
    if (!seen[$1]++) order[++nc] = $1 }
  function median(k, i,   m, a, j, x, y, t) {
    m = n[k]; for (j = 1; j <= m; j++) a[j] = v[k, i, j] + 0
    for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (a[y] < a[x]) { t = a[x]; a[x] = a[y]; a[y] = t }
    return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }
  END {
    printf "| %-18s | %-12s | %8s | %7s | %7s | %10s | %14s |\n", "data, hub cache", "system", "req/s", "p50 ms", "p99 ms", "server CPU", "PostgreSQL CPU"
    printf "|%s|%s|%s|%s|%s|%s|%s|\n", "--------------------", "--------------", "---------:", "--------:", "--------:", "-----------:", "---------------:"
    for (c = 1; c <= nc; c++) {
      h = order[c] SUBSEP "hub"; p = order[c] SUBSEP "postgraphile"
      for (i = 4; i <= 8; i++) { mh[i] = median(h, i); mp[i] = median(p, i) }
      printf "| %-18s | %-12s | %8.0f | %7.1f | %7.1f | %10.2f | %14.2f |\n", order[c], "hub", mh[4], mh[5], mh[6], mh[7], mh[8]
      printf "| %-18s | %-12s | %8.0f | %7.1f | %7.1f | %10.2f | %14.2f |\n", "", "PostGraphile", mp[4], mp[5], mp[6], mp[7], mp[8]
      printf "| %-18s | %-12s |", "", "hub/PG"
      for (i = 4; i <= 8; i++) {
        w = (i == 4 ? 7 : i == 5 || i == 6 ? 6 : i == 7 ? 9 : 13)
        if (mp[i] > 0) printf " %*.2f× |", w, mh[i] / mp[i]; else printf " %*s |", w + 1, "-"
      }
      printf "\n"
    }
  }' "$results"
echo
say "every round: $results"
