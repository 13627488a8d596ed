#!/usr/bin/env bash
# Make sure PostgreSQL server binaries and the PostGIS extension are installed.
# Installs Debian's packages when missing (directly as root, through sudo otherwise);
# when neither works, says exactly what to install and fails.
set -euo pipefail

PG_VERSION="${PG_VERSION:-}"
if [ -z "$PG_VERSION" ]; then
    PG_VERSION=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1 || true)
    PG_VERSION="${PG_VERSION:-15}"
fi
PKGS="postgresql-$PG_VERSION postgresql-$PG_VERSION-postgis-3 postgresql-contrib"

have_postgis() {
    [ -x "/usr/lib/postgresql/$PG_VERSION/bin/initdb" ] &&
        ls /usr/share/postgresql/"$PG_VERSION"/extension/postgis.control >/dev/null 2>&1
}

if have_postgis; then
    exit 0
fi

echo "gridmap: PostgreSQL $PG_VERSION with PostGIS is missing; installing: $PKGS" >&2
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "gridmap: cannot install packages (not root, no passwordless sudo)." >&2
    echo "Install them yourself:  sudo apt-get install $PKGS" >&2
    echo "or set DATABASE_URL to an existing PostGIS database." >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || true
# Debian's postgresql-common creates a default cluster on install; we never use it.
if ! $SUDO apt-get install -y -qq $PKGS >&2; then
    echo "gridmap: apt-get could not install $PKGS; install them and re-run." >&2
    exit 1
fi
have_postgis || { echo "gridmap: PostGIS still missing after install" >&2; exit 1; }
