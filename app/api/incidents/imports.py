"""``POST /api/v1/incidents/import``: a hotline export (CSV, XLSX or GeoJSON), imported at
once when small, else as a background job (``202`` and the job's URL, polled by
``GET /api/v1/incidents/import/jobs/<id>``)."""

from flask import current_app, jsonify, request, url_for
from flask_login import current_user

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.incidents.schemas import ImportForm, ImportJob, ImportSummary
from app.extensions import db
from app.security import audit
from app.security.auth import require
from geo.core.errors import InvalidInput, NotFound
from geo.incidents import imports
from geo.incidents.imports import jobs, presets
from geo.incidents.intake import Rules
from geo.incidents.store import import_jobs

blp = Blueprint("incident_import", __name__, url_prefix="/api/v1",
                description="Bulk import of hotline exports")

MAX_REJECTED = 1000  # rows listed in the answer; rejected_count has them all


@blp.url_value_preprocessor
def _upload_cap(endpoint, values) -> None:
    """An import may send a larger file than other forms (IMPORT_MAX_BYTES). Set before
    any ``before_request`` (the CSRF guard reads the form)."""
    if endpoint == "incident_import.import_incidents":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


@blp.route("/incidents/import", methods=["POST"])
@require("incidents:write")
@blp.doc(summary="Import a hotline export", security=STAFF,
         description="Every row is checked as a single report is; valid rows are located "
                     "(lon/lat, else building code, else address), routed and stored, "
                     "rejected rows are listed with their number and reason. All or "
                     "nothing unless store_good=true. Tickets (external_id) already stored "
                     "are skipped. reported_at without an offset is local time. A caller "
                     "limited to some communities has rows located outside them rejected. "
                     "Files of more than IMPORT_SYNC_ROWS rows run as a background job: "
                     "202 with the job (its url to poll).")
@blp.arguments(NoQuery, location="query")
@blp.arguments(ImportForm, location="form", content_type="multipart/form-data")
@blp.response(200, ImportSummary, description="what was imported, skipped and rejected")
@blp.alt_response(202, schema=ImportJob, description="queued as a background job")
@blp.fails({400: "unreadable file, bad option, or (all or nothing) rejected rows",
            **SIGNED_IN, 403: "role may not report incidents",
            413: "file larger than IMPORT_MAX_BYTES"})
def import_incidents(args, form):
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("send the file as the multipart field 'file'", param="file")
    name, conn = upload.filename or "upload", db.session.connection()
    opts = presets.options_for(
        conn, current_user.id, name, preset=form.get("preset"), format=form.get("format"),
        encoding=form.get("encoding"), crs=form.get("crs"),
        mapping=imports.mapping_from_json(form.get("map")), strict=not form.get("store_good"))
    data, who = upload.read(), _importer()
    upload.close()  # a large upload is spooled to a temporary file
    if form.get("background") or _large(data, opts):
        job_id = jobs.submit(conn, who, name, opts, data)
        audit.record("incidents.import.queued", "import_jobs", job_id, after={"file": name})
        db.session.commit()
        return _job_response(job_id, 202)
    result = imports.import_file(conn, data, opts, name, who)
    summary = result.summary(MAX_REJECTED)
    audit.record("incidents.import", "incidents", None, conn=conn, after={
        "file": name, **{k: summary[k] for k in ("rows", "loaded", "duplicates",
                                                  "rejected_count", "located", "routed")}})
    db.session.commit()
    return jsonify({"file": name, **summary})


@blp.route("/incidents/import/jobs/<int:job_id>", methods=["GET"])
@require("incidents:write")
@blp.doc(summary="An import job: its progress, then its report or error", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.response(200, ImportJob, description="the job")
@blp.fails({400: "a query parameter (none is taken)", **SIGNED_IN,
            404: "no such job of yours"})
def import_job(args, job_id):
    return _job_response(job_id, 200)


def _importer() -> imports.Importer:
    config = current_app.config
    return imports.Importer(current_user.username, Rules.from_config(config),
                            config["SERVICE_AREA"], current_user.id, current_user.communities)


def _large(data: bytes, opts: imports.Options) -> bool:
    config = current_app.config
    rows = imports.estimated_rows(data, opts)
    return (rows if rows is not None else 0) > config["IMPORT_SYNC_ROWS"] or (
        rows is None and len(data) > config["IMPORT_SYNC_BYTES"])


def _job_response(job_id: int, status: int):
    job = import_jobs.read(db.session.connection(), job_id)
    if job is None or (job["user_id"] != current_user.id
                       and not current_user.can("users:admin")):
        raise NotFound(f"you have no import job {job_id}")
    url = url_for("incident_import.import_job", job_id=job_id)
    response = jsonify({"id": job_id, "url": url, "file": job["file_name"],
                        **{k: job[k] for k in ("state", "step", "rows_done", "rows_total",
                                               "result", "error", "attempts")},
                        **{k: job[k] and job[k].isoformat() for k in (
                            "created_at", "started_at", "finished_at")}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 202:
        response.headers["Location"] = url
    return response
