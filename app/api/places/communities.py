"""``GET /api/v1/communities``."""

from app.api.common import GEOJSON, Blueprint, geojson_response
from app.api.fields import FeatureCollection
from app.api.places.schemas import CommunitiesQuery
from app.plumbing.readdb import read
from app.security.limits import public
from geo.places.store import reads as store

blp = Blueprint("communities", __name__, url_prefix="/api/v1", description="Communities (社区)")


@blp.route("/communities", methods=["GET"])
@public
@blp.doc(summary="List communities")
@blp.arguments(CommunitiesQuery, location="query")
@blp.response(200, FeatureCollection, content_type=GEOJSON, description="communities")
@blp.fails({400: "bad parameter"})
def list_communities(args):
    """Communities (as they were on ``at``) as a GeoJSON FeatureCollection, by code."""
    return geojson_response(read(lambda conn: store.communities(
        conn, box=args.get("bbox"), at=args.get("at"), limit=args["limit"],
        offset=args["offset"])))
