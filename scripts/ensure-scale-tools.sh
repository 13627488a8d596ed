#!/usr/bin/env bash
# Debian's PgBouncer and Redis: the scaling tests (tests/scale) start a private pooler
# and a private Redis on free ports, as the suite starts its own PostGIS; nothing here
# runs them as services (`make run` stays on one machine without either).
set -euo pipefail
PGBOUNCER="${GRIDMAP_PGBOUNCER:-/usr/sbin/pgbouncer}"
REDIS="${GRIDMAP_REDIS_SERVER:-/usr/bin/redis-server}"
[ -x "$PGBOUNCER" ] && [ -x "$REDIS" ] && exit 0
bash "$(dirname "$0")/apt-install.sh" "PgBouncer and Redis (for the scaling tests)" \
    pgbouncer redis-server
