"""Resident reports from the public map: the form token, the report, its public status,
the reporter's confirmation of the fix and rating (回访); and for staff, the public note,
the photo and a phone call-back's rating."""

import datetime as dt
from functools import wraps

from flask import Response, current_app, jsonify, request
from flask_login import current_user

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.incidents.schemas import (
    Confirmation,
    FormToken,
    PublicNote,
    PublicNoteAnswer,
    Rating,
    RatingAnswer,
    ReportForm,
    ReportStatus,
)
from app.extensions import db
from app.plumbing.readdb import read
from app.security import antiabuse, audit, limits
from app.security.auth import require
from app.security.limits import public
from geo.core.errors import InvalidInput, NotFound, UnsupportedType
from geo.incidents import callback, intake, photos, reports, workflow
from geo.incidents.store import reads as incidents
from geo.incidents.store import reports as report_store

blp = Blueprint("reports", __name__, url_prefix="/api/v1",
                description="Problems residents report on the public map")

FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


@blp.route("/reports/form", methods=["GET"])
@public
@blp.doc(summary="Start a report",
         description="A form token to send back with the report (no sooner than "
                     "REPORT_MIN_SECONDS later, no later than REPORT_FORM_MAX_AGE).")
@blp.arguments(NoQuery, location="query")
@blp.response(200, FormToken, description="the token")
@blp.fails({400: "a query parameter (none is taken)"})
def report_form(args):
    response = jsonify({"form_token": antiabuse.issue_token(),
                        "min_seconds": current_app.config["REPORT_MIN_SECONDS"]})
    response.headers["Cache-Control"] = "no-store"
    return response


def _gate(view):
    """Before the form is read: the report budget, the upload cap and the media type."""
    @wraps(view)
    def gated(*args, **kwargs):
        limits.check("report", "RATELIMIT_REPORT")
        # Refuse an oversized upload while reading it, not after buffering all 20 MiB.
        request.max_content_length = current_app.config["PHOTO_MAX_BYTES"] + 64 * 1024
        if request.mimetype not in FORMS:
            raise UnsupportedType("send the report as multipart/form-data (a form)")
        return view(*args, **kwargs)
    return gated


