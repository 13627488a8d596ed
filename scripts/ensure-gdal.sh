#!/usr/bin/env bash
# GDAL's command-line tools (ogrinfo, ogr2ogr with the OAPIF driver): the OGC API tests
# read our collections with them, and the OGC benchmark exports with them (Debian package).
set -euo pipefail
command -v ogr2ogr >/dev/null && ogrinfo --formats 2>/dev/null | grep -q OAPIF && exit 0
bash "$(dirname "$0")/apt-install.sh" "GDAL command-line tools (for the OGC API tests)" gdal-bin
