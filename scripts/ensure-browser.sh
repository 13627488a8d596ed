#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it through executable_path;
# nothing downloads a browser), and CJK fonts so Chinese text renders in screenshots.
set -euo pipefail
BROWSER="${GRIDMAP_CHROMIUM:-/usr/bin/chromium}"
[ -x "$BROWSER" ] && fc-list :lang=zh 2>/dev/null | grep -q . && exit 0
bash "$(dirname "$0")/apt-install.sh" "Chromium (for the browser tests)" chromium fonts-noto-cjk
