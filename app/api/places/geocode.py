"""``GET /api/v1/geocode``: buildings by code, name or address text."""

from flask import jsonify, request
from flask_smorest import Blueprint

from app.api.common import error, ok, query_param
from app.plumbing.readdb import read
from app.security.limits import public
from geo.core import params
from geo.places import geocode

blp = Blueprint("geocode", __name__, url_prefix="/api/v1",
                description="Find buildings by address, name or code")

RESULTS = {"type": "object", "properties": {"results": {"type": "array", "items": {
    "type": "object", "properties": {
        "code": {"type": "string"}, "name": {"type": "string", "nullable": True},
        "address": {"type": "string", "nullable": True},
        "lon": {"type": "number"}, "lat": {"type": "number"},
        "grid": {"type": "object", "nullable": True},
        "community": {"type": "object", "nullable": True}}}}}}


@blp.route("/geocode", methods=["GET"])
@blp.doc(summary="Search buildings",
         description="Partial matches on address and name (Chinese text; full-width "
                     "characters folded), or a building code prefix (4+ digits); best "
                     "first: exact, prefix, similarity. Each with a point inside the "
                     "building (WGS-84) and the grid and community it belongs to.",
         parameters=[query_param("q", "address, building/compound name or code (≤ 100 "
                                 "characters)", {"type": "string"}, required=True),
                     query_param("limit", "at most this many (default 10, ≤ 50)",
                                 {"type": "integer"})],
         responses={"200": ok("matching buildings", RESULTS),
                    "400": error("missing or oversized q")})
@public
def search():
    args = request.args
    params.check_known(args, ("q", "limit"))
    q = geocode.normalize(args.get("q"))
    limit = params.integer(args, "limit", default=10, minimum=1, maximum=50)
    results = read(lambda conn: geocode.search(conn, q, limit))
    for found in results:
        found.pop("building_id")
    return jsonify({"results": results})
