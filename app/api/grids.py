"""``GET /api/v1/grids`` and ``/api/v1/grids/<id>``."""

from flask import current_app, request
from flask_smorest import Blueprint

from app.api.common import (
    BBOX,
    FEATURE_COLLECTION,
    GEOJSON,
    error,
    geojson_response,
    ok,
    paging,
    query_param,
)
from app.readdb import read
from geo import params, repo
from geo.errors import NotFound

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
    return geojson_response(read(lambda conn: repo.grids(conn, **query)))


@blp.route("/grids/<int:grid_id>", methods=["GET"])
@blp.doc(summary="One grid version",
         responses={"200": ok("the grid", {"type": "object"}, GEOJSON),
                    "404": error("no such grid")})
def get_grid(grid_id: int):
    """One grid (any version) as a GeoJSON Feature with its workers' public contact."""
    params.check_known(request.args, ())
    feature = read(lambda conn: repo.grid(conn, grid_id))
    if feature is None:
        raise NotFound(f"no grid with id {grid_id}")
    return geojson_response(feature)
