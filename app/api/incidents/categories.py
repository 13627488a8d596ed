"""Incident categories with their time limits, and the holiday calendar (admin-edited)."""

import datetime as dt

from flask import jsonify, request
from flask_smorest import Blueprint

from app.api.common import STAFF, error, ok
from app.api.incidents import worktables
from app.extensions import db
from app.plumbing.readdb import read
from app.security.auth import require
from app.security.limits import public
from geo.core import params
from geo.core.errors import InvalidInput

blp = Blueprint("categories", __name__, url_prefix="/api/v1",
                description="Incident categories, time limits and holidays")

CATEGORY = {"type": "object", "properties": {
    "code": {"type": "string"}, "name_en": {"type": "string", "nullable": True},
    "response_hours": {"type": "number"}, "resolve_hours": {"type": "number"},
    "clock": {"type": "string", "enum": ["calendar", "working"]},
    "route_to": {"type": "string", "enum": ["grid", "community_office"]},
    "active": {"type": "boolean"}}}


@blp.route("/categories", methods=["GET"])
@blp.doc(summary="Incident categories",
         description="Every category (`active` false: no longer offered) with "
                     "their response and resolution time limits.",
         responses={"200": ok("categories", {"type": "object"})})
@public
def list_categories():
    params.check_known(request.args, ())
    return jsonify({"categories": read(worktables.categories)})


@blp.route("/categories/<code>", methods=["PUT"])
@blp.doc(summary="Create or change a category", security=STAFF,
         requestBody={"content": {"application/json": {"schema": CATEGORY}}},
         responses={"200": ok("the category", CATEGORY), "400": error("invalid field"),
                    "403": error("admins only")})
@require("users:admin")
def put_category(code: str):
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidInput("send a JSON body (Content-Type: application/json)")
    category = worktables.put_category(code, body)
    db.session.commit()
    return jsonify(category)


@blp.route("/holidays", methods=["GET"])
@blp.doc(summary="Holiday calendar", security=STAFF,
         description="Days off on weekdays (holiday) and working weekend days (workday, "
                     "调休), used by working-hours time limits.",
         responses={"200": ok("days", {"type": "object"})})
@require("incidents:read")
def list_holidays():
    params.check_known(request.args, ())
    return jsonify({"days": read(worktables.holidays)})


@blp.route("/holidays/<day>", methods=["PUT", "DELETE"])
@blp.doc(summary="Set or clear one day", security=STAFF,
         description="PUT {\"kind\": \"holiday\"|\"workday\", \"name\": ...}; DELETE "
                     "makes it an ordinary day again.",
         responses={"200": ok("the day", {"type": "object"}), "400": error("invalid day"),
                    "403": error("admins only")})
@require("users:admin")
def put_holiday(day: str):
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise InvalidInput(f"{day[:20]!r} is not a date YYYY-MM-DD", param="day") from None
    if request.method == "DELETE":
        result = worktables.clear_day(date)
    else:
        result = worktables.put_day(date, request.get_json(silent=True))
    db.session.commit()
    return jsonify(result)
