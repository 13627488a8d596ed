#!/usr/bin/env bash
# wrk, the HTTP load generator the lookup benchmark uses (Debian package).
set -euo pipefail
command -v wrk >/dev/null && exit 0
bash "$(dirname "$0")/apt-install.sh" "wrk (HTTP load generator)" wrk ||
    echo "bench: without wrk the lookup benchmark is skipped" >&2
