"""``GET /api/v1/geocode``: buildings by code, name or address text."""

from flask import jsonify

from app.api.common import Blueprint
from app.api.places.schemas import GeocodeQuery, GeocodeResults
from app.plumbing.readdb import read
from app.security.limits import public
from geo.places import geocode

blp = Blueprint("geocode", __name__, url_prefix="/api/v1",
                description="Find buildings by address, name or code")


@blp.route("/geocode", methods=["GET"])
@public
@blp.doc(summary="Search buildings",
         description="Partial matches on address and name (Chinese text; full-width "
                     "characters folded), or a building code prefix (4+ digits); best "
                     "first: exact, prefix, similarity. Each with a point inside the "
                     "building (WGS-84) and the grid and community it belongs to.")
@blp.arguments(GeocodeQuery, location="query")
@blp.response(200, GeocodeResults, description="matching buildings")
@blp.fails({400: "missing or oversized q"})
def search(args):
    results = read(lambda conn: geocode.search(conn, args["q"], args["limit"]))
    for found in results:
        found.pop("building_id")
    return jsonify({"results": results})
