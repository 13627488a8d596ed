"""Liveness and database health."""

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/")
def index():
    """Where things are, for someone who opens the server's address."""
    return jsonify({"name": "gridmap", "api": "/api/v1/openapi.json",
                    "lookup": "/api/v1/lookup?lon=116.397&lat=39.909", "health": "/healthz"})


@bp.get("/healthz")
def healthz():
    """200 with the PostGIS version when the database answers, else 503 with the reason."""
    try:
        with db.engine.connect() as conn:
            version = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
    except DBAPIError as err:
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0][:200]
        body = {"status": "unavailable", "database": "unreachable", "reason": reason}
        return jsonify(body), 503, {"Retry-After": "5"}
    return jsonify({"status": "ok", "database": "ok", "postgis": version})
