"""``GET /api/v1/grids`` and ``/api/v1/grids/<id>``."""

from flask import current_app, jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import (
    BBOX,
    FEATURE_COLLECTION,
    GEOJSON,
    STAFF,
    error,
    geojson_response,
    ok,
    paging,
    query_param,
)
from app.api.places import gridedits
from app.extensions import db
from app.plumbing.readdb import read
from app.security.auth import require
from app.security.limits import public
from geo.core import params
from geo.core.errors import NotFound
from geo.places.store import reads as store

blp = Blueprint("grids", __name__, url_prefix="/api/v1", description="Grids (网格)")


@blp.route("/grids", methods=["GET"])
@blp.doc(summary="List grids",
         parameters=[
             query_param("community", "12-digit community code", {"type": "string"}),
             BBOX,
             query_param("at", "date YYYY-MM-DD: the versions in force then (default: current)",
                         {"type": "string", "format": "date"}),
             *paging(100, 1000)],
         responses={"200": ok("grids", FEATURE_COLLECTION, GEOJSON),
                    "400": error("bad parameter")})
@public
def list_grids():
    """Grids as a GeoJSON FeatureCollection, ordered by code."""
    args, cfg = request.args, current_app.config
    params.check_known(args, ("community", "bbox", "at", "limit", "offset"))
    query = dict(
        community=params.code(args, "community", 12), box=params.bbox(args),
        at=params.date(args, "at"),
        limit=params.integer(args, "limit", default=cfg["API_PAGE_LIMIT_DEFAULT"], minimum=1,
                             maximum=cfg["API_PAGE_LIMIT_MAX"]),
        offset=params.integer(args, "offset", default=0))
    return geojson_response(read(lambda conn: store.grids(conn, **query)))


@blp.route("/grids/<int:grid_id>", methods=["GET"])
@blp.doc(summary="One grid version",
         responses={"200": ok("the grid", {"type": "object"}, GEOJSON),
                    "404": error("no such grid")})
@public
def get_grid(grid_id: int):
    """One grid (any version) as a GeoJSON Feature with its workers' public contact."""
    params.check_known(request.args, ())
    feature = read(lambda conn: store.grid(conn, grid_id))
    if feature is None:
        raise NotFound(f"no grid with id {grid_id}")
    return geojson_response(feature)


@blp.route("/grids/<int:grid_id>", methods=["PATCH"])
@blp.doc(summary="Change a current grid's details", security=STAFF,
         description="JSON body with the fields to change (``name``). Boundaries change "
                     "through redraw plans only. Recorded in the audit log (before/after).",
         requestBody={"content": {"application/json": {"schema": {
             "type": "object", "properties": {"name": {"type": "string", "maxLength": 200}}}}}},
         responses={"200": ok("the grid after the change", {"type": "object"}),
                    "400": error("bad body"), "401": error("not signed in"),
                    "403": error("role may not edit grids, or CSRF token missing"),
                    "404": error("no such grid among the caller's communities"),
                    "409": error("a past version")})
@require("grids:write")
def update_grid(grid_id: int):
    """Rename a current grid."""
    params.check_known(request.args, ())
    grid = gridedits.update_grid(grid_id, request.get_json(), current_user.communities)
    db.session.commit()
    return jsonify({"id": grid.id, "code": grid.code, "name": grid.name})
