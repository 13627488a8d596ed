"""``GET /api/v1/lookup``: which community, grid and workers own a point."""

from flask import Response, current_app, request
from flask_smorest import Blueprint

from app.api.common import error, ok, query_param
from app.api.places import fastlookup
from app.plumbing.readdb import read, read_held
from app.security.limits import public
from geo.core import params
from geo.core.crs import CRS_NAMES, parse_crs, to_wgs84
from geo.core.errors import NotFound
from geo.places.store import reads as store

blp = Blueprint("lookup", __name__, url_prefix="/api/v1",
                description="Find the grid and grid workers for a point")

LOOKUP_RESULT = {"type": "object", "properties": {
    "community": {"type": "object", "nullable": True},
    "grid": {"type": "object", "nullable": True},
    "workers": {"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"}, "role": {"type": "string"},
        "public_phone": {"type": "string", "nullable": True},
        "service_hours": {"type": "string", "nullable": True}}}},
    "snapped": {"type": "boolean"},
    "distance_m": {"type": "number", "nullable": True}}}


@blp.route("/lookup", methods=["GET"])
@blp.doc(
    summary="Locate a point",
    description="The community, current grid and the grid workers' public contact for a "
                "point. A point in a gap within ASSIGN_SNAP_METERS of a grid is snapped to "
                "it (snapped=true, distance_m). Inside a community but in no grid: 200 with "
                "grid=null. Outside everything: 404.",
    parameters=[
        query_param("lon", "longitude, degrees", {"type": "number"}, required=True),
        query_param("lat", "latitude, degrees", {"type": "number"}, required=True),
        query_param("crs", "coordinate system of lon/lat (default wgs84)",
                    {"type": "string", "enum": list(CRS_NAMES)}),
        query_param("at", "date YYYY-MM-DD: locate against the grid versions in force that "
                    "day (default: the current ones); a past version lists no workers",
                    {"type": "string", "format": "date"}),
    ],
    responses={"200": ok("the place", LOOKUP_RESULT),
               "400": error("missing, non-numeric or out-of-range coordinates"),
               "404": error("outside every community and grid")})
@public
def lookup():
    """Locate a point."""
    args = request.args
    params.check_known(args, ("lon", "lat", "crs", "at"))
    crs = parse_crs(args.get("crs"))
    lon, lat = to_wgs84(*params.lon_lat(args, current_app.config["SERVICE_AREA"]), crs)
    snap = current_app.config["ASSIGN_SNAP_METERS"]
    at = params.date(args, "at")
    if at is None:  # the short path may have run this query for the request already
        body = fastlookup.outcome(request.environ, lambda: read_held(
            lambda conn: store.lookup(conn, lon, lat, snap)))
    else:
        body = read(lambda conn: store.lookup_at(conn, lon, lat, snap, at))
    if body is None:
        raise NotFound(f"no community or grid at lon={lon:.6f}, lat={lat:.6f}; "
                       "the point is outside the area this service covers")
    return Response(body, mimetype="application/json")
