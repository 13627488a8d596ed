#!/usr/bin/env bash
# Start gridmap: a local PostGIS under var/pg (unless DATABASE_URL is set), migrations,
# the demo city when the database is empty, then gunicorn on 127.0.0.1:$PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-5000}"
if [ -z "${DATABASE_URL:-}" ]; then
    bash scripts/ensure-postgis.sh
    PGPORT="${GRIDMAP_PGPORT:-54329}"
    DATABASE_URL=$($BIN/python scripts/pgcluster.py start var/pg --port "$PGPORT")
    echo "gridmap: local PostGIS in var/pg on port $PGPORT (make stop stops it)" >&2
else
    echo "gridmap: using DATABASE_URL; no local cluster started" >&2
fi
export DATABASE_URL
if [ -z "${GRIDMAP_SECRET_KEY:-}" ]; then
    # Sessions survive restarts: one key per checkout, kept out of git under var/.
    mkdir -p var
    [ -s var/secret-key ] || (umask 077 && $BIN/python -c "import secrets; print(secrets.token_hex(32))" > var/secret-key)
    GRIDMAP_SECRET_KEY=$(cat var/secret-key)
    export GRIDMAP_SECRET_KEY
fi
$BIN/flask --app wsgi db upgrade
if [ "${GRIDMAP_ENV:-development}" != production ]; then
    # Development only: the small demo city when the database holds no communities yet,
    # and one account per role, printed once, when there are no accounts yet.
    $BIN/flask --app wsgi demo --size small --if-empty
    $BIN/flask --app wsgi users demo --if-empty
fi
echo "gridmap: serving on http://127.0.0.1:$PORT" >&2
exec $BIN/gunicorn -c gunicorn.conf.py --bind "127.0.0.1:$PORT" wsgi:app
