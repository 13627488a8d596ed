"""``/api/v1/people/<kind>/import`` and ``…/export``: rosters of workers, party members
or departments as CSV (UTF-8, GBK, GB18030) or XLSX, with a dry run and a per-row report;
exports mask private phones unless asked (audited)."""

from flask import Response, jsonify, request

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.people import writes
from app.api.people.schemas import ExportQuery, ImportReport, RosterImportForm
from app.extensions import db
from app.security.auth import require
from geo.core.errors import InvalidInput

blp = Blueprint("people_rosters", __name__, url_prefix="/api/v1",
                description="Roster imports and exports (CSV, XLSX)")
KINDS = "<kind>"  # workers, party-members or departments (geo.people.files.kind_of)
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@blp.route(f"/people/{KINDS}/import", methods=["POST"])
@require("people:manage")
@blp.doc(summary="Import a roster", security=STAFF,
         description="Every row is checked and its codes resolved within the caller's "
                     "communities first. Nothing is written when a row is bad, unless "
                     "store_good; dry_run writes nothing. Bad rows are listed with their "
                     "number in the file (the header is row 1) and the reason.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(RosterImportForm, location="form", content_type="multipart/form-data")
@blp.response(200, ImportReport, description="the per-row report")
@blp.fails({400: "unreadable file or bad option", **SIGNED_IN,
            403: "role may not manage people", 413: "file larger than the upload limit"})
def import_roster(args, form, kind: str):
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("send the file as the multipart field 'file'", param="file")
    report = writes.import_roster(
        kind, upload.read(), upload.filename or "upload", encoding=form.get("encoding"),
        dry_run=form.get("dry_run") == "true", store_good=form.get("store_good") == "true",
        communities=writes.scope())
    db.session.commit()
    return jsonify(report)


@blp.route(f"/people/{KINDS}/export", methods=["GET"])
@require("people:manage")
@blp.doc(summary="Export a roster", security=STAFF,
         description="In the import's columns. Private phones are masked (138****5678) "
                     "unless private=true; every export is audited.")
@blp.arguments(ExportQuery, location="query")
@blp.response(200, description="the file", content_type="text/csv")
@blp.fails({400: "bad parameter", **SIGNED_IN, 403: "role may not manage people"})
def export_roster(args, kind: str):
    fmt = args.get("format") or "csv"
    body = writes.export_roster(kind, fmt, private=bool(args.get("private")),
                                communities=writes.scope())
    db.session.commit()
    return Response(body, mimetype=MEDIA[fmt].split(";")[0], headers={
        "Content-Disposition": f"attachment; filename={kind}.{fmt}",
        "Cache-Control": "no-store"})
