#!/usr/bin/env bash
# Make sure PostgreSQL server binaries and the PostGIS extension are installed
# (Debian's packages; see apt-install.sh for how and what it says when it cannot).
set -euo pipefail

PG_VERSION="${PG_VERSION:-}"
if [ -z "$PG_VERSION" ]; then
    PG_VERSION=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1 || true)
    PG_VERSION="${PG_VERSION:-15}"
fi

have_postgis() {
    [ -x "/usr/lib/postgresql/$PG_VERSION/bin/initdb" ] &&
        ls /usr/share/postgresql/"$PG_VERSION"/extension/postgis.control >/dev/null 2>&1
}

have_postgis && exit 0
# Debian's postgresql-common creates a default cluster on install; we never use it.
bash "$(dirname "$0")/apt-install.sh" "PostgreSQL $PG_VERSION with PostGIS" \
    "postgresql-$PG_VERSION" "postgresql-$PG_VERSION-postgis-3" postgresql-contrib || {
    echo "gridmap: or set DATABASE_URL to an existing PostGIS database." >&2; exit 1; }
have_postgis || { echo "gridmap: PostGIS still missing after install" >&2; exit 1; }
