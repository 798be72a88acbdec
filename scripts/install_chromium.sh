#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser test, installed when missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
echo "chromium not found: installing Debian's chromium package with apt" >&2
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
# Test workers may install at the same time: one apt at a time.
exec 9>/tmp/rpm-apt.lock && flock 9
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
command -v chromium
