"""Statistics for staff: caseload and performance indicators, party-member coverage.

Definitions are in ``geo.stats.caseload`` and ``geo.stats.coverage`` (and the README). Before each
answer the derived tables are brought up to date on the primary (``_refreshed``), then
the numbers are read through the read path.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, current_app, jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import BBOX, STAFF, error, ok, query_param
from app.extensions import db
from app.plumbing.readdb import read
from app.security.auth import require
from geo.core import params
from geo.core.errors import InvalidInput, NotFound
from geo.stats import caseload, coverage, csvrows

blp = Blueprint("stats", __name__, url_prefix="/api/v1",
                description="Statistics (统计), for staff")

CASELOAD_ARGS = ("from", "to", "category", "level", "community")
COVERAGE_ARGS = ("level", "target", "distance", "bbox", "community", "limit")
PERIOD = [
    query_param("from", "first day (YYYY-MM-DD, local time; default: 30 days before `to`)",
                {"type": "string", "format": "date"}),
    query_param("to", "day after the last (exclusive; default: tomorrow)",
                {"type": "string", "format": "date"}),
    query_param("category", "one category (GET /categories); default: all",
                {"type": "string"})]
COVERAGE_PARAMS = [
    query_param("level", "grid (default), community or building",
                {"type": "string", "enum": list(coverage.LEVELS)}),
    query_param("target", "households per serving member aimed at (default: setting "
                "COVERAGE_TARGET_HOUSEHOLDS)", {"type": "number"}),
    query_param("distance", "metres beyond which a building is far from every serving "
                "member's home (default: COVERAGE_DISTANCE_METERS; "
                f"50–{coverage.MAX_DISTANCE_M:g})",
                {"type": "number"}),
    BBOX, query_param("community", "12-digit community code (building level)",
                      {"type": "string"}),
    query_param("limit", f"buildings at most (≤ {coverage.BUILDING_LIMIT})",
                {"type": "integer"})]


def _refreshed(*modules) -> None:
    """Bring the derived tables up to date with every change committed so far."""
    conn = db.session.connection()
    for module in modules:
        module.refresh(conn)
    db.session.commit()


def caseload_query(args) -> dict:
    """Parse the caseload parameters (shared with the map page's data)."""
    cfg = current_app.config
    category = params.short_text(args, "category", 50)
    if category is not None:
        known = read(lambda conn: caseload.category_codes(conn))
        if category not in known:
            raise InvalidInput(f"unknown category {category!r}; categories are "
                               f"{', '.join(known)}", param="category")
    start, end, t0, t1 = caseload.period(
        params.date(args, "from"), params.date(args, "to"), dt.datetime.now(dt.UTC).date(),
        cfg["TIMEZONE"])
    return {"from": start.isoformat(), "to": end.isoformat(), "category": category,
            "timezone": cfg["TIMEZONE"], "t0": t0, "t1": t1}


def scope_of(args) -> frozenset[int] | None:
    """The caller's communities, narrowed to ``community`` when one is asked for."""
    scope, code = current_user.communities, params.code(args, "community", 12)
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


def _caseload() -> dict:
    params.check_known(request.args, CASELOAD_ARGS)
    level = params.choice(request.args, "level", caseload.LEVELS) or "grid"
    return caseload_numbers(caseload_query(request.args), level, scope_of(request.args))


@blp.route("/stats/caseload", methods=["GET"])
@blp.doc(summary="Caseload and indicators per grid or community", security=STAFF,
         description="Incidents reported in [from, to), open and overdue now, per 1,000 "
                     "households, on-time closure rate, rework rate, mean times to respond "
                     "and to close; definitions in `definitions`. Every grid (or "
                     "community) the caller may see has a row; `outside` holds incidents "
                     "in no current grid.",
         parameters=[*PERIOD, query_param("level", "grid (default) or community",
                                          {"type": "string", "enum": list(caseload.LEVELS)}),
                     query_param("community", "only this community (12-digit code)",
                                 {"type": "string"})],
         responses={"200": ok("rows, outside, totals and definitions", {"type": "object"}),
                    "400": error("bad parameter"), "401": error("not signed in"),
                    "403": error("role may not read statistics")})
@require("stats:read")
def caseload_json():
    lang = 1 if request.accept_languages.best_match(["zh", "en"]) == "en" else 0
    return jsonify({**_caseload(), "definitions": {
        k: v[lang] for k, v in caseload.DEFINITIONS.items()}})


@blp.route("/stats/caseload.csv", methods=["GET"])
@blp.doc(summary="Caseload and indicators as CSV", security=STAFF,
         description="The rows of GET /stats/caseload (UTF-8 with BOM, one header row), "
                     "then an `outside` row and a `total` row.",
         parameters=[*PERIOD, query_param("level", "grid or community", {"type": "string"})],
         responses={"200": ok("CSV", {"type": "string"}, "text/csv"),
                    "400": error("bad parameter")})
@require("stats:read")
def caseload_csv():
    numbers = _caseload()
    body = csvrows.caseload_csv(numbers)
    return _csv(body, f"caseload-{numbers['level']}-{numbers['from']}-{numbers['to']}.csv")


def distance_param(args, cfg) -> float:
    distance = params.number(args, "distance", required=False,
                             default=cfg["COVERAGE_DISTANCE_METERS"])
    if not 50 <= distance <= coverage.MAX_DISTANCE_M:
        raise InvalidInput(f"parameter 'distance' must be 50..{coverage.MAX_DISTANCE_M:g} "
                           "metres", param="distance")
    return distance


def refresh_coverage() -> None:
    _refreshed(coverage)


def coverage_numbers(args, level: str) -> dict:
    """Coverage rows per grid or community (``target``/``distance`` from ``args``)."""
    cfg = current_app.config
    target = params.number(args, "target", required=False,
                           default=cfg["COVERAGE_TARGET_HOUSEHOLDS"])
    if not 1 <= target <= 10_000:
        raise InvalidInput("parameter 'target' must be 1..10000 households", param="target")
    distance = distance_param(args, cfg)
    refresh_coverage()
    rows = read(lambda conn: coverage.grid_coverage(
        conn, scope=current_user.communities, target=target, distance=distance))
    if level == "community":
        rows = coverage.community_coverage(rows, target)
    return {"level": level, "target": target, "distance_m": distance, "rows": rows}


def _coverage() -> dict:
    args = request.args
    params.check_known(args, COVERAGE_ARGS)
    level = params.choice(args, "level", coverage.LEVELS) or "grid"
    box, community = params.bbox(args), params.code(args, "community", 12)
    limit = params.integer(args, "limit", default=coverage.BUILDING_LIMIT, minimum=1,
                           maximum=coverage.BUILDING_LIMIT)
    if level != "building":
        if box or community or "limit" in args:
            raise InvalidInput("'bbox', 'community' and 'limit' are for level=building",
                               param="bbox" if box else "community")
        return coverage_numbers(args, level)
    if box is None and community is None:
        raise InvalidInput("level=building needs 'bbox' or 'community'", param="bbox")
    distance = distance_param(args, current_app.config)
    refresh_coverage()
    found = read(lambda conn: coverage.building_coverage(
        conn, scope=current_user.communities, distance=distance, box=box,
        community=community, limit=limit))
    return {"level": level, "distance_m": distance, **found}


@blp.route("/stats/coverage", methods=["GET"])
@blp.doc(summary="Party-member coverage per grid, community or building", security=STAFF,
         description="Counts only: serving members (resident and in-service 双报到), "
                     "households per serving member against `target`, grid branch yes/no, "
                     "buildings with a building party group and buildings farther than "
                     "`distance` from every serving member's home. Never a person.",
         parameters=COVERAGE_PARAMS,
         responses={"200": ok("rows", {"type": "object"}), "400": error("bad parameter"),
                    "401": error("not signed in"),
                    "403": error("role may not read statistics")})
@require("stats:read")
def coverage_json():
    return jsonify(_coverage())


@blp.route("/stats/coverage.csv", methods=["GET"])
@blp.doc(summary="Party-member coverage as CSV", security=STAFF,
         parameters=COVERAGE_PARAMS,
         responses={"200": ok("CSV", {"type": "string"}, "text/csv"),
                    "400": error("bad parameter")})
@require("stats:read")
def coverage_csv():
    numbers = _coverage()
    return _csv(csvrows.rows_csv(numbers["rows"]), f"coverage-{numbers['level']}.csv")


def _csv(body: str, filename: str) -> Response:
    return Response("\ufeff" + body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
