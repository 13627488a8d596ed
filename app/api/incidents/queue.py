"""Incidents for staff: intake, the work queue, one incident with its history, actions."""

import datetime as dt
from types import SimpleNamespace

from flask import current_app, jsonify, request
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.field.tasks import may_read
from app.api.fields import NoQuery
from app.api.incidents.schemas import (
    Action,
    ActionForm,
    Counts,
    Incident,
    IncidentPage,
    IncidentsQuery,
    Points,
    PointsQuery,
    Report,
)
from app.extensions import db
from app.plumbing.readdb import read, write_statements
from app.security import audit
from app.security.auth import require
from geo.core.errors import Forbidden, InvalidInput, NotFound
from geo.field import actions, evidence, tasks
from geo.field.store import photos as photo_store
from geo.incidents import callback, intake, workflow
from geo.incidents.store import escalation as escalation_store
from geo.incidents.store import reads as incidents

blp = Blueprint("incidents", __name__, url_prefix="/api/v1",
                description="Incidents (事件), for staff")


def actor() -> workflow.Actor:
    return workflow.Actor(current_user.username, current_user.id, current_user.communities,
                          dispatcher=current_user.can("incidents:write"),
                          worker_id=current_user.grid_member_id
                          if current_user.can("incidents:work") else None,
                          department_id=current_user.department_id
                          if current_user.role == "department" else None)


def with_escalation(conn, found: dict, actor: workflow.Actor) -> dict:
    """``found`` with its extension requests, 督办 count and the actions ``actor`` may take."""
    found["extensions"] = escalation_store.extensions(conn, found["id"])
    found["supervised"] = escalation_store.supervised(conn, found["id"])
    found["allowed_actions"] = workflow.allowed(
        found["status"], actor, found["assignee_id"], found["department_id"],
        pending=any(x["state"] == "pending" for x in found["extensions"]),
        overdue=found["overdue"])
    if found["status"] == "resolved" and not actor.dispatcher:  # a grid chief's 核查
        found["allowed_actions"] += tasks.verify_actions(conn, _located(found), actor)[0]
    return found


def _located(found: dict) -> SimpleNamespace:
    """The fields of an incident the verification rule reads."""
    return SimpleNamespace(id=found["id"], category=found["category"],
                           grid_id=found["grid_id"],
                           assignee_id=found["assignee_id"],
                           department_id=found["department_id"])


def department_incident(conn, incident_id: int) -> dict | None:
    """One incident with a department, as the department queue shows it: for a department
    account only its department's (within its community limits, if any), or None."""
    found = incidents.incident(conn, incident_id, current_user.communities,
                               with_reporter=False)
    if found is None or found["department_id"] is None or (
            current_user.role == "department"
            and found["department_id"] != current_user.department_id):
        return None
    return with_escalation(conn, found, actor())


def tasks_only() -> int | None:
    """For a grid worker's account, the grid member whose tasks its lists hold (0 when the
    account is linked to none: then nothing); None for staff, who see their communities."""
    if not current_user.can("field:work"):
        return None
    return current_user.grid_member_id or 0


def checked_action(conn, action: dict) -> dict:
    """A checked action with what it needs from the settings: ``prioritise`` computes the
    deadlines again, on the working calendar, and so do ``escalate``/``transfer`` to a
    department."""
    if action["action"] not in ("prioritise", "escalate", "transfer"):
        return action
    rules = intake.Rules.from_config(current_app.config)
    return {**action, "calendar": intake.calendar(conn, rules)}


def _one(conn, incident_id: int) -> dict | None:
    """The incident as the caller may see it: staff in their communities; a grid worker
    only their tasks, with the reporter on those assigned to them (the read audited)."""
    mine = may_read(conn, incident_id) if current_user.can("field:work") else "staff"
    if mine is None:
        return None
    with_reporter = current_user.can("incidents:reporter") or mine == "assigned"
    found = incidents.incident(conn, incident_id, current_user.communities,
                               with_reporter=with_reporter)
    if found is None:
        return None
    with_escalation(conn, found, actor())
    found["photos"] = [{"id": p.id, "event_id": p.event_id,
                        "created_at": p.created_at.isoformat(),
                        "url": f"/api/v1/incidents/{incident_id}/photos/{p.id}"}
                       for p in photo_store.of_incident(conn, incident_id)]
    found["ratings"] = callback.ratings(conn, incident_id)  # 回访 (issue 21)
    if mine == "assigned" and (found.get("reporter_name") or found.get("reporter_phone")):
        audit.record("incident.read_private", "incident", incident_id,
                     after={"fields": list(incidents.REPORTER_FIELDS)})
    return found


