"""``GET /api/v1/lookup``: which community, grid and workers own a point."""

from flask import Response, current_app, request

from app.api.common import Blueprint
from app.api.places import fastlookup
from app.api.places.schemas import LookupQuery, LookupResult
from app.plumbing.readdb import read, read_held
from app.security.limits import public
from geo.core.crs import to_wgs84
from geo.core.errors import NotFound
from geo.places.store import reads as store

blp = Blueprint("lookup", __name__, url_prefix="/api/v1",
                description="Find the grid and grid workers for a point")


@blp.route("/lookup", methods=["GET"])
@public
@blp.doc(
    summary="Locate a point",
    description="The community, current grid and the grid workers' public contact for a "
                "point. A point in a gap within ASSIGN_SNAP_METERS of a grid is snapped to "
                "it (snapped=true, distance_m). Inside a community but in no grid: 200 with "
                "grid=null. Outside everything: 404.")
@blp.arguments(LookupQuery, location="query")
@blp.response(200, LookupResult, description="the place")
@blp.fails({400: "missing, non-numeric or out-of-range coordinates",
            404: "outside every community and grid"})
def lookup(args):
    """Locate a point."""
    lon, lat = to_wgs84(args["lon"], args["lat"], args.get("crs", "wgs84"))
    snap = current_app.config["ASSIGN_SNAP_METERS"]
    at = args.get("at")
    if at is None:  # the short path may have run this query for the request already
        body = fastlookup.outcome(request.environ, lambda: read_held(
            lambda conn: store.lookup(conn, lon, lat, snap)))
    else:
        body = read(lambda conn: store.lookup_at(conn, lon, lat, snap, at))
    if body is None:
        raise NotFound(f"no community or grid at lon={lon:.6f}, lat={lat:.6f}; "
                       "the point is outside the area this service covers")
    return Response(body, mimetype="application/json")
