"""Incidents for staff: intake, the work queue, one incident with its history, actions."""

import datetime as dt

from flask import current_app, jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import STAFF, error, ok, paging, query_param
from app.extensions import db
from app.plumbing.readdb import read, write_statements
from app.security.auth import require
from geo.core import params
from geo.core.errors import Forbidden, InvalidInput, NotFound
from geo.core.statuses import OPEN, SOURCES, STATUSES
from geo.incidents import intake, workflow
from geo.incidents.store import reads as incidents

blp = Blueprint("incidents", __name__, url_prefix="/api/v1",
                description="Incidents (事件), for staff")

FILTERS = ("status", "overdue", "category", "community", "grid", "assignee", "from", "to",
           "bbox", "order", "limit", "offset")
INCIDENT = {"type": "object", "description": "an incident with its grid, community, "
            "assignee, deadlines, flags, history and the caller's allowed actions"}
REPORT_BODY = {"type": "object", "required": ["category"], "properties": {
    "category": {"type": "string", "description": "a category code (GET /categories)"},
    "description": {"type": "string", "maxLength": 2000},
    "lon": {"type": "number"}, "lat": {"type": "number"},
    "crs": {"type": "string", "enum": ["wgs84", "cgcs2000", "gcj02", "bd09"]},
    "building": {"type": "string", "description": "a building code"},
    "address": {"type": "string", "description": "resolved to one building when neither "
                "lon/lat nor building is given"},
    "source": {"type": "string", "enum": list(SOURCES)},
    "priority": {"type": "integer", "enum": [1, 2, 3]},
    "reporter_name": {"type": "string"}, "reporter_phone": {"type": "string"},
    "external_id": {"type": "string", "description": "hotline ticket number: a repeat "
                    "returns the stored incident (200) instead of a new one (201)"},
    "reported_at": {"type": "string", "format": "date-time"}}}
ACTION_BODY = {"type": "object", "required": ["action"], "properties": {
    "action": {"type": "string", "enum": list(workflow.TRANSITIONS)},
    "note": {"type": "string"}, "assignee": {"type": "integer"},
    "grid": {"type": "string"}, "into": {"type": "integer"}}}


def _actor() -> workflow.Actor:
    return workflow.Actor(current_user.username, current_user.id, current_user.communities,
                          dispatcher=current_user.can("incidents:write"),
                          worker_id=current_user.grid_member_id
                          if current_user.can("incidents:work") else None)


def _one(conn, incident_id: int) -> dict | None:
    found = incidents.incident(conn, incident_id, current_user.communities,
                               with_reporter=current_user.can("incidents:reporter"))
    if found is not None:
        found["allowed_actions"] = workflow.allowed(found["status"], _actor(),
                                                    found["assignee_id"])
    return found


def _json_body():
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidInput("send a JSON body (Content-Type: application/json)")
    return body


@blp.route("/incidents", methods=["POST"])
@blp.doc(summary="Report an incident", security=STAFF,
         description="Locate (lon/lat with crs, a building code, or an address), route "
                     "(grid, community, assignee by the routing rules) and store an incident "
                     "with its deadlines. A repeated external_id returns the stored one.",
         requestBody={"content": {"application/json": {"schema": REPORT_BODY}}},
         responses={"201": ok("the new incident", INCIDENT),
                    "200": ok("the incident already stored under this external_id", INCIDENT),
                    "400": error("invalid field, or an address matching several buildings"),
                    "403": error("role may not report, or location outside the caller's "
                                 "communities"),
                    "404": error("unknown building code or address")})
@require("incidents:write")
def create_incident():
    config = current_app.config
    rules = intake.Rules.from_config(config)
    body = _json_body()

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
@blp.doc(summary="List incidents", security=STAFF,
         description="Limited to the caller's communities; each with `overdue`. Reporter "
                     "name and phone only for roles allowed to see them (admin, dispatcher). "
                     "order=newest (default) or due (the work queue: overdue first, then "
                     "the nearest deadline).",
         parameters=[
             query_param("status", "workflow status, or several comma-separated; `open` for "
                         "all unfinished", {"type": "string"}),
             query_param("overdue", "true: only overdue; false: only not", {"type": "boolean"}),
             query_param("category", "category", {"type": "string"}),
             query_param("community", "12-digit community code", {"type": "string"}),
             query_param("grid", "15-digit grid code", {"type": "string"}),
             query_param("assignee", "grid worker id, or `none`", {"type": "string"}),
             query_param("from", "reported on or after (YYYY-MM-DD)", {"type": "string"}),
             query_param("to", "reported on or before (YYYY-MM-DD)", {"type": "string"}),
             query_param("bbox", "minLon,minLat,maxLon,maxLat (WGS-84)", {"type": "string"}),
             query_param("order", "newest | due", {"type": "string",
                                                   "enum": list(incidents.ORDERS)}),
             *paging(100, 1000)],
         responses={"200": ok("a page of incidents, the total and overdue that match",
                              {"type": "object"}),
                    "400": error("bad parameter"), "401": error("not signed in"),
                    "403": error("role may not read incidents")})
