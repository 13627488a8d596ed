"""``POST /api/v1/incidents/import``: a hotline export (CSV or GeoJSON), in one transaction."""

from flask import current_app, jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import STAFF, error, ok
from app.extensions import db
from app.security import audit
from app.security.auth import require
from geo.core import params
from geo.core.errors import InvalidInput
from geo.incidents import imports
from geo.incidents.intake import Rules

blp = Blueprint("incident_import", __name__, url_prefix="/api/v1",
                description="Bulk import of hotline exports")

MAX_REJECTED = 1000  # rows listed in the answer; rejected_count has them all
FORM = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary",
             "description": "CSV (UTF-8, GBK or GB18030) or GeoJSON of Point features"},
    "format": {"type": "string", "enum": list(imports.FORMATS),
               "description": "default: by the file name (.geojson/.json, else csv)"},
    "encoding": {"type": "string", "enum": list(imports.ENCODINGS)},
    "crs": {"type": "string", "enum": ["wgs84", "cgcs2000", "gcj02", "bd09"]},
    "map": {"type": "string", "description": 'JSON {"field": "column"}, e.g. '
            '{"external_id": "工单编号", "category": "问题类型"}; fields: '
            + ", ".join(imports.FIELDS)},
    "strict": {"type": "boolean", "description": "store nothing if any row is rejected"}}}
SUMMARY = {"type": "object", "description": "rows, loaded, duplicates (already stored), "
           "rejected_count, rejected [{row, reason}] (the first 1000), located, routed, "
           "flagged"}


@blp.route("/incidents/import", methods=["POST"])
@blp.doc(summary="Import a hotline export", security=STAFF,
         description="Every row is checked as a single report is; valid rows are located "
                     "(lon/lat, else building code, else address), routed and stored, "
                     "rejected rows are listed with their number and reason. Tickets "
                     "(external_id) already stored are skipped. reported_at without an "
                     "offset is local time. A caller limited to some communities has rows "
                     "located outside them rejected.",
         requestBody={"content": {"multipart/form-data": {"schema": FORM}}},
         responses={"200": ok("what was imported, skipped and rejected", SUMMARY),
                    "400": error("unreadable file, bad option, or (strict) rejected rows"),
                    "403": error("role may not report incidents"),
                    "413": error("file larger than the upload limit")})
@require("incidents:write")
def import_incidents():
    form = request.form
    params.check_known(form, ("format", "encoding", "crs", "map", "strict"))
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("send the file as the multipart field 'file'", param="file")
    name = upload.filename or "upload"
    opts = imports.options(name, format=form.get("format"), encoding=form.get("encoding"),
                           crs=form.get("crs"), mapping=imports.mapping_from_json(form.get("map")),
                           strict=_flag(form.get("strict")))
    config, conn = current_app.config, db.session.connection()
    who = imports.Importer(current_user.username, Rules.from_config(config),
                           config["SERVICE_AREA"], current_user.id, current_user.communities)
    result = imports.import_file(conn, upload.read(), opts, name, who)
    summary = result.summary(MAX_REJECTED)
    audit.record("incidents.import", "incidents", None, conn=conn, after={
        "file": name, **{k: summary[k] for k in ("rows", "loaded", "duplicates",
                                                  "rejected_count", "located", "routed")}})
    db.session.commit()
    return jsonify({"file": name, **summary})


def _flag(raw: str | None) -> bool:
    if raw in (None, "", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise InvalidInput("'strict' must be true or false", param="strict")
