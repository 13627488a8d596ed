"""``GET /api/v1/buildings?bbox=``."""

from app.api.common import GEOJSON, Blueprint, geojson_response
from app.api.fields import FeatureCollection
from app.api.places.schemas import BuildingsQuery
from app.plumbing.readdb import read
from app.security.limits import public
from geo.places.store import reads as store

blp = Blueprint("buildings", __name__, url_prefix="/api/v1", description="Buildings (楼栋)")


@blp.route("/buildings", methods=["GET"])
@public
@blp.doc(summary="Buildings in a box")
@blp.arguments(BuildingsQuery, location="query")
@blp.response(200, FeatureCollection, content_type=GEOJSON, description="buildings")
@blp.fails({400: "missing or bad bbox, limit above the cap"})
def list_buildings(args):
    """Buildings intersecting a bbox; numberMatched tells when the limit cut the answer."""
    return geojson_response(read(lambda conn: store.buildings(
        conn, box=args["bbox"], limit=args["limit"])))