@blp.route("/incidents", methods=["POST"])
@require("incidents:write")
@blp.doc(summary="Report an incident", security=STAFF,
         description="Locate (lon/lat with crs, a building code, or an address), route "
                     "(grid, community, assignee by the routing rules) and store an incident "
                     "with its deadlines. A repeated external_id returns the stored one.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(Report, location="json")
@blp.response(201, Incident, description="the new incident")
@blp.alt_response(200, schema=Incident, description="the incident already stored under "
                  "this external_id", success=True)
@blp.fails({400: "invalid field, or an address matching several buildings", **SIGNED_IN,
            403: "role may not report, or location outside the caller's communities",
            404: "unknown building code or address"})
def create_incident(args, body):
    config = current_app.config
    rules = intake.Rules.from_config(config)

    def take_in(conn) -> tuple[dict | None, bool]:
        # Autocommit: the store is one statement, so no BEGIN/COMMIT round trips.
        cats, cal = intake.settings(conn, rules)
        report = intake.check_report(body, cats, dt.datetime.now(dt.UTC),
                                     config["SERVICE_AREA"])
        incident_id, created = intake.store(
            conn, report, cats, rules, cal, actor=current_user.username,
            user_id=current_user.id, scope=current_user.communities)
        return _one(conn, incident_id), created

    found, created = write_statements(take_in)
    if found is None:  # stored earlier under this ticket, outside the caller's communities
        raise Forbidden("this external_id belongs to an incident outside your communities")
    return jsonify(found), 201 if created else 200


@blp.route("/incidents", methods=["GET"])
@require("incidents:read")
@blp.doc(summary="List incidents", security=STAFF,
         description="Limited to the caller's communities (a grid worker's: their tasks, "
                     "assigned to them or in a grid they serve); each with `overdue`. Reporter "
                     "name and phone only for roles allowed to see them (admin, dispatcher). "
                     "order=newest (default) or due (the work queue: overdue first, then "
                     "the nearest deadline). callback=due: the call-back worklist.")
@blp.arguments(IncidentsQuery, location="query")
@blp.response(200, IncidentPage, description="a page of incidents, the total and overdue "
              "that match")
@blp.fails({400: "bad parameter", 401: "not signed in", 403: "role may not read incidents"})
def list_incidents(args):
    assignee = args.get("assignee")
    query = dict(
        status=args.get("status"), overdue=args.get("overdue"), category=args.get("category"),
        community=args.get("community"), grid=args.get("grid"),
        assignee=assignee if isinstance(assignee, int) else None,
        unassigned=assignee == "none", since=args.get("since"), until=args.get("until"),
        box=args.get("bbox"), order=args.get("order") or "newest", search=args.get("q"),
        limit=args["limit"], offset=args["offset"], worker=tasks_only(),
        callback_days=current_app.config["CALLBACK_DAYS"] if args.get("callback") else None)
    page = read(lambda conn: incidents.incidents(
        conn, current_user.communities,
        with_reporter=current_user.can("incidents:reporter"), **query))
    return jsonify(page)


@blp.route("/incidents/counts", methods=["GET"])
@require("incidents:read")
@blp.doc(summary="Open work by status", security=STAFF,
         description="In the caller's communities (a grid worker's: their tasks).")
@blp.arguments(NoQuery, location="query")
@blp.response(200, Counts, description="open and overdue counts, by status")
@blp.fails({400: "a query parameter (none is taken)", **SIGNED_IN})
def incident_counts(args):
    worker = tasks_only()
    return jsonify(read(lambda conn: incidents.counts(conn, current_user.communities, worker)))


@blp.route("/incidents/points", methods=["GET"])
@require("incidents:read")
@blp.doc(summary="Open incidents as map points", security=STAFF,
         description="Compact `[id, lon, lat, status, overdue]` rows for the caller's "
                     "communities (a grid worker's: their tasks), optionally within bbox; "
                     "overdue first; at most `limit` (default 2000, at most 5000) with "
                     "`truncated` when there were more.")
@blp.arguments(PointsQuery, location="query")
@blp.response(200, Points, description="points")
@blp.fails({400: "bad parameter", **SIGNED_IN})
def incident_points(args):
    worker = tasks_only()
    return jsonify(read(lambda conn: incidents.open_points(
        conn, current_user.communities, args.get("bbox"), args["limit"], worker)))


@blp.route("/incidents/<int:incident_id>", methods=["GET"])
@require("incidents:read")
@blp.doc(summary="One incident with its history", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.response(200, Incident, description="the incident")
@blp.fails({400: "a query parameter (none is taken)", **SIGNED_IN,
            404: "no such incident among the caller's communities"})
def get_incident(args, incident_id: int):
    """One incident; outside the caller's communities it is 404, as if absent."""
    found = read(lambda conn: _one(conn, incident_id))
    if found is None:
        raise NotFound(f"no incident {incident_id} among the communities you may see")
    db.session.commit()  # the audit entry of a worker's read of the reporter, if any
    return jsonify(found)


@blp.route("/incidents/<int:incident_id>/actions", methods=["POST"])
@require("incidents:work")
@blp.doc(summary="Act on an incident", security=STAFF,
         description="One workflow action: accept, reject, dispatch (optional assignee), "
                     "reassign (to `assignee`), prioritise (to `priority`, deadlines "
                     "computed again), "
                     "start, resolve, return, close, reopen, move (to `grid`, default the "
                     "boundary candidate), merge (into `into`, default the flagged "
                     "duplicate), note. reject/return/reopen/merge need a note. Dispatchers "
                     "may take every action; grid workers start/resolve/return/note what "
                     "is assigned to them. From the field app: client_id (a repeat is "
                     "answered 200 with `repeated: true` and changes nothing), the GPS fix "
                     "(lon, lat, accuracy; farther than RESOLVE_FAR_METERS from the incident: "
                     "`far` in the history), seen_status, and as multipart/form-data 1–6 "
                     "photos (resolving in an evidence_required category needs one).")
@blp.arguments(NoQuery, location="query")
@blp.arguments(Action, location="json", required=False)
@blp.arguments(ActionForm, location="multipart", required=False)
@blp.response(200, Incident, description="the incident after the action")
@blp.fails({400: "invalid action or field, or no photo where evidence is required",
            401: "not signed in",
            403: "role may not work incidents (incidents:work), or not the caller's "
                 "incident to work",
            404: "no such incident among the caller's communities",
            409: "action not allowed in the incident's status (details.allowed lists "
                 "those that are), or details.conflict: it moved on from seen_status",
            413: "a photo too large", 415: "a photo not a JPEG, PNG or WebP image"})
def act_on_incident(args, body, form, incident_id: int):
    who = actor()
    if not who.dispatcher and who.worker_id is None and who.department_id is None:
        raise Forbidden("your account is not linked to a grid worker or a department, so "
                        "no incident is assigned to it")
    multipart = request.mimetype == "multipart/form-data"
    photos = _photos(form.pop("photos", [])) if multipart else []
    conn = db.session.connection()
    action = checked_action(conn, workflow.check_action(form if multipart else body,
                                                        len(photos)))
    done = actions.act(conn, incident_id, action, who, photos,
                       far_m=current_app.config["RESOLVE_FAR_METERS"])
    db.session.commit()
    conn = db.session.connection()
    if who.department_id is None:
        found = _one(conn, incident_id)
    else:  # handed on (transfer, escalate) it is no longer theirs: shown as they left it
        found = department_incident(conn, incident_id) or with_escalation(
            conn, incidents.incident(conn, incident_id, None, with_reporter=False), who)
    db.session.commit()
    return jsonify({**found, "repeated": done.repeated})


def _photos(uploads: list) -> list[evidence.CleanPhoto]:
    """The form's photos, read (each to PHOTO_MAX_BYTES) and cleaned; none: []."""
    if not uploads:
        return []
    if not all(isinstance(u, FileStorage) for u in uploads):
        raise InvalidInput("'photos' must be files (multipart file parts)", param="photos")
    cap = current_app.config["PHOTO_MAX_BYTES"]
    return evidence.check_photos([u.read(cap + 1) for u in uploads], cap)
