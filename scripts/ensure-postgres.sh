#!/usr/bin/env bash
# Makes sure the PostgreSQL server binaries the hub's private cluster needs are on this machine. With
# DATABASE_URL set, the hub uses that server instead and nothing is needed here.
set -euo pipefail
[ -n "${DATABASE_URL:-}" ] && exit 0
if command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL server binaries not found: installing the Debian package 'postgresql'" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  exit 0
fi
echo "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found. Install them (Debian/Ubuntu:" >&2
echo "'sudo apt-get install postgresql'), or set DATABASE_URL to a PostgreSQL server." >&2
exit 1
