#!/usr/bin/env bash
# The monthly report's system tools (Debian packages): pango, which WeasyPrint draws text with;
# a Chinese font the PDF embeds (Noto Sans CJK); poppler-utils (pdftoppm, pdftotext), with which
# the tests render and read the PDF.
set -euo pipefail
need=()
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
fc-list :lang=zh 2>/dev/null | grep -qi 'Noto Sans CJK' || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v fc-list >/dev/null || need+=(fontconfig)
[ ${#need[@]} -eq 0 ] && exit 0
bash "$(dirname "$0")/apt-install.sh" "the monthly report's tools (PDF text, fonts, PDF rendering)" "${need[@]}"
