#!/usr/bin/env bash
# Several hubs on a PostgreSQL primary and a streaming replica, sharing limits through Redis, behind
# HAProxy, under a mixed load for 60 s, losing a hub (SIGKILL) and later the replica; see
# docs/operations.md. Not part of `make test`. Run as root (PostgreSQL runs as the postgres user), from
# the repository: scripts/scaleout-test.sh. Exits non-zero on any violation.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need() { command -v "$1" >/dev/null 2>&1 || { echo "installing $2" >&2; apt-get install -y -qq "$2" >/dev/null; }; }
need redis-server redis-server
need haproxy haproxy
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "installing postgresql" >&2; apt-get install -y -qq postgresql >/dev/null; PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); }
DURATION=${SCALEOUT_DURATION:-60}

go build -o bin/hub . && go build -o bin/scaleout ./scripts/scaleout
W=$(mktemp -d /tmp/hub-scaleout.XXXXXX)
chmod 755 "$W"
chown postgres "$W"
pg() { runuser -u postgres -- "$PGBIN/$@"; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$W/haproxy.pid" ] && kill "$(cat "$W/haproxy.pid")" 2>/dev/null || true
  [ -f "$W/redis.pid" ] && kill "$(cat "$W/redis.pid")" 2>/dev/null || true
  pg pg_ctl stop -D "$W/replica" -m immediate >/dev/null 2>&1 || true
  pg pg_ctl stop -D "$W/primary" -m fast >/dev/null 2>&1 || true
  echo "logs and data in $W" >&2
}
trap cleanup EXIT

# The primary: trust on its unix socket only, replication allowed there.
pg initdb -D "$W/primary" -U hub --auth=trust --encoding=UTF8 --locale=C >/dev/null
printf 'local all all trust\nlocal replication all trust\n' > "$W/primary/pg_hba.conf"
start_pg() { pg pg_ctl start -D "$1" -l "$1.log" -w -o "-c listen_addresses='' -c unix_socket_directories='$1' -c port=5432 -c max_connections=300 -c fsync=off" >/dev/null; }
start_pg "$W/primary"
pg createdb -h "$W/primary" -U hub hub
PRIMARY="host=$W/primary port=5432 user=hub dbname=hub sslmode=disable"
REPLICA="host=$W/replica port=5432 user=hub dbname=hub sslmode=disable"
# The replica: a base backup with the standby settings (-R), streaming from the primary.
pg pg_basebackup -D "$W/replica" -R -X stream -c fast -h "$W/primary" -U hub
rm -f "$W"/replica/.s.PGSQL.*
start_pg "$W/replica"
redis-server --port 0 --unixsocket "$W/redis.sock" --save "" --appendonly no --daemonize yes --pidfile "$W/redis.pid" --logfile "$W/redis.log"

export DATABASE_URL="$PRIMARY" DATABASE_REPLICA_URLS="$REPLICA" HUB_REDIS_URL="unix://$W/redis.sock"
# The load comes from this machine: no per-address or per-token rate; the application limit stays.
export HUB_RATE_LIMIT=0 HUB_TOKEN_RATE_LIMIT=0 HUB_APPLICATIONS_PER_HOUR=5 HUB_TRUSTED_PROXIES=127.0.0.1 HUB_LOG_LEVEL=warn
bin/hub migrate >/dev/null 2>&1
bin/hub seed --demo >/dev/null
bin/hub seed --synthetic 20000 >/dev/null
tokens=$(for i in 1 2; do bin/hub token create --role editor --member vng --name "scaleout writer $i" 2>/dev/null; done | paste -sd,)
limited=$(bin/hub token create --role partner --name "scaleout limited" --rate-limit 1 2>/dev/null)

hubs=()
for i in 1 2 3; do
  HUB_ADDR=127.0.0.1:1808$i HUB_DATA_DIR="$W/hub$i" bin/hub serve >"$W/hub$i.log" 2>&1 &
  pids+=($!)
  hubs+=("http://127.0.0.1:1808$i")
done
for h in "${hubs[@]}"; do
  for _ in $(seq 1 240); do
    curl -fs "$h/readyz" | grep -q '"state":"ready"' && break
    sleep 0.5
  done
done

cat > "$W/haproxy.cfg" <<CFG
global
  pidfile $W/haproxy.pid
  daemon
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  # A subscription's WebSocket, once upgraded, is a tunnel: idle between events, pinged by the hub.
  timeout tunnel 1h
  retries 2
  option redispatch
  retry-on conn-failure
frontend hubs
  bind 127.0.0.1:18080
  option forwardfor
  default_backend hubs
  # Which hub answered, for the checks (a subscriber's hub, a 429's).
  http-response set-header X-Hub-Server %s
backend hubs
  balance roundrobin
  option httpchk GET /readyz
  server hub1 127.0.0.1:18081 check inter 500ms fall 2 rise 2
  server hub2 127.0.0.1:18082 check inter 500ms fall 2 rise 2
  server hub3 127.0.0.1:18083 check inter 500ms fall 2 rise 2
CFG
haproxy -f "$W/haproxy.cfg"

kill_at=$((DURATION / 3)); replica_at=$((2 * DURATION / 3))
( sleep "$kill_at"; kill -9 "${pids[1]}"; echo "scaleout: hub2 killed (SIGKILL) at ${kill_at}s" >&2
  sleep $((replica_at - kill_at)); pg pg_ctl stop -D "$W/replica" -m fast >/dev/null; echo "scaleout: replica stopped at ${replica_at}s" >&2 ) &
pids+=($!)
bin/scaleout -url http://127.0.0.1:18080 -hubs "${hubs[0]},${hubs[2]}" -dsn "$PRIMARY" -tokens "$tokens" \
  -limited-token "$limited" -killed hub2 -subscribers 6 -duration "${DURATION}s" -kill-at "${kill_at}s"
