#!/usr/bin/env bash
# wrk, the HTTP load generator the lookup benchmark uses (Debian package).
set -euo pipefail
command -v wrk >/dev/null && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "bench: wrk is missing; install it with: sudo apt-get install wrk" >&2; exit 0; fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >&2 ||
    { $SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >&2; } ||
    echo "bench: could not install wrk; the lookup benchmark will be skipped" >&2
