"""Liveness and database health."""

import logging

from flask import current_app, jsonify
from flask_login import current_user
from marshmallow import fields
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.api.common import Blueprint
from app.api.fields import loose
from app.extensions import db
from app.plumbing import readdb
from app.security import limits

log = logging.getLogger(__name__)
# Anyone may ask: the database's own message (host, role, database names) goes to the log.
UNAVAILABLE = "the database did not answer; the server log says why"
blp = Blueprint("health", __name__, description="Where things are, and whether they work")

Index = loose("Index", name=fields.String(), api=fields.String(), lookup=fields.String(),
              health=fields.String())
Replica = loose("Replica", state=fields.String(metadata={
    "enum": ["ok", "lagging", "down", "unknown"]}), lag_seconds=fields.Float(allow_none=True),
    checked_seconds_ago=fields.Float())
RateLimits = loose("RateLimits", store=fields.String(metadata={
    "enum": ["shared", "memory"], "description": "memory: the shared store failed and this "
    "process counts alone until it answers again"}), since_seconds=fields.Float())
Health = loose("Health", status=fields.String(required=True, metadata={"enum": ["ok"]}),
               database=fields.String(), postgis=fields.String(),
               replica=fields.Nested(Replica, metadata={
                   "description": "the read replica's state and lag; only for an "
                                  "administrator, and only when READ_DATABASE_URL is set"}),
               rate_limits=fields.Nested(RateLimits, metadata={
                   "description": "where this process counts the rate limits; only for an "
                                  "administrator, and only with a shared store (Redis)"}))
Unavailable = loose("Unavailable", status=fields.String(required=True, metadata={
    "enum": ["unavailable"]}), database=fields.String(), reason=fields.String())


@blp.route("/", methods=["GET"])
@blp.doc(summary="Where things are")
@blp.response(200, Index, description="the addresses of the API, a lookup and health")
def index():
    """Where things are, for someone who opens the server's address."""
    return jsonify({"name": "gridmap", "api": "/api/v1/openapi.json",
                    "lookup": "/api/v1/lookup?lon=116.397&lat=39.909", "health": "/healthz"})


@blp.route("/healthz", methods=["GET"])
@blp.doc(summary="Database health")
@blp.response(200, Health, description="the database answers; the PostGIS version")
@blp.alt_response(503, schema=Unavailable, description="the database does not answer "
                  "(Retry-After)")
def healthz():
    """200 with the PostGIS version when the database answers, else 503. An
    administrator (session or token) also sees the read replica's state and lag and where
    the rate limits are counted: reads fall back to the primary while the replica is down
    or lagging, and limits to memory while Redis is, so neither makes this 503."""
    try:
        with db.engine.connect() as conn:
            version = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
    except DBAPIError as err:
        log.warning("health check: database unavailable: %s", getattr(err, "orig", err))
        body = {"status": "unavailable", "database": "unreachable", "reason": UNAVAILABLE}
        return jsonify(body), 503, {"Retry-After": "5"}
    body = {"status": "ok", "database": "ok", "postgis": version}
    if not current_user.can("users:admin"):
        return jsonify(body)
    replica = current_app.extensions.get(readdb.REPLICA)
    if replica is not None:
        body["replica"] = replica.report()
    if (counting := limits.report(current_app)) is not None:
        body["rate_limits"] = counting
    return jsonify(body)
