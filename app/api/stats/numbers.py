"""Statistics for staff: caseload and performance indicators, party-member coverage.

Definitions are in ``geo.stats.caseload`` and ``geo.stats.coverage`` (and the README). Before each
answer the derived tables are brought up to date on the primary (``_refreshed``), then
the numbers are read through the read path.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, current_app, jsonify
from flask_login import current_user

from app.api.common import STAFF, Blueprint
from app.api.stats.definitions import definitions
from app.api.stats.schemas import CSV, Caseload, CaseloadQuery, Coverage, CoverageQuery
from app.extensions import db
from app.plumbing.readdb import read
from app.security.auth import require
from geo.core.errors import InvalidInput, NotFound
from geo.stats import caseload, coverage, csvrows

blp = Blueprint("stats", __name__, url_prefix="/api/v1",
                description="Statistics (统计), for staff")
FAILS = {400: "bad parameter", 401: "not signed in", 403: "role may not read statistics"}


def _refreshed(*modules) -> None:
    """Bring the derived tables up to date with every change committed so far."""
    conn = db.session.connection()
    for module in modules:
        module.refresh(conn)
    db.session.commit()


def checked_category(args: dict) -> str | None:
    """The ``category`` argument, None when not given; an unknown code is a 400."""
    category = args.get("category")
    if category is not None:
        known = read(lambda conn: caseload.category_codes(conn))
        if category not in known:
            raise InvalidInput(f"unknown category {category!r}; categories are "
                               f"{', '.join(known)}", param="category")
    return category


def caseload_query(args: dict) -> dict:
    """The caseload's period and category, from parsed ``Period`` arguments (shared with
    the map page's data)."""
    cfg = current_app.config
    category = checked_category(args)
    start, end, t0, t1 = caseload.period(
        args.get("since"), args.get("until"), dt.datetime.now(dt.UTC).date(), cfg["TIMEZONE"])
    return {"from": start.isoformat(), "to": end.isoformat(), "category": category,
            "timezone": cfg["TIMEZONE"], "t0": t0, "t1": t1}


def scope_of(code: str | None) -> frozenset[int] | None:
    """The caller's communities, narrowed to ``code`` when one is asked for."""
    scope = current_user.communities
    if code is None:
        return scope
    found = read(lambda conn: caseload.community_id(conn, code))
    if found is None or (scope is not None and found not in scope):
        raise NotFound(f"no community {code} among those you may see")
    return frozenset({found})


def caseload_numbers(query: dict, level: str, scope: frozenset[int] | None) -> dict:
    _refreshed(caseload)
    numbers = read(lambda conn: caseload.caseload(
        conn, level=level, t0=query["t0"], t1=query["t1"], category=query["category"],
        scope=scope))
    shown = {k: v for k, v in query.items() if k not in ("t0", "t1")}
    return {**shown, "level": level, **numbers}


def _caseload(args: dict) -> dict:
    return caseload_numbers(caseload_query(args), args.get("level") or "grid",
                            scope_of(args.get("community")))


@blp.route("/stats/caseload", methods=["GET"])
@require("stats:read")
@blp.doc(summary="Caseload and indicators per grid or community", security=STAFF,
         description="Incidents reported in [from, to), open and overdue now, per 1,000 "
                     "households, on-time closure rate, rework rate, mean times to respond "
                     "and to close; definitions in `definitions`. Every grid (or "
                     "community) the caller may see has a row; `outside` holds incidents "
                     "in no current grid.")
@blp.arguments(CaseloadQuery, location="query")
@blp.response(200, Caseload, description="rows, outside, totals and definitions")
@blp.fails({**FAILS, 404: "no such community among the caller's"})
def caseload_json(args):
    return jsonify({**_caseload(args), "definitions": definitions()})


@blp.route("/stats/caseload.csv", methods=["GET"])
@require("stats:read")
@blp.doc(summary="Caseload and indicators as CSV", security=STAFF,
         description="The rows of GET /stats/caseload (UTF-8 with BOM, one header row), "
                     "then an `outside` row and a `total` row.")
@blp.arguments(CaseloadQuery, location="query")
@blp.response(200, CSV, content_type="text/csv", description="CSV")
@blp.fails({**FAILS, 404: "no such community among the caller's"})
def caseload_csv(args):
    numbers = _caseload(args)
    body = csvrows.caseload_csv(numbers)
    return _csv(body, f"caseload-{numbers['level']}-{numbers['from']}-{numbers['to']}.csv")


def refresh_coverage() -> None:
    _refreshed(coverage)


def coverage_numbers(args: dict, level: str) -> dict:
    """Coverage rows per grid or community (``target``/``distance`` from ``args``)."""
    target, distance = args["target"], args["distance"]
    refresh_coverage()
    rows = read(lambda conn: coverage.grid_coverage(
        conn, scope=current_user.communities, target=target, distance=distance))
    if level == "community":
        rows = coverage.community_coverage(rows, target)
    return {"level": level, "target": target, "distance_m": distance, "rows": rows}


def _coverage(args: dict) -> dict:
    level = args.get("level") or "grid"
    box, community = args.get("bbox"), args.get("community")
    if level != "building":
        if box or community or "limit" in args:
            raise InvalidInput("'bbox', 'community' and 'limit' are for level=building",
                               param="bbox" if box else "community")
        return coverage_numbers(args, level)
    if box is None and community is None:
        raise InvalidInput("level=building needs 'bbox' or 'community'", param="bbox")
    refresh_coverage()
    found = read(lambda conn: coverage.building_coverage(
        conn, scope=current_user.communities, distance=args["distance"], box=box,
        community=community, limit=args.get("limit", coverage.BUILDING_LIMIT)))
    return {"level": level, "distance_m": args["distance"], **found}


@blp.route("/stats/coverage", methods=["GET"])
@require("stats:read")
@blp.doc(summary="Party-member coverage per grid, community or building", security=STAFF,
         description="Counts only: serving members (resident and in-service 双报到), "
                     "households per serving member against `target`, grid branch yes/no, "
                     "buildings with a building party group and buildings farther than "
                     "`distance` from every serving member's home. Never a person.")
@blp.arguments(CoverageQuery, location="query")
@blp.response(200, Coverage, description="rows")
@blp.fails(FAILS)
def coverage_json(args):
    return jsonify(_coverage(args))


@blp.route("/stats/coverage.csv", methods=["GET"])
@require("stats:read")
@blp.doc(summary="Party-member coverage as CSV", security=STAFF)
@blp.arguments(CoverageQuery, location="query")
@blp.response(200, CSV, content_type="text/csv", description="CSV")
@blp.fails(FAILS)
def coverage_csv(args):
    numbers = _coverage(args)
    return _csv(csvrows.rows_csv(numbers["rows"]), f"coverage-{numbers['level']}.csv")


def _csv(body: str, filename: str) -> Response:
    return Response("\ufeff" + body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
