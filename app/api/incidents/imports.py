"""``POST /api/v1/incidents/import``: a hotline export (CSV or GeoJSON), in one transaction."""

from flask import current_app, jsonify, request
from flask_login import current_user

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.incidents.schemas import ImportForm, ImportSummary
from app.extensions import db
from app.security import audit
from app.security.auth import require
from geo.core.errors import InvalidInput
from geo.incidents import imports
from geo.incidents.intake import Rules

blp = Blueprint("incident_import", __name__, url_prefix="/api/v1",
                description="Bulk import of hotline exports")

MAX_REJECTED = 1000  # rows listed in the answer; rejected_count has them all


@blp.route("/incidents/import", methods=["POST"])
@require("incidents:write")
@blp.doc(summary="Import a hotline export", security=STAFF,
         description="Every row is checked as a single report is; valid rows are located "
                     "(lon/lat, else building code, else address), routed and stored, "
                     "rejected rows are listed with their number and reason. Tickets "
                     "(external_id) already stored are skipped. reported_at without an "
                     "offset is local time. A caller limited to some communities has rows "
                     "located outside them rejected.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(ImportForm, location="form", content_type="multipart/form-data")
@blp.response(200, ImportSummary, description="what was imported, skipped and rejected")
@blp.fails({400: "unreadable file, bad option, or (strict) rejected rows", **SIGNED_IN,
            403: "role may not report incidents", 413: "file larger than the upload limit"})
def import_incidents(args, form):
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("send the file as the multipart field 'file'", param="file")
    name = upload.filename or "upload"
    opts = imports.options(name, format=form.get("format"), encoding=form.get("encoding"),
                           crs=form.get("crs"), mapping=imports.mapping_from_json(form.get("map")),
                           strict=bool(form.get("strict")))
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
