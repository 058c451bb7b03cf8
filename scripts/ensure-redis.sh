#!/usr/bin/env bash
# Makes sure redis-server is on this machine for the test of the limits shared across hubs
# (HUB_REDIS_URL). Without it, and not root, that test is skipped with a message saying so.
set -euo pipefail
command -v redis-server >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "redis-server not found: installing the Debian package 'redis-server' for the shared-limits test" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq redis-server >/dev/null
  exit 0
fi
echo "redis-server not found (Debian/Ubuntu: 'sudo apt-get install redis-server'); the shared-limits test will be skipped." >&2
exit 0