@blp.route("/reports", methods=["POST"])
@public
@_gate
@blp.doc(summary="Report a problem (residents)",
         description="A multipart form. Enters the normal intake with source=resident; "
                     "answers the reference to look the report up by. Limited to "
                     "RATELIMIT_REPORT per client address besides RATELIMIT_PUBLIC.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(ReportForm, location="form", content_type="multipart/form-data")
@blp.response(201, ReportStatus, description="the report's public status")
@blp.fails({400: "invalid field, a point outside the area served, or the anti-abuse "
                 "checks (report_refused)", 413: "photo too large",
            415: "not a form, or a photo of another type",
            429: "too many reports from this address"})
def create_report(args, form):
    cfg = current_app.config
    antiabuse.check(form)
    photo = _photo(cfg["PHOTO_MAX_BYTES"])
    fields = {k: v for k, v in form.items() if k not in (antiabuse.HONEYPOT, antiabuse.TOKEN)}
    conn = db.session.connection()
    rules = intake.Rules.from_config(cfg)
    cats, cal = intake.settings(conn, rules)
    report = reports.check_report(fields, reports.resident_categories(conn, cats),
                                  dt.datetime.now(dt.UTC), cfg["SERVICE_AREA"])
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
@public
@blp.doc(summary="A report's public status",
         description="Open or closed, the category and time it was made, and the note "
                     "staff published for the resident. Never the description, contact "
                     "or staff notes.")
@blp.arguments(NoQuery, location="query")
@blp.response(200, ReportStatus, description="the status")
@blp.fails({400: "not a reference", 404: "no report with this reference"})
def report_status(args, reference: str):
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
@require("incidents:write")
@blp.doc(summary="Publish a note for the reporting resident", security=STAFF,
         description="{\"public_note\": text (≤ 500) or null to withdraw it}. Shown on the "
                     "report's public status; recorded in the incident's history.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PublicNote, location="json")
@blp.response(200, PublicNoteAnswer, description="the note")
@blp.fails({400: "not {\"public_note\": text or null}", **SIGNED_IN,
            404: "no such incident, or not reported on the public map"})
def put_public_note(args, body, incident_id: int):
    if set(body) != {"public_note"}:
        raise InvalidInput("send {\"public_note\": text or null}", param="public_note")
    _in_scope(incident_id)
    result = reports.set_public_note(db.session.connection(), incident_id,
                                       body["public_note"], actor=current_user.username,
                                       user_id=current_user.id)
    db.session.commit()
    return jsonify(result)


@blp.route("/incidents/<int:incident_id>/photo", methods=["GET"])
@require("incidents:read")
@blp.doc(summary="The photo of a resident report", security=STAFF,
         description="Staff only; each read is recorded in the audit log (read_photo).")
@blp.arguments(NoQuery, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/jpeg",
              description="the photo, a JPEG re-encoded without metadata")
@blp.fails({400: "a query parameter (none is taken)", **SIGNED_IN,
            404: "no such incident, or no photo"})
def incident_photo(args, incident_id: int):
    _in_scope(incident_id)
    found = reports.photo(db.session.connection(), incident_id)
    if found is None:
        raise NotFound(f"incident {incident_id} has no photo")
    data, media_type = found
    # A resident's photo may show people, plates or the inside of a home: a private read.
    audit.record("read_photo", "incident", incident_id)
    db.session.commit()
    return Response(data, mimetype=media_type, headers={"Cache-Control": "private, no-store"})


def _reported(reference: str) -> int:
    """The incident of a report's reference (locked work follows), or 404."""
    row = report_store.by_reference(db.session.connection(),
                                    reports.normalize_reference(reference))
    if row is None:
        raise NotFound(f"no report with reference {reports.normalize_reference(reference)}")
    return row.incident_id


@blp.route("/reports/<reference>/confirmation", methods=["POST"])
@public
@blp.doc(summary="The reporter confirms the fix (核查 by the reporter)",
         description="For a category verified by the reporter, while the report awaits "
                     "confirmation (can_confirm): fixed=true closes it, fixed=false (with a "
                     "comment) sends it back (返工). Limited like reports.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(Confirmation, location="json")
@blp.response(200, ReportStatus, description="the report's public status after it")
@blp.fails({400: "not {fixed, comment}, or no comment saying what is wrong",
            403: "the category is verified by staff", 404: "no report with this reference",
            409: "the report is not awaiting confirmation", 429: "too many requests"})
def confirm_fix(args, body, reference: str):
    limits.check("report", "RATELIMIT_REPORT")
    fixed, comment = callback.check_confirmation(body)
    incident_id = _reported(reference)
    callback.confirm(db.session.connection(), incident_id, fixed, comment)
    db.session.commit()
    ref = reports.normalize_reference(reference)
    return jsonify(reports.public_status(db.session.connection(), ref))


@blp.route("/reports/<reference>/rating", methods=["POST"])
@public
@blp.doc(summary="The reporter rates the closure (回访)",
         description="满意 satisfied / 基本满意 fair / 不满意 unsatisfied with a comment, once "
                     "per closure; unsatisfied reopens it up to UNSATISFIED_REOPENS times.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(Rating, location="json")
@blp.response(201, ReportStatus, description="the report's public status after it")
@blp.fails({400: "not {rating, comment}", 404: "no report with this reference",
            409: "not closed, or this closure is rated already", 429: "too many requests"})
def rate_report(args, body, reference: str):
    limits.check("report", "RATELIMIT_REPORT")
    rating, comment = callback.check_rating(body)
    incident_id = _reported(reference)
    callback.rate(db.session.connection(), incident_id, rating, comment,
                  actor=workflow.RESIDENT, channel="resident",
                  reopens_max=current_app.config["UNSATISFIED_REOPENS"])
    db.session.commit()
    ref = reports.normalize_reference(reference)
    return jsonify(reports.public_status(db.session.connection(), ref)), 201


@blp.route("/incidents/<int:incident_id>/callbacks", methods=["POST"])
@require("incidents:write")
@blp.doc(summary="Record a phone call-back (回访) with the reporter's rating", security=STAFF,
         description="{rating, comment}: once per closure, like the resident's own rating; "
                     "unsatisfied reopens it up to UNSATISFIED_REOPENS times.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(Rating, location="json")
@blp.response(201, RatingAnswer, description="the rating recorded")
@blp.fails({400: "not {rating, comment}", **SIGNED_IN,
            404: "no such incident among the caller's communities",
            409: "not closed, or this closure is rated already"})
def record_callback(args, body, incident_id: int):
    rating, comment = callback.check_rating(body)
    _in_scope(incident_id)
    actor = workflow.Actor(current_user.username, current_user.id, current_user.communities,
                           dispatcher=True)
    result = callback.rate(db.session.connection(), incident_id, rating, comment,
                           actor=actor, channel="phone",
                           reopens_max=current_app.config["UNSATISFIED_REOPENS"])
    db.session.commit()
    return jsonify(result), 201
