"""What the caseload and coverage map pages fetch: geometry for the view, sized for the
zoom, and the numbers per grid with their classes. Staff only; compact, not RFC 7946
(the statistics themselves are at /api/v1/stats/...)."""

from __future__ import annotations

from flask import Response, jsonify
from flask_login import current_user

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.stats import numbers as stats
from app.api.stats.schemas import (
    CaseloadMapQuery,
    CoverageMapQuery,
    GridCard,
    Heat,
    HeatQuery,
    MapBuildings,
    MapBuildingsQuery,
    MapColumns,
    MapShapes,
    OpenPoints,
    OpenPointsQuery,
    ZoomedView,
)
from app.plumbing.readdb import read
from app.security.auth import require
from geo.core.crs import from_wgs84
from geo.core.errors import NotFound
from geo.incidents.store import reads as store
from geo.stats import classes, coverage, mapshapes

blp = Blueprint("mapdata", __name__, url_prefix="/api/v1/map",
                description="Data of the statistics map pages, for staff")

CASELOAD_MEASURES = ("count", "per_1000", "open", "overdue")
COVERAGE_MEASURES = ("households_per_member", "serving", "buildings_far",
                     "buildings_without_group")
FAILS = {400: "bad parameter", **SIGNED_IN}


def _view(args) -> dict:
    """bbox (WGS-84, converted from GCJ-02 when crs=gcj02), zoom and crs."""
    crs, box = args.get("crs") or "wgs84", args["bbox"]
    if crs != "wgs84":  # a view box: converting its corners is exact enough
        (x0, x1), (y0, y1) = _to_wgs84([box[0], box[2]], [box[1], box[3]], crs)
        box = (x0, y0, x1, y1)
    return {"box": box, "crs": crs, "zoom": args.get("zoom")}


def _to_wgs84(lons, lats, crs):
    from geo.core.crs import to_wgs84

    x, y = to_wgs84(lons, lats, crs)
    return [float(v) for v in x], [float(v) for v in y]


@blp.route("/grids", methods=["GET"])
@require("grids:read")
@blp.doc(summary="Grid outlines of a view, quantised for the zoom", security=STAFF,
         description="Current grids meeting bbox, every vertex snapped to half a screen "
                     "pixel (shared edges stay shared), as zigzag-varint streams (see "
                     "geo/stats/mapshapes.py).")
@blp.arguments(ZoomedView, location="query")
@blp.response(200, MapShapes, description="outlines")
@blp.fails(FAILS)
def grid_outlines(args):
    view = _view(args)
    body = read(lambda conn: mapshapes.grid_outlines(
        conn, box=view["box"], zoom=view["zoom"], scope=current_user.communities,
        crs=view["crs"]))
    return Response(body, mimetype="application/json")


