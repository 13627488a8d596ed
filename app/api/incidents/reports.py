"""Resident reports from the public map: the form token, the report, its public status;
and for staff, the public note and the photo."""

import datetime as dt

from flask import Response, current_app, jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import STAFF, error, ok
from app.extensions import db
from app.plumbing.readdb import read
from app.security import antiabuse, limits
from app.security.auth import require
from app.security.limits import public
from geo.core import params
from geo.core.errors import InvalidInput, NotFound, UnsupportedType
from geo.incidents import intake, photos, reports
from geo.incidents.store import reads as incidents

blp = Blueprint("reports", __name__, url_prefix="/api/v1",
                description="Problems residents report on the public map")

FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
STATUS = {"type": "object", "properties": {
    "reference": {"type": "string", "example": "K7QM-3XPA"},
    "category": {"type": "string"}, "reported_at": {"type": "string", "format": "date-time"},
    "state": {"type": "string", "enum": ["open", "closed"]},
    "closed_at": {"type": "string", "format": "date-time", "nullable": True},
    "public_note": {"type": "string", "nullable": True},
    "public_note_at": {"type": "string", "format": "date-time", "nullable": True}}}
REPORT_FORM = {"type": "object", "required": ["category", "description", "lon", "lat",
                                              "form_token"], "properties": {
    "category": {"type": "string", "description": "an active category (GET /categories)"},
    "description": {"type": "string", "maxLength": reports.DESCRIPTION_MAX},
    "lon": {"type": "number"}, "lat": {"type": "number"},
    "crs": {"type": "string", "enum": ["wgs84", "cgcs2000", "gcj02", "bd09"]},
    "contact_name": {"type": "string", "maxLength": 100},
    "contact_phone": {"type": "string", "maxLength": 30},
    "photo": {"type": "string", "format": "binary",
              "description": "JPEG, PNG or WebP up to PHOTO_MAX_BYTES; stored re-encoded "
                             "without metadata"},
    "form_token": {"type": "string", "description": "from GET /reports/form"},
    "website": {"type": "string", "description": "leave empty (a trap for bots)"}}}


@blp.route("/reports/form", methods=["GET"])
@blp.doc(summary="Start a report",
         description="A form token to send back with the report (no sooner than "
                     "REPORT_MIN_SECONDS later, no later than REPORT_FORM_MAX_AGE).",
         responses={"200": ok("the token", {"type": "object"})})
@public
def report_form():
    params.check_known(request.args, ())
    response = jsonify({"form_token": antiabuse.issue_token(),
                        "min_seconds": current_app.config["REPORT_MIN_SECONDS"]})
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/reports", methods=["POST"])
@blp.doc(summary="Report a problem (residents)",
         description="A multipart form. Enters the normal intake with source=resident; "
                     "answers the reference to look the report up by. Limited to "
                     "RATELIMIT_REPORT per client address besides RATELIMIT_PUBLIC.",
         requestBody={"content": {"multipart/form-data": {"schema": REPORT_FORM}}},
         responses={"201": ok("the report's public status", STATUS),
                    "400": error("invalid field, a point outside the area served, or the "
                                 "anti-abuse checks (report_refused)"),
                    "413": error("photo too large"), "415": error("not a form, or a photo "
                                                                   "of another type"),
                    "429": error("too many reports from this address")})
@public
def create_report():
    limits.check("report", "RATELIMIT_REPORT")
    cfg = current_app.config
    # Refuse an oversized upload while reading it, not after buffering all 20 MiB.
    request.max_content_length = cfg["PHOTO_MAX_BYTES"] + 64 * 1024
    if request.mimetype not in FORMS:
        raise UnsupportedType("send the report as multipart/form-data (a form)")
    form = request.form
    antiabuse.check(form)
    photo = _photo(cfg["PHOTO_MAX_BYTES"])
    fields = {k: v for k, v in form.items() if k not in (antiabuse.HONEYPOT, antiabuse.TOKEN)}
    conn = db.session.connection()
    rules = intake.Rules.from_config(cfg)
    cats, cal = intake.settings(conn, rules)
    report = reports.check_report(fields, cats, dt.datetime.now(dt.UTC),
                                    cfg["SERVICE_AREA"])
    reference = reports.store(conn, report, cats, rules, cal, photo)
    db.session.commit()
    return jsonify(reports.public_status(db.session.connection(), reference)), 201


def _photo(max_bytes: int) -> bytes | None:
    files = request.files
    if unknown := sorted(set(files) - {"photo"}):
        raise InvalidInput(f"unknown file field(s) {', '.join(unknown)}; only 'photo'",
                           param=unknown[0])
    upload = files.get("photo")
    if upload is None:
        return None
    data = upload.read(max_bytes + 1)
    if not data and not upload.filename:  # the browser's empty part: no photo chosen
        return None
    return photos.clean_photo(data, max_bytes)


@blp.route("/reports/<reference>", methods=["GET"])
@blp.doc(summary="A report's public status",
         description="Open or closed, the category and time it was made, and the note "
                     "staff published for the resident. Never the description, contact "
                     "or staff notes.",
         parameters=[{"in": "path", "name": "reference", "required": True,
                      "schema": {"type": "string"}}],
         responses={"200": ok("the status", STATUS), "400": error("not a reference"),
                    "404": error("no report with this reference")})
@public
def report_status(reference: str):
    params.check_known(request.args, ())
    ref = reports.normalize_reference(reference)
    found = read(lambda conn: reports.public_status(conn, ref))
    if found is None:
        raise NotFound(f"no report with reference {ref}")
    return jsonify(found)


def _in_scope(incident_id: int) -> None:
    found = incidents.incident(db.session.connection(), incident_id,
                               current_user.communities, with_reporter=False)
    if found is None:
        raise NotFound(f"no incident {incident_id}")


@blp.route("/incidents/<int:incident_id>/public-note", methods=["PUT"])
@blp.doc(summary="Publish a note for the reporting resident", security=STAFF,
         description="{\"public_note\": text (≤ 500) or null to withdraw it}. Shown on the "
                     "report's public status; recorded in the incident's history.",
         responses={"200": ok("the note", {"type": "object"}),
                    "404": error("no such incident, or not reported on the public map")})
@require("incidents:write")
def put_public_note(incident_id: int):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) != {"public_note"}:
        raise InvalidInput("send {\"public_note\": text or null}", param="public_note")
    _in_scope(incident_id)
    result = reports.set_public_note(db.session.connection(), incident_id,
                                       body["public_note"], actor=current_user.username,
                                       user_id=current_user.id)
    db.session.commit()
    return jsonify(result)


@blp.route("/incidents/<int:incident_id>/photo", methods=["GET"])
@blp.doc(summary="The photo of a resident report", security=STAFF,
         responses={"200": ok("the photo", {"type": "string", "format": "binary"},
                              "image/jpeg"),
                    "404": error("no such incident, or no photo")})
@require("incidents:read")
def incident_photo(incident_id: int):
    _in_scope(incident_id)
    found = reports.photo(db.session.connection(), incident_id)
    if found is None:
        raise NotFound(f"incident {incident_id} has no photo")
    data, media_type = found
    return Response(data, mimetype=media_type, headers={"Cache-Control": "private, no-store"})
