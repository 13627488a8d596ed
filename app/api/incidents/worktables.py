"""The tables admins edit for the incident workflow: categories and holidays, audited."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, select

from app.extensions import db
from app.models import (
    CATEGORY_ROUTES,
    CLOCKS,
    HOLIDAY_KINDS,
    PRECEDENCES,
    Category,
    Holiday,
)
from app.security import audit
from geo.core import params
from geo.core.errors import InvalidInput, NotFound
from geo.core.statuses import VERIFIERS

_CATEGORY_FIELDS = ("name_en", "response_hours", "resolve_hours", "clock", "route_to", "active",
                    "public", "evidence_required", "urgent_factor", "precedence",
                    "verify_by")
_MAX_HOURS = 24 * 366


def _category_dict(c: Category) -> dict:
    return {"code": c.code, **{k: getattr(c, k) for k in _CATEGORY_FIELDS}}


def categories(conn: Connection, *, public_only: bool = False) -> list[dict]:
    """Every category by code; with ``public_only`` the active public ones (what the
    public may see and report)."""
    query = select(Category).order_by(Category.code)
    if public_only:
        query = query.where(Category.active, Category.public)
    rows = conn.execute(query)
    return [{"code": r.code, **{k: getattr(r, k) for k in _CATEGORY_FIELDS}} for r in rows]


def put_category(code: str, body) -> dict:
    """Create the category or change the fields given; checks every field first."""
    code = code.strip()
    if not code or len(code) > 50 or not code.isprintable():
        raise InvalidInput("a category code is printable text of at most 50 characters")
    if not isinstance(body, dict):
        raise InvalidInput("send a JSON object with the fields to set")
    params.check_fields(body, _CATEGORY_FIELDS)
    category = db.session.get(Category, code)
    before = _category_dict(category) if category else None
    if category is None:
        missing = {"response_hours", "resolve_hours"} - set(body)
        if missing:
            raise InvalidInput(f"a new category needs {', '.join(sorted(missing))}",
                               param=sorted(missing)[0])
        category = Category(code=code, clock="working", route_to="grid", active=True,
                            public=False, evidence_required=False, urgent_factor=0.5,
                            precedence="place", verify_by="dispatcher")
        db.session.add(category)
    for key in ("response_hours", "resolve_hours"):
        if key in body:
            value = body[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not (
                    0 < value <= _MAX_HOURS):
                raise InvalidInput(f"'{key}' must be a number of hours above 0 and at most "
                                   f"{_MAX_HOURS}", param=key)
            setattr(category, key, float(value))
    if "urgent_factor" in body:
        value = body["urgent_factor"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                0 < value <= 1):
            raise InvalidInput("'urgent_factor' must be a number above 0 and at most 1 "
                               "(1: urgent incidents get the same limits)",
                               param="urgent_factor")
        category.urgent_factor = float(value)
    for key, allowed in (("clock", CLOCKS), ("route_to", CATEGORY_ROUTES),
                         ("precedence", PRECEDENCES), ("verify_by", VERIFIERS)):
        if key in body:
            if body[key] not in allowed:
                raise InvalidInput(f"'{key}' must be one of {', '.join(allowed)}", param=key)
            setattr(category, key, body[key])
    for key in ("active", "public", "evidence_required"):
        if key in body:
            if not isinstance(body[key], bool):
                raise InvalidInput(f"'{key}' must be true or false", param=key)
            setattr(category, key, body[key])
    if "name_en" in body:
        name = body["name_en"]
        if name is not None and (not isinstance(name, str) or len(name) > 100):
            raise InvalidInput("'name_en' must be text of at most 100 characters",
                               param="name_en")
        category.name_en = name
    if category.resolve_hours < category.response_hours:
        raise InvalidInput("resolve_hours must not be below response_hours",
                           param="resolve_hours")
    after = _category_dict(category)
    audit.record("category.create" if before is None else "category.update", "category",
                 code, before=before, after=after)
    return after


def holidays(conn: Connection) -> list[dict]:
    rows = conn.execute(select(Holiday).order_by(Holiday.day))
    return [{"day": r.day.isoformat(), "kind": r.kind, "name": r.name} for r in rows]


def put_day(day: dt.date, body) -> dict:
    if not isinstance(body, dict) or body.get("kind") not in HOLIDAY_KINDS:
        raise InvalidInput(f"send {{\"kind\": one of {', '.join(HOLIDAY_KINDS)}, "
                           "\"name\": ...}", param="kind")
    params.check_fields(body, ("kind", "name"))
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 100):
        raise InvalidInput("'name' must be text of at most 100 characters", param="name")
    found = db.session.get(Holiday, day)
    before = {"kind": found.kind, "name": found.name} if found else None
    if found is None:
        found = Holiday(day=day)
        db.session.add(found)
    found.kind, found.name = body["kind"], name
    after = {"day": day.isoformat(), "kind": found.kind, "name": found.name}
    audit.record("holiday.set", "holiday", day.isoformat(), before=before, after=after)
    return after


def clear_day(day: dt.date) -> dict:
    found = db.session.get(Holiday, day)
    if found is None:
        raise NotFound(f"{day} is not in the holiday calendar")
    before = {"kind": found.kind, "name": found.name}
    db.session.delete(found)
    audit.record("holiday.clear", "holiday", day.isoformat(), before=before)
    return {"day": day.isoformat(), "kind": None, "name": None}
