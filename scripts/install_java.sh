#!/usr/bin/env bash
# A Java 17+ runtime for the local Spark target (pyspark starts a JVM),
# installed with apt when missing.
set -euo pipefail
if command -v java >/dev/null 2>&1; then
    exit 0
fi
echo "java not found: installing Debian's openjdk-17-jre-headless with apt" >&2
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
# Test workers may install at the same time: one apt at a time.
exec 9>/tmp/rpm-apt.lock && flock 9
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq openjdk-17-jre-headless >/dev/null
command -v java
