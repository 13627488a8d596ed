"""Layer downloads: ``GET /api/v1/{communities,grids,buildings}.{gpkg,geojson,csv}`` and
``GET /api/v1/buildings/assignment.csv``."""

from flask import Response, request
from flask_smorest import Blueprint

from app.api.common import STAFF, error, query_param
from app.plumbing.readdb import read
from app.security.auth import require
from app.security.limits import public
from geo.core import params
from geo.core.errors import NotFound
from geo.layers import exports

blp = Blueprint("exports", __name__, url_prefix="/api/v1",
                description="Layer downloads (GeoPackage, GeoJSON, CSV)")

FILE = {"description": "the layer file",
        "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}
                    for mimetype in exports.FORMATS.values()}}
EXT = {"in": "path", "name": "ext", "required": True, "description": "gpkg, geojson or csv",
       "schema": {"type": "string", "enum": list(exports.FORMATS)}}


def _download(kind: str, ext: str, at=None) -> Response:
    if ext not in exports.FORMATS:
        raise NotFound(f"no such format {ext[:10]!r}: use .gpkg, .geojson or .csv")
    body = read(lambda conn: exports.export_layer(conn, kind, ext, at))
    name = f"{kind}-{at.isoformat()}.{ext}" if at else f"{kind}.{ext}"
    return Response(body, mimetype=exports.FORMATS[ext],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/communities.<ext>", methods=["GET"])
@blp.doc(summary="Download communities", parameters=[EXT],
         responses={"200": FILE, "404": error("unknown format")})
@public
def download_communities(ext: str):
    """Every community with its boundary."""
    params.check_known(request.args, ())
    return _download("communities", ext)


@blp.route("/grids.<ext>", methods=["GET"])
@blp.doc(summary="Download grids", parameters=[
    EXT, query_param("at", "date YYYY-MM-DD: the versions in force then (default: current)",
                     {"type": "string", "format": "date"})],
    responses={"200": FILE, "400": error("bad date"), "404": error("unknown format")})
@public
def download_grids(ext: str):
    """The grids in force on ``at`` (today's by default), with valid_from/valid_to."""
    params.check_known(request.args, ("at",))
    return _download("grids", ext, params.date(request.args, "at"))


@blp.route("/buildings.<ext>", methods=["GET"])
@blp.doc(summary="Download buildings", security=STAFF, parameters=[EXT],
         description="Every building with its parent grid (or community), households and "
                     "residents: staff only (households per building are not public).",
         responses={"200": FILE, "401": error("not signed in"), "404": error("unknown format")})
@require("grids:read")
def download_buildings(ext: str):
    params.check_known(request.args, ())
    return _download("buildings", ext)


@blp.route("/buildings/assignment.csv", methods=["GET"])
@blp.doc(summary="Building → grid assignment", security=STAFF,
         description="CSV: building_code, building_name, address, grid_code, grid_name, "
                     "community_code, community_name, households, residents; by building "
                     "code; the current grids.",
         responses={"200": {"description": "CSV", "content": {"text/csv": {
             "schema": {"type": "string"}}}}, "401": error("not signed in")})
@require("grids:read")
def building_assignment():
    params.check_known(request.args, ())
    body = read(exports.assignment_csv)
    return Response(body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="building-assignment.csv"'})
