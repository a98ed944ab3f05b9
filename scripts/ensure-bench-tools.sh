#!/usr/bin/env bash
# Installs the load generator the benchmarks drive (`make bench`): Debian's wrk. Python load
# generators would measure themselves on this 2-core machine; wrk costs a fraction of a core.
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then exit 0; fi
echo "Installing wrk (Debian package) for the benchmarks…"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq wrk >/dev/null
