"""Boundary layer imports: ``POST /api/v1/layers/{grids,communities}``, the API's
``flask layers import grids|communities`` (now, or on a later day with ``effective``)."""

from __future__ import annotations

from flask import jsonify, request
from flask_smorest.fields import Upload
from marshmallow import fields

from app.api.common import STAFF, Blueprint
from app.api.fields import NoQuery, Query, loose
from app.api.layers import work
from app.extensions import db
from app.security.auth import require

blp = Blueprint("layer_imports", __name__, url_prefix="/api/v1",
                description="Boundary layer imports (grids, communities with their streets)")

KIND = {"in": "path", "name": "kind", "required": True,
        "description": "grids or communities", "schema": {"type": "string",
                                                          "enum": list(work.KINDS)}}
_FLAG = {"enum": ["true", "false", "1", "0"]}


class LayerFile(Query):
    """The form of a layer import (checked by ``work.import_file``)."""

    file = Upload(metadata={"description": "GeoJSON, GeoPackage or zipped Shapefile, any "
                            "CRS (its own, or crs)"})
    effective = fields.String(metadata={
        "description": "YYYY-MM-DD in the city's time zone: a later day schedules the "
                       "import (applied that day, cancellable until then); a past day is "
                       "400; default today", "format": "date"})
    allow_outside = fields.String(metadata={
        "description": "true: make the change even when grids would lie more than 50 m² "
                       "outside their community, and list them (default: refused, 409)",
        **_FLAG})
    make_valid = fields.String(metadata={"description": "repair invalid polygons", **_FLAG})
    layer = fields.String(metadata={"description": "the layer of a GeoPackage"})
    encoding = fields.String(metadata={"description": "a shapefile's .dbf encoding"})
    crs = fields.String(metadata={"description": "the coordinates' CRS, overriding the "
                                                 "file's"})
    code_field = fields.String(metadata={"description": "the field holding the code"})
    name_field = fields.String(metadata={"description": "the field holding the name"})


LayerImport = loose(
    "LayerImport",
    kind=fields.String(), status=fields.String(metadata={"enum": ["applied", "scheduled"]}),
    loaded=fields.Integer(), inserted=fields.Integer(), updated=fields.Integer(),
    unchanged=fields.Integer(), redrawn=fields.Integer(),
    incidents_moved=fields.List(fields.Dict()), grids_outside=fields.List(fields.Dict()),
    issues=fields.List(fields.Dict()), scheduled=fields.Dict(allow_none=True))


@blp.route("/layers/<kind>", methods=["POST"])
@require("grids:write")
@blp.doc(summary="Import a boundary layer", security=STAFF, parameters=[KIND],
         description="multipart/form-data with `file`: grids or communities (with their "
                     "streets), all rows or none, upserted by code, then re-homing as "
                     "`flask layers import` (docs/operations.md). With `effective` a later "
                     "day: checked now and scheduled (`status: scheduled`; `flask "
                     "boundaries cancel`). Grids must stay nested in their community of "
                     "the same date: else 409 naming the grids, unless `allow_outside`. "
                     "For callers limited to no communities (a layer is the whole city's).")
@blp.arguments(NoQuery, location="query")
@blp.arguments(LayerFile, location="form", content_type="multipart/form-data")
@blp.response(200, LayerImport, description="what the import did, or the scheduled change")
@blp.fails({400: "a bad file, row or field", 401: "not signed in",
            403: "role may not import, or limited to some communities",
            404: "unknown kind", 409: "grids outside their community, or a pending change",
            413: "file too large", 415: "not a layer file"})
def import_layer(args, form, kind: str):
    answer = work.import_file(db.session.connection(), kind, form, request.files.get("file"))
    db.session.commit()
    return jsonify(answer)
