"""What the caseload and coverage map pages fetch: geometry for the view, sized for the
zoom, and the numbers per grid with their classes. Staff only; compact, not RFC 7946
(the statistics themselves are at /api/v1/stats/...)."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import BBOX, STAFF, error, ok, query_param
from app.api.stats import numbers as stats
from app.plumbing.readdb import read
from app.security.auth import require
from geo.core import params
from geo.core.crs import from_wgs84
from geo.core.errors import InvalidInput, NotFound
from geo.incidents.store import reads as store
from geo.stats import classes, coverage, mapshapes

blp = Blueprint("mapdata", __name__, url_prefix="/api/v1/map",
                description="Data of the statistics map pages, for staff")

BASEMAP_CRS = ("wgs84", "gcj02")
ZOOM = query_param("zoom", f"map zoom {mapshapes.MIN_ZOOM}–{mapshapes.MAX_ZOOM}",
                   {"type": "integer"}, required=True)
CRS = query_param("crs", "wgs84 (default) or gcj02: coordinates shifted for a GCJ-02 "
                  "basemap (Amap); bbox is then in GCJ-02 too", {"type": "string"})
CLASS_ARGS = [query_param("scheme", "natural_breaks (default), quantiles or equal_interval",
                          {"type": "string", "enum": list(classes.SCHEMES)}),
              query_param("k", f"classes, 2–{classes.MAX_K} (default 5)",
                          {"type": "integer"})]
CASELOAD_MEASURES = ("count", "per_1000", "open", "overdue")
COVERAGE_MEASURES = ("households_per_member", "serving", "buildings_far",
                     "buildings_without_group")


def _view(args, *, zoom: bool = True) -> dict:
    """bbox (WGS-84, converted from GCJ-02 when crs=gcj02), zoom and crs."""
    crs = params.choice(args, "crs", BASEMAP_CRS) or "wgs84"
    box = params.bbox(args, required=True)
    if crs != "wgs84":  # a view box: converting its corners is exact enough
        (x0, x1), (y0, y1) = _to_wgs84([box[0], box[2]], [box[1], box[3]], crs)
        box = (x0, y0, x1, y1)
    out = {"box": box, "crs": crs}
    if zoom:
        out["zoom"] = params.integer(args, "zoom", default=-1, minimum=mapshapes.MIN_ZOOM,
                                     maximum=mapshapes.MAX_ZOOM)
        if out["zoom"] < 0:
            raise InvalidInput("missing parameter 'zoom'", param="zoom")
    return out


def _to_wgs84(lons, lats, crs):
    from geo.core.crs import to_wgs84

    x, y = to_wgs84(lons, lats, crs)
    return [float(v) for v in x], [float(v) for v in y]


def _classes(args) -> tuple[str, int]:
    return (params.choice(args, "scheme", classes.SCHEMES) or "natural_breaks",
            params.integer(args, "k", default=5, minimum=2, maximum=classes.MAX_K))


@blp.route("/grids", methods=["GET"])
@blp.doc(summary="Grid outlines of a view, quantised for the zoom", security=STAFF,
         description="Current grids meeting bbox, every vertex snapped to half a screen "
                     "pixel (shared edges stay shared), as zigzag-varint streams (see "
                     "geo/mapshapes.py).", parameters=[BBOX, ZOOM, CRS],
         responses={"200": ok("outlines", {"type": "object"}), "400": error("bad parameter")})
@require("grids:read")
def grid_outlines():
    params.check_known(request.args, ("bbox", "zoom", "crs"))
    view = _view(request.args)
    body = read(lambda conn: mapshapes.grid_outlines(
        conn, box=view["box"], zoom=view["zoom"], scope=current_user.communities,
        crs=view["crs"]))
    return Response(body, mimetype="application/json")


@blp.route("/grids/<int:grid_id>", methods=["GET"])
@blp.doc(summary="A grid's name, community and workers (for a tooltip)", security=STAFF,
         responses={"200": ok("the grid", {"type": "object"}),
                    "404": error("no such current grid among the caller's communities")})
@require("grids:read")
def grid_card(grid_id: int):
    params.check_known(request.args, ())
    card = read(lambda conn: mapshapes.grid_card(conn, grid_id, current_user.communities))
    if card is None:
        raise NotFound(f"no current grid {grid_id} among the communities you may see")
    return jsonify(card)


@blp.route("/caseload", methods=["GET"])
@blp.doc(summary="Caseload per grid for the map, with classes", security=STAFF,
         parameters=[*stats.PERIOD, *CLASS_ARGS],
         responses={"200": ok("ids, values per measure, classes, totals", {"type": "object"}),
                    "400": error("bad parameter")})
@require("stats:read")
def caseload_values():
    params.check_known(request.args, ("from", "to", "category", "scheme", "k"))
    scheme, k = _classes(request.args)
    numbers = stats.caseload_numbers(stats.caseload_query(request.args), "grid",
                                     current_user.communities)
    return jsonify({**_columns(numbers["rows"], CASELOAD_MEASURES, scheme, k),
                    **{key: numbers[key] for key in ("from", "to", "category", "totals",
                                                     "outside")}})


@blp.route("/coverage", methods=["GET"])
@blp.doc(summary="Party-member coverage per grid for the map, with classes", security=STAFF,
         parameters=[*stats.COVERAGE_PARAMS[1:3], *CLASS_ARGS],
         responses={"200": ok("ids, values per measure, flags, classes", {"type": "object"}),
                    "400": error("bad parameter")})
@require("stats:read")
def coverage_values():
    args = request.args
    params.check_known(args, ("target", "distance", "scheme", "k"))
    scheme, k = _classes(args)
    numbers = stats.coverage_numbers(args, "grid")
    rows = [{**r, "buildings_without_group": r["buildings"] - r["buildings_with_group"]}
            for r in numbers["rows"]]
    out = _columns(rows, COVERAGE_MEASURES, scheme, k)
    for key in ("has_branch", "no_member", "over_target", "households", "serving_resident",
                "serving_in_service", "buildings", "buildings_with_group"):
        out["values"][key] = [r[key] for r in rows]
    return jsonify({**out, "target": numbers["target"], "distance_m": numbers["distance_m"]})


def _columns(rows: list[dict], measures, scheme: str, k: int) -> dict:
    values = {m: [r[m] for r in rows] for m in measures}
    return {"ids": [r["grid_id"] for r in rows], "values": values,
            "classes": {m: classes.classes(values[m], scheme, k) for m in measures}}


@blp.route("/heat", methods=["GET"])
@blp.doc(summary="Incidents of a period in a view, binned for a heatmap", security=STAFF,
         parameters=[*stats.PERIOD, BBOX, ZOOM, CRS],
         responses={"200": ok("[lat, lon, n] points", {"type": "object"}),
                    "400": error("bad parameter")})
@require("stats:read")
def heat():
    params.check_known(request.args, ("from", "to", "category", "bbox", "zoom", "crs"))
    view, query = _view(request.args), stats.caseload_query(request.args)
    return jsonify(read(lambda conn: mapshapes.heat_points(
        conn, box=view["box"], zoom=view["zoom"], t0=query["t0"], t1=query["t1"],
        category=query["category"], scope=current_user.communities, crs=view["crs"])))


@blp.route("/open", methods=["GET"])
@blp.doc(summary="Open incidents in a view as points", security=STAFF,
         description="As GET /incidents/points, with crs: `[id, lon, lat, status, overdue]`.",
         parameters=[BBOX, CRS, query_param("limit", "at most (≤ 5000, default 2000)",
                                            {"type": "integer"})],
         responses={"200": ok("points", {"type": "object"}), "400": error("bad parameter")})
@require("incidents:read")
def open_points():
    args = request.args
    params.check_known(args, ("bbox", "crs", "limit"))
    view = _view(args, zoom=False)
    limit = params.integer(args, "limit", default=2000, minimum=1, maximum=5000)
    found = read(lambda conn: store.open_points(conn, current_user.communities,
                                                    view["box"], limit))
    if view["crs"] != "wgs84" and found["points"]:
        lon, lat = from_wgs84([p[1] for p in found["points"]], [p[2] for p in found["points"]],
                              view["crs"])
        for p, x, y in zip(found["points"], lon, lat, strict=True):
            p[1], p[2] = round(float(x), 6), round(float(y), 6)
    return jsonify(found)


@blp.route("/buildings", methods=["GET"])
@blp.doc(summary="Buildings of a view with party-group and distance flags", security=STAFF,
         description="GeoJSON of at most `limit` buildings meeting bbox: has_group (楼栋党小组) "
                     "and far (beyond `distance` from every serving member's home).",
         parameters=[BBOX, CRS, stats.COVERAGE_PARAMS[2],
                     query_param("limit", "at most (≤ 5000, default 3000)",
                                 {"type": "integer"})],
         responses={"200": ok("FeatureCollection", {"type": "object"}),
                    "400": error("bad parameter")})
@require("stats:read")
def buildings():
    args, cfg = request.args, current_app.config
    params.check_known(args, ("bbox", "crs", "distance", "limit"))
    view = _view(args, zoom=False)
    distance = stats.distance_param(args, cfg)
    limit = params.integer(args, "limit", default=3000, minimum=1, maximum=5000)
    stats.refresh_coverage()
    found = read(lambda conn: coverage.building_coverage(
        conn, scope=current_user.communities, distance=distance, box=view["box"],
        limit=limit, geometry_digits=6))
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
