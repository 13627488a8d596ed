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
# The scheduler loop: boundary changes scheduled for a later day are applied on that day
# (flask boundaries apply-due; once, even with several servers: it holds a lease). Once
# now for anything that fell due while the server was down, then every
# GRIDMAP_SCHEDULER_SECONDS (default 300); it stops with the server. The same loop tells
# grid workers of their tasks due within 2 hours (flask field due-soon; once per deadline),
# and once a day removes reporters' data past RETENTION_YEARS (flask incidents anonymise);
# it brings the statistics' facts and the evaluation's monthly roll-up up to date (flask
# stats refresh): requests never wait for the roll-up, they count live while it is behind.
$BIN/flask --app wsgi boundaries apply-due --quiet || echo "gridmap: apply-due failed" >&2
(while sleep "${GRIDMAP_SCHEDULER_SECONDS:-300}"; do
    $BIN/flask --app wsgi boundaries apply-due --quiet || echo "gridmap: apply-due failed" >&2
    $BIN/flask --app wsgi field due-soon --quiet || echo "gridmap: due-soon failed" >&2
    $BIN/flask --app wsgi incidents anonymise --daily --quiet || echo "gridmap: anonymise failed" >&2
    $BIN/flask --app wsgi stats refresh > /dev/null || echo "gridmap: stats refresh failed" >&2
done) &
SCHEDULER=$!
# The outbox's delivery worker (webhooks and other deliveries of incident events; leases its
# rows, so a restart loses nothing). It stops with the server.
$BIN/flask --app wsgi outbox run &
OUTBOX=$!
trap 'kill "$SCHEDULER" "$OUTBOX" 2>/dev/null' EXIT
echo "gridmap: serving on http://127.0.0.1:$PORT" >&2
$BIN/gunicorn -c gunicorn.conf.py --bind "127.0.0.1:$PORT" wsgi:app &
SERVER=$!
# A TERM or INT sent to this script reaches gunicorn, as when the script exec'd it.
trap 'kill -TERM "$SERVER" 2>/dev/null' TERM INT
wait "$SERVER" || wait "$SERVER"
