#!/usr/bin/env bash
# Install Debian packages: directly as root, through passwordless sudo otherwise.
# When neither works (or apt fails), says exactly what to install and exits 1.
# Usage: apt-install.sh WHAT PKG...   (WHAT names the need in messages)
set -euo pipefail
WHAT="$1"; shift
echo "gridmap: $WHAT is missing; installing: $*" >&2
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "gridmap: cannot install packages (not root, no passwordless sudo)." >&2
    echo "Install them yourself:  sudo apt-get install $*" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Try the package lists we have first; refresh them only when that fails.
if ! $SUDO apt-get install -y -qq "$@" >&2; then
    $SUDO apt-get update -qq >&2 || true
    if ! $SUDO apt-get install -y -qq "$@" >&2; then
        echo "gridmap: apt-get could not install $*; install them and re-run." >&2
        exit 1
    fi
fi
