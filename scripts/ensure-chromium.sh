#!/usr/bin/env bash
# Makes sure a Chromium is on this machine for the dashboard's browser test. HUB_CHROMIUM names one
# explicitly; HUB_BROWSER_TESTS=off skips the browser test (and this).
set -euo pipefail
[ "${HUB_BROWSER_TESTS:-}" = off ] && exit 0
[ -n "${HUB_CHROMIUM:-}" ] && exit 0
for b in chromium chromium-browser google-chrome google-chrome-stable; do
  command -v "$b" >/dev/null 2>&1 && exit 0
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium not found: installing the Debian package 'chromium' for the browser test" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "Chromium not found. Install it (Debian/Ubuntu: 'sudo apt-get install chromium'), set HUB_CHROMIUM" >&2
echo "to a Chrome or Chromium binary, or skip the browser test with HUB_BROWSER_TESTS=off." >&2
exit 1
