#!/usr/bin/env bash
# Runs the GraphQL-over-HTTP audit (npm package graphql-http, 1.23.x: the specification's own test
# suite) against a hub and prints each finding that is not ok, then the totals.
#
#   scripts/audit-graphql-http.sh                          # builds the hub, starts one on a free port
#                                                          # (private PostgreSQL under a temporary
#                                                          # directory), audits it, stops it
#   scripts/audit-graphql-http.sh http://host:8080/graphql # audits a hub that is already running
#
# Needs Go (to build the hub), node and npm. graphql-http and graphql are installed once into
# $HUB_AUDIT_CACHE (default ~/.cache/hub-graphql-http). Exit status 1 when the audit reports an error or
# a warning. The rate limit of a hub it starts is off (the audit sends some 60 requests at once).
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${HUB_AUDIT_CACHE:-$HOME/.cache/hub-graphql-http}
if [ ! -f "$cache/node_modules/graphql-http/package.json" ]; then
  mkdir -p "$cache"
  echo "installing graphql-http 1.23 into $cache" >&2
  npm install --prefix "$cache" --silent --no-audit --no-fund 'graphql-http@~1.23.1' 'graphql@^16' >&2
fi

url=${1:-}
if [ -z "$url" ]; then
  tmp=$(mktemp -d)
  go build -o "$tmp/hub" .
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  HUB_ADDR="127.0.0.1:$port" HUB_DATA_DIR="$tmp/data" HUB_RATE_LIMIT=0 "$tmp/hub" serve >"$tmp/hub.log" 2>&1 &
  hub=$!
  trap 'kill $hub 2>/dev/null; wait $hub 2>/dev/null; rm -rf "$tmp"' EXIT
  for _ in $(seq 120); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    kill -0 $hub 2>/dev/null || { cat "$tmp/hub.log" >&2; exit 2; }
    sleep 0.5
  done
  url="http://127.0.0.1:$port/graphql"
fi

echo "auditing $url with graphql-http $(node -p "require('$cache/node_modules/graphql-http/package.json').version")"
NODE_PATH="$cache/node_modules" node --input-type=module -e "
import { auditServer } from '$cache/node_modules/graphql-http/lib/index.mjs';
const results = await auditServer({ url: process.argv[1] });
const n = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const r of results) {
  n[r.status]++;
  if (r.status !== 'ok') console.log(r.status.toUpperCase(), r.id, r.name, '-', r.reason);
}
console.log(\`\${results.length} audits: \${n.ok} ok, \${n.notice} notices, \${n.warn} warnings, \${n.error} errors\`);
process.exit(n.warn + n.error > 0 ? 1 : 0);
" "$url"