@blp.route("/grids/<int:grid_id>", methods=["GET"])
@require("grids:read")
@blp.doc(summary="A grid's name, community and workers (for a tooltip)", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.response(200, GridCard, description="the grid")
@blp.fails({**FAILS, 404: "no such current grid among the caller's communities"})
def grid_card(args, grid_id: int):
    card = read(lambda conn: mapshapes.grid_card(conn, grid_id, current_user.communities))
    if card is None:
        raise NotFound(f"no current grid {grid_id} among the communities you may see")
    return jsonify(card)


@blp.route("/caseload", methods=["GET"])
@require("stats:read")
@blp.doc(summary="Caseload per grid for the map, with classes", security=STAFF)
@blp.arguments(CaseloadMapQuery, location="query")
@blp.response(200, MapColumns, description="ids, values per measure, classes, totals")
@blp.fails(FAILS)
def caseload_values(args):
    numbers = stats.caseload_numbers(stats.caseload_query(args), "grid",
                                     current_user.communities)
    return jsonify({**_columns(numbers["rows"], CASELOAD_MEASURES, args),
                    **{key: numbers[key] for key in ("from", "to", "category", "totals",
                                                     "outside")}})


@blp.route("/coverage", methods=["GET"])
@require("stats:read")
@blp.doc(summary="Party-member coverage per grid for the map, with classes", security=STAFF)
@blp.arguments(CoverageMapQuery, location="query")
@blp.response(200, MapColumns, description="ids, values per measure, flags, classes")
@blp.fails(FAILS)
def coverage_values(args):
    numbers = stats.coverage_numbers(args, "grid")
    rows = [{**r, "buildings_without_group": r["buildings"] - r["buildings_with_group"]}
            for r in numbers["rows"]]
    out = _columns(rows, COVERAGE_MEASURES, args)
    for key in ("has_branch", "no_member", "over_target", "households", "serving_resident",
                "serving_in_service", "buildings", "buildings_with_group"):
        out["values"][key] = [r[key] for r in rows]
    return jsonify({**out, "target": numbers["target"], "distance_m": numbers["distance_m"]})


def _columns(rows: list[dict], measures, args) -> dict:
    scheme, k = args.get("scheme") or "natural_breaks", args["k"]
    values = {m: [r[m] for r in rows] for m in measures}
    return {"ids": [r["grid_id"] for r in rows], "values": values,
            "classes": {m: classes.classes(values[m], scheme, k) for m in measures}}


@blp.route("/heat", methods=["GET"])
@require("stats:read")
@blp.doc(summary="Incidents of a period in a view, binned for a heatmap", security=STAFF)
@blp.arguments(HeatQuery, location="query")
@blp.response(200, Heat, description="[lat, lon, n] points")
@blp.fails(FAILS)
def heat(args):
    view, query = _view(args), stats.caseload_query(args)
    return jsonify(read(lambda conn: mapshapes.heat_points(
        conn, box=view["box"], zoom=view["zoom"], t0=query["t0"], t1=query["t1"],
        category=query["category"], scope=current_user.communities, crs=view["crs"])))


@blp.route("/open", methods=["GET"])
@require("incidents:read")
@blp.doc(summary="Open incidents in a view as points", security=STAFF,
         description="As GET /incidents/points, with crs: `[id, lon, lat, status, overdue]`.")
@blp.arguments(OpenPointsQuery, location="query")
@blp.response(200, OpenPoints, description="points")
@blp.fails(FAILS)
def open_points(args):
    view = _view(args)
    found = read(lambda conn: store.open_points(conn, current_user.communities,
                                                view["box"], args["limit"]))
    if view["crs"] != "wgs84" and found["points"]:
        lon, lat = from_wgs84([p[1] for p in found["points"]], [p[2] for p in found["points"]],
                              view["crs"])
        for p, x, y in zip(found["points"], lon, lat, strict=True):
            p[1], p[2] = round(float(x), 6), round(float(y), 6)
    return jsonify(found)


@blp.route("/buildings", methods=["GET"])
@require("stats:read")
@blp.doc(summary="Buildings of a view with party-group and distance flags", security=STAFF,
         description="GeoJSON of at most `limit` buildings meeting bbox: has_group (楼栋党小组) "
                     "and far (beyond `distance` from every serving member's home).")
@blp.arguments(MapBuildingsQuery, location="query")
@blp.response(200, MapBuildings, description="FeatureCollection")
@blp.fails(FAILS)
def buildings(args):
    view = _view(args)
    stats.refresh_coverage()
    found = read(lambda conn: coverage.building_coverage(
        conn, scope=current_user.communities, distance=args["distance"], box=view["box"],
        limit=args["limit"], geometry_digits=6))
    features = [{"type": "Feature", "id": r.pop("building_id"), "geometry": r.pop("geometry"),
                 "properties": r} for r in found["rows"]]
    if view["crs"] != "wgs84":
        features = [_shift_feature(f, view["crs"]) for f in features]
    return jsonify({"type": "FeatureCollection", "features": features,
                    "truncated": found["truncated"]})


def _shift_feature(feature: dict, crs: str) -> dict:
    from shapely.geometry import mapping, shape

    from geo.core.crs import geometry_from_wgs84

    feature["geometry"] = mapping(geometry_from_wgs84(shape(feature["geometry"]), crs))
    return feature