@require("incidents:read")
def list_incidents():
    args, cfg = request.args, current_app.config
    params.check_known(args, FILTERS)
    assignee = args.get("assignee") or None
    query = dict(
        status=_statuses(args.get("status")), overdue=_boolean(args, "overdue"),
        category=params.short_text(args, "category", 50),
        community=params.code(args, "community", 12), grid=params.code(args, "grid", 15),
        assignee=None if assignee in (None, "none") else params.integer(
            args, "assignee", default=0, minimum=1),
        unassigned=assignee == "none",
        since=params.date(args, "from"), until=params.date(args, "to"),
        box=params.bbox(args), order=params.choice(args, "order", incidents.ORDERS) or "newest",
        limit=params.integer(args, "limit", default=cfg["API_PAGE_LIMIT_DEFAULT"], minimum=1,
                             maximum=cfg["API_PAGE_LIMIT_MAX"]),
        offset=params.integer(args, "offset", default=0))
    page = read(lambda conn: incidents.incidents(
        conn, current_user.communities,
        with_reporter=current_user.can("incidents:reporter"), **query))
    return jsonify(page)


def _statuses(raw: str | None) -> tuple[str, ...] | None:
    if not raw:
        return None
    wanted = []
    for part in raw.split(","):
        part = part.strip()
        if part == "open":
            wanted.extend(OPEN)
        elif part in STATUSES:
            wanted.append(part)
        else:
            raise InvalidInput(f"parameter 'status' must be 'open' or among "
                               f"{', '.join(STATUSES)}, got {part[:40]!r}",
                               param="status")
    return tuple(dict.fromkeys(wanted))


def _boolean(args, name: str) -> bool | None:
    raw = args.get(name)
    if raw in (None, ""):
        return None
    if raw.lower() not in ("true", "false", "1", "0"):
        raise InvalidInput(f"parameter '{name}' must be true or false", param=name)
    return raw.lower() in ("true", "1")


@blp.route("/incidents/counts", methods=["GET"])
@blp.doc(summary="Open work by status", security=STAFF,
         responses={"200": ok("open and overdue counts, by status", {"type": "object"})})
@require("incidents:read")
def incident_counts():
    params.check_known(request.args, ())
    return jsonify(read(lambda conn: incidents.counts(conn, current_user.communities)))


@blp.route("/incidents/points", methods=["GET"])
@blp.doc(summary="Open incidents as map points", security=STAFF,
         description="Compact `[id, lon, lat, status, overdue]` rows for the caller's "
                     "communities, optionally within bbox; overdue first; at most `limit` "
                     "(default 2000, at most 5000) with `truncated` when there were more.",
         parameters=[query_param("bbox", "minLon,minLat,maxLon,maxLat", {"type": "string"}),
                     query_param("limit", "at most this many (≤ 5000)", {"type": "integer"})],
         responses={"200": ok("points", {"type": "object"})})
@require("incidents:read")
def incident_points():
    args = request.args
    params.check_known(args, ("bbox", "limit"))
    box = params.bbox(args)
    limit = params.integer(args, "limit", default=2000, minimum=1, maximum=5000)
    return jsonify(read(lambda conn: incidents.open_points(
        conn, current_user.communities, box, limit)))


@blp.route("/incidents/<int:incident_id>", methods=["GET"])
@blp.doc(summary="One incident with its history", security=STAFF,
         responses={"200": ok("the incident", INCIDENT),
                    "401": error("not signed in"),
                    "404": error("no such incident among the caller's communities")})
@require("incidents:read")
def get_incident(incident_id: int):
    """One incident; outside the caller's communities it is 404, as if absent."""
    params.check_known(request.args, ())
    found = read(lambda conn: _one(conn, incident_id))
    if found is None:
        raise NotFound(f"no incident {incident_id} among the communities you may see")
    return jsonify(found)


@blp.route("/incidents/<int:incident_id>/actions", methods=["POST"])
@blp.doc(summary="Act on an incident", security=STAFF,
         description="One workflow action: accept, reject, dispatch (optional assignee), "
                     "start, resolve, return, close, reopen, move (to `grid`, default the "
                     "boundary candidate), merge (into `into`, default the flagged "
                     "duplicate), note. reject/return/reopen/merge need a note. Dispatchers "
                     "may take every action; grid workers start/resolve/return/note what "
                     "is assigned to them.",
         requestBody={"content": {"application/json": {"schema": ACTION_BODY}}},
         responses={"200": ok("the incident after the action", INCIDENT),
                    "400": error("invalid action or field"),
                    "403": error("not the caller's incident to work"),
                    "404": error("no such incident among the caller's communities"),
                    "409": error("action not allowed in the incident's status; "
                                 "details.allowed lists those that are")})
@require("incidents:read")
def act_on_incident(incident_id: int):
    actor = _actor()
    if not actor.dispatcher and actor.worker_id is None:
        raise Forbidden("your role may read incidents but not act on them")
    action = workflow.check_action(_json_body())
    workflow.act(db.session.connection(), incident_id, action, actor)
    db.session.commit()
    return jsonify(_one(db.session.connection(), incident_id))
