"""Layer downloads: ``GET /api/v1/{communities,grids,buildings}.{gpkg,geojson,csv}`` and
``GET /api/v1/buildings/assignment.csv``."""

from flask import Response
from flask_login import current_user

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import Date, FeatureCollection, NoQuery, Query
from app.plumbing.readdb import read
from app.security.auth import require
from app.security.limits import public
from geo.core.errors import NotFound
from geo.layers import exports

blp = Blueprint("exports", __name__, url_prefix="/api/v1",
                description="Layer downloads (GeoPackage, GeoJSON, CSV)")

EXT = {"in": "path", "name": "ext", "required": True, "description": "gpkg, geojson or csv",
       "schema": {"type": "string", "enum": list(exports.FORMATS)}}
BINARY = {"type": "string", "format": "binary"}


class GridsFileQuery(Query):
    at = Date("date YYYY-MM-DD: the versions in force then (default: current)")


BODIES = {"gpkg": BINARY, "geojson": FeatureCollection, "csv": {"type": "string"}}


def layer_file(view):
    """Document the answer: the layer in each format, or 404 for another extension."""
    for ext, mimetype in reversed(exports.FORMATS.items()):
        view = blp.alt_response(200, schema=BODIES[ext], content_type=mimetype, success=True,
                                description=f"the layer file (.{ext})")(view)
    return blp.fails({400: "a bad or unknown query parameter",
                      404: "unknown format"})(view)


def _download(kind: str, ext: str, at=None, scope: frozenset[int] | None = None) -> Response:
    if ext not in exports.FORMATS:
        raise NotFound(f"no such format {ext[:10]!r}: use .gpkg, .geojson or .csv")
    body = read(lambda conn: exports.export_layer(conn, kind, ext, at, scope))
    name = f"{kind}-{at.isoformat()}.{ext}" if at else f"{kind}.{ext}"
    return Response(body, mimetype=exports.FORMATS[ext],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/communities.<ext>", methods=["GET"])
@public
@blp.doc(summary="Download communities", parameters=[EXT])
@blp.arguments(GridsFileQuery, location="query")
@layer_file
def download_communities(args, ext: str):
    """Every community with its boundary, as they were on ``at`` (today's by default)."""
    return _download("communities", ext, args.get("at"))


@blp.route("/grids.<ext>", methods=["GET"])
@public
@blp.doc(summary="Download grids", parameters=[EXT])
@blp.arguments(GridsFileQuery, location="query")
@layer_file
def download_grids(args, ext: str):
    """The grids in force on ``at`` (today's by default), with valid_from/valid_to."""
    return _download("grids", ext, args.get("at"))


@blp.route("/buildings.<ext>", methods=["GET"])
@require("grids:read")
@blp.doc(summary="Download buildings", security=STAFF, parameters=[EXT],
         description="Every building within your communities with its parent grid (or "
                     "community), households and residents: staff only (households per "
                     "building are not public).")
@blp.arguments(NoQuery, location="query")
@blp.fails(SIGNED_IN)
@layer_file
def download_buildings(args, ext: str):
    return _download("buildings", ext, scope=current_user.communities)


@blp.route("/buildings/assignment.csv", methods=["GET"])
@require("grids:read")
@blp.doc(summary="Building → grid assignment", security=STAFF,
         description="CSV: building_code, building_name, address, grid_code, grid_name, "
                     "community_code, community_name, households, residents; by building "
                     "code; the current grids; buildings within your communities.")
@blp.arguments(NoQuery, location="query")
@blp.response(200, {"type": "string"}, content_type="text/csv", description="CSV")
@blp.fails({400: "a query parameter (none is taken)", **SIGNED_IN})
def building_assignment(args):
    scope = current_user.communities
    body = read(lambda conn: exports.assignment_csv(conn, scope))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="building-assignment.csv"'})
