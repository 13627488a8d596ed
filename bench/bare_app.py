"""The plain tool for the lookup benchmark: Flask around one PREPAREd point query, no more."""

import os
import threading

import psycopg2
from flask import Flask, jsonify, request

app = Flask(__name__)
_local = threading.local()
_DSN = os.environ["BARE_DSN"]
_PREPARE = ("PREPARE lookup (float8, float8) AS SELECT id FROM grids WHERE valid_to IS NULL"
            " AND ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY code LIMIT 1")


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = psycopg2.connect(_DSN)
        conn.autocommit = True
        conn.cursor().execute(_PREPARE)
        _local.conn = conn
    return conn


@app.get("/api/v1/lookup")
def lookup():
    lon, lat = float(request.args["lon"]), float(request.args["lat"])
    cursor = _connection().cursor()
    cursor.execute("EXECUTE lookup (%s, %s)", (lon, lat))
    row = cursor.fetchone()
    return jsonify({"grid_id": row[0] if row else None})
