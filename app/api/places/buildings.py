"""``GET /api/v1/buildings?bbox=``."""

from flask import current_app, request
from flask_smorest import Blueprint

from app.api.common import (
    BBOX,
    FEATURE_COLLECTION,
    GEOJSON,
    error,
    geojson_response,
    ok,
    query_param,
)
from app.plumbing.readdb import read
from app.security.limits import public
from geo.core import params
from geo.places.store import reads as store

blp = Blueprint("buildings", __name__, url_prefix="/api/v1", description="Buildings (楼栋)")


@blp.route("/buildings", methods=["GET"])
@blp.doc(summary="Buildings in a box",
         parameters=[{**BBOX, "required": True},
                     query_param("limit", "at most this many (default and cap: "
                                 "BUILDINGS_LIMIT_MAX, 5000)", {"type": "integer"})],
         responses={"200": ok("buildings", FEATURE_COLLECTION, GEOJSON),
                    "400": error("missing or bad bbox, limit above the cap")})
@public
def list_buildings():
    """Buildings intersecting a bbox; numberMatched tells when the limit cut the answer."""
    args, cap = request.args, current_app.config["BUILDINGS_LIMIT_MAX"]
    params.check_known(args, ("bbox", "limit"))
    box = params.bbox(args, required=True)
    limit = params.integer(args, "limit", default=cap, minimum=1, maximum=cap)
    return geojson_response(read(lambda conn: store.buildings(conn, box=box, limit=limit)))
