"""``GET /api/v1/grids`` and ``/api/v1/grids/<id>``."""

from flask import jsonify
from flask_login import current_user

from app.api.common import GEOJSON, SIGNED_IN, STAFF, Blueprint, geojson_response
from app.api.fields import Feature, FeatureCollection, NoQuery
from app.api.places import gridedits
from app.api.places.schemas import GridName, GridPatch, GridsQuery
from app.extensions import db
from app.plumbing.readdb import read
from app.security.auth import require
from app.security.limits import public
from geo.core.errors import NotFound
from geo.places.store import reads as store

blp = Blueprint("grids", __name__, url_prefix="/api/v1", description="Grids (网格)")


@blp.route("/grids", methods=["GET"])
@public
@blp.doc(summary="List grids")
@blp.arguments(GridsQuery, location="query")
@blp.response(200, FeatureCollection, content_type=GEOJSON, description="grids")
@blp.fails({400: "bad parameter"})
def list_grids(args):
    """Grids as a GeoJSON FeatureCollection, ordered by code."""
    query = dict(community=args.get("community"), box=args.get("bbox"), at=args.get("at"),
                 limit=args["limit"], offset=args["offset"])
    return geojson_response(read(lambda conn: store.grids(conn, **query)))


@blp.route("/grids/<int:grid_id>", methods=["GET"])
@public
@blp.doc(summary="One grid version")
@blp.arguments(NoQuery, location="query")
@blp.response(200, Feature, content_type=GEOJSON, description="the grid")
@blp.fails({400: "a query parameter (none is taken)", 404: "no such grid"})
def get_grid(args, grid_id: int):
    """One grid (any version) as a GeoJSON Feature with its workers' public contact."""
    feature = read(lambda conn: store.grid(conn, grid_id))
    if feature is None:
        raise NotFound(f"no grid with id {grid_id}")
    return geojson_response(feature)


@blp.route("/grids/<int:grid_id>", methods=["PATCH"])
@require("grids:write")
@blp.doc(summary="Change a current grid's details", security=STAFF,
         description="JSON body with the fields to change (``name``). Boundaries change "
                     "through redraw plans only. Recorded in the audit log (before/after).")
@blp.arguments(NoQuery, location="query")
@blp.arguments(GridPatch, location="json")
@blp.response(200, GridName, description="the grid after the change")
@blp.fails({400: "bad body", **SIGNED_IN,
            403: "role may not edit grids, or CSRF token missing",
            404: "no such grid among the caller's communities", 409: "a past version"})
def update_grid(args, body, grid_id: int):
    """Rename a current grid."""
    grid = gridedits.update_grid(grid_id, body, current_user.communities)
    db.session.commit()
    return jsonify({"id": grid.id, "code": grid.code, "name": grid.name})
