"""``/api/v1/incidents/import/presets``: the column mappings an account saved for its
exports (``geo.incidents.imports.presets``)."""

from flask import jsonify
from flask_login import current_user

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.incidents.schemas import ImportPreset, ImportPresets, PresetBody
from app.extensions import db
from app.security import audit
from app.security.auth import require
from geo.incidents.imports import presets

blp = Blueprint("incident_import_presets", __name__, url_prefix="/api/v1",
                description="Saved column mappings of hotline imports")


@blp.route("/incidents/import/presets", methods=["GET"])
@require("incidents:write")
@blp.doc(summary="Your saved column mappings", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.response(200, ImportPresets, description="by name")
@blp.fails({400: "a query parameter (none is taken)", **SIGNED_IN})
def list_presets(args):
    return jsonify({"presets": presets.listed(db.session.connection(), current_user.id)})


@blp.route("/incidents/import/presets", methods=["POST"])
@require("incidents:write")
@blp.doc(summary="Save a column mapping under a name (replaces one of that name)",
         security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.arguments(PresetBody)
@blp.response(200, ImportPreset, description="the preset saved")
@blp.fails({400: "bad name, field, column or option", **SIGNED_IN})
def save_preset(args, body):
    preset = presets.save(db.session.connection(), current_user.id, body.get("name"),
                          body.get("map"), body)
    audit.record("incidents.import.preset", "import_presets", preset["id"], after=preset)
    db.session.commit()
    return jsonify(preset)


@blp.route("/incidents/import/presets/<int:preset_id>", methods=["DELETE"])
@require("incidents:write")
@blp.doc(summary="Delete one of your presets", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.response(204, description="deleted")
@blp.fails({400: "a query parameter (none is taken)", **SIGNED_IN,
            404: "no such preset of yours"})
def delete_preset(args, preset_id):
    presets.delete(db.session.connection(), current_user.id, preset_id)
    audit.record("incidents.import.preset.delete", "import_presets", preset_id)
    db.session.commit()
    return "", 204
