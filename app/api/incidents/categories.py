"""Incident categories with their time limits, and the holiday calendar (admin-edited)."""

import datetime as dt

from flask import jsonify
from flask_login import current_user

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.incidents import worktables
from app.api.incidents.schemas import Categories, Category, CategoryAnswer, Day, DayAnswer, Days
from app.extensions import db
from app.plumbing.readdb import read
from app.security.auth import require
from app.security.limits import public
from geo.core.errors import InvalidInput

blp = Blueprint("categories", __name__, url_prefix="/api/v1",
                description="Incident categories, time limits and holidays")
ADMINS = {**SIGNED_IN, 403: "admins only"}


@blp.route("/categories", methods=["GET"])
@public
@blp.doc(summary="Incident categories",
         description="Signed in: every category (`active` false: no longer offered; "
                     "`public` false: not shown to residents) with their response and "
                     "resolution time limits. Without a sign-in: the active public ones.")
@blp.arguments(NoQuery, location="query")
@blp.response(200, Categories, description="categories")
@blp.fails({400: "a query parameter (none is taken)"})
def list_categories(args):
    public_only = not current_user.is_authenticated
    return jsonify({"categories": read(
        lambda conn: worktables.categories(conn, public_only=public_only))})


@blp.route("/categories/<code>", methods=["PUT"])
@require("users:admin")
@blp.doc(summary="Create or change a category", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.arguments(Category, location="json")
@blp.response(200, CategoryAnswer, description="the category")
@blp.fails({400: "invalid field", **ADMINS})
def put_category(args, body, code: str):
    category = worktables.put_category(code, body)
    db.session.commit()
    return jsonify(category)


@blp.route("/holidays", methods=["GET"])
@require("incidents:read")
@blp.doc(summary="Holiday calendar", security=STAFF,
         description="Days off on weekdays (holiday) and working weekend days (workday, "
                     "调休), used by working-hours time limits.")
@blp.arguments(NoQuery, location="query")
@blp.response(200, Days, description="days")
@blp.fails({400: "a query parameter (none is taken)", **SIGNED_IN})
def list_holidays(args):
    return jsonify({"days": read(worktables.holidays)})


def _day(day: str) -> dt.date:
    try:
        return dt.date.fromisoformat(day)
    except ValueError:
        raise InvalidInput(f"{day[:20]!r} is not a date YYYY-MM-DD", param="day") from None


@blp.route("/holidays/<day>", methods=["PUT"])
@require("users:admin")
@blp.doc(summary="Set one day", security=STAFF,
         description="{\"kind\": \"holiday\"|\"workday\", \"name\": ...}.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(Day, location="json")
@blp.response(200, DayAnswer, description="the day")
@blp.fails({400: "invalid day or field", **ADMINS})
def put_holiday(args, body, day: str):
    result = worktables.put_day(_day(day), body)
    db.session.commit()
    return jsonify(result)


@blp.route("/holidays/<day>", methods=["DELETE"])
@require("users:admin")
@blp.doc(summary="Clear one day", security=STAFF,
         description="Makes it an ordinary day again.")
@blp.arguments(NoQuery, location="query")
@blp.response(200, DayAnswer, description="the day, now ordinary")
@blp.fails({400: "invalid day", **ADMINS, 404: "not in the holiday calendar"})
def clear_holiday(args, day: str):
    result = worktables.clear_day(_day(day))
    db.session.commit()
    return jsonify(result)
