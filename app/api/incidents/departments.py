"""Departments as assignees (吹哨报到): a department's queue and the dispatch catalogue
(派单目录). The actions (escalate, transfer, 督办, 延期) are workflow actions
(``POST /incidents/<id>/actions``, ``geo.incidents.escalation``)."""

from flask import jsonify
from flask_login import current_user

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.incidents import catalogue
from app.api.incidents.queue import department_incident
from app.api.incidents.schemas import (
    Catalogue,
    CatalogueEntry,
    CatalogueEntryAnswer,
    DepartmentQuery,
    Incident,
    IncidentPage,
)
from app.extensions import db
from app.plumbing.readdb import read
from app.security.auth import require
from geo.core.errors import NotFound
from geo.incidents.store import escalation as store
from geo.incidents.store import reads as incidents

blp = Blueprint("departments_queue", __name__, url_prefix="/api/v1",
                description="Departments as assignees (吹哨报到): queue and dispatch catalogue")
ADMINS = {**SIGNED_IN, 403: "admins only"}


def _department(args) -> int | None:
    """Whose queue: a department account's own department (0 when it has none: an empty
    queue); an admin names one with ``department`` (default: every department's work)."""
    if current_user.role == "department":
        return current_user.department_id or 0
    return args.get("department")


@blp.route("/department/incidents", methods=["GET"])
@require("department:work")
@blp.doc(summary="A department's queue", security=STAFF,
         description="The incidents assigned to the caller's department (a department "
                     "account; one without a department gets an empty queue), or for an "
                     "admin to `department` (default: all escalated work). Without "
                     "reporters. order=due (default) or newest.")
@blp.arguments(DepartmentQuery, location="query")
@blp.response(200, IncidentPage, description="a page of incidents, total and overdue")
@blp.fails({400: "bad parameter", **SIGNED_IN})
def department_queue(args):
    dept = _department(args)
    page = read(lambda conn: incidents.incidents(
        conn, current_user.communities, with_reporter=False, status=args.get("status"),
        overdue=args.get("overdue"), order=args.get("order") or "due",
        limit=args["limit"], offset=args["offset"], department=dept,
        escalated=dept is None))
    return jsonify(page)


@blp.route("/department/incidents/<int:incident_id>", methods=["GET"])
@require("department:work")
@blp.doc(summary="One incident of a department's queue", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.response(200, Incident, description="the incident with its history")
@blp.fails({400: "a query parameter (none is taken)", **SIGNED_IN,
            404: "no such incident in the caller's department's queue"})
def department_one(args, incident_id: int):
    found = read(lambda conn: department_incident(conn, incident_id))
    if found is None:
        raise NotFound(f"no incident {incident_id} in your department's queue")
    return jsonify(found)


@blp.route("/dispatch-catalogue", methods=["GET"])
@require("users:admin")
@blp.doc(summary="The dispatch catalogue (派单目录)", security=STAFF,
         description="Each category's default department (street_code null) and the "
                     "streets' overrides, with the department's time limits (null: the "
                     "category's).")
@blp.arguments(NoQuery, location="query")
@blp.response(200, Catalogue, description="entries")
@blp.fails({400: "a query parameter (none is taken)", **ADMINS})
def list_catalogue(args):
    return jsonify({"entries": read(store.catalogue)})


@blp.route("/dispatch-catalogue", methods=["PUT"])
@require("users:admin")
@blp.doc(summary="Set a category's department (for a street, or the default)",
         security=STAFF, description="Replaces the entry of (category, street_code).")
@blp.arguments(NoQuery, location="query")
@blp.arguments(CatalogueEntry, location="json")
@blp.response(200, CatalogueEntryAnswer, description="the entry")
@blp.fails({400: "invalid field, unknown category, department or street", **ADMINS})
def put_catalogue(args, body):
    entry = catalogue.put_entry(body)
    db.session.commit()
    return jsonify(entry)


@blp.route("/dispatch-catalogue/<int:entry_id>", methods=["DELETE"])
@require("users:admin")
@blp.doc(summary="Remove a catalogue entry", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.response(204, description="removed")
@blp.fails({400: "a query parameter (none is taken)", **ADMINS, 404: "no such entry"})
def delete_catalogue(args, entry_id: int):
    catalogue.delete_entry(entry_id)
    db.session.commit()
    return "", 204
