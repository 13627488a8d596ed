"""``GET /api/v1/communities``."""

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
)
from app.plumbing.readdb import read
from app.security.limits import public
from geo.core import params
from geo.places.store import reads as store

blp = Blueprint("communities", __name__, url_prefix="/api/v1", description="Communities (社区)")


@blp.route("/communities", methods=["GET"])
@blp.doc(summary="List communities", parameters=[BBOX, *paging(100, 1000)],
         responses={"200": ok("communities", FEATURE_COLLECTION, GEOJSON),
                    "400": error("bad parameter")})
@public
def list_communities():
    """Communities as a GeoJSON FeatureCollection, ordered by code."""
    args, cfg = request.args, current_app.config
    params.check_known(args, ("bbox", "limit", "offset"))
    box = params.bbox(args)
    limit = params.integer(args, "limit", default=cfg["API_PAGE_LIMIT_DEFAULT"], minimum=1,
                           maximum=cfg["API_PAGE_LIMIT_MAX"])
    offset = params.integer(args, "offset", default=0)
    return geojson_response(
        read(lambda conn: store.communities(conn, box=box, limit=limit, offset=offset)))
