"""``GET /api/v1/incidents`` and ``/api/v1/incidents/<id>`` for staff, within their scope."""

from flask import current_app, jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import STAFF, error, ok, paging, query_param
from app.auth import require
from app.models import INCIDENT_STATUSES
from app.readdb import read
from geo import incidents, params
from geo.errors import NotFound

blp = Blueprint("incidents", __name__, url_prefix="/api/v1",
                description="Incidents (事件), for staff")

FILTERS = ("status", "category", "community", "grid", "from", "to", "limit", "offset")


@blp.route("/incidents", methods=["GET"])
@blp.doc(summary="List incidents", security=STAFF,
         description="Newest first, limited to the caller's communities. Reporter name and "
                     "phone only for roles allowed to see them (admin, dispatcher).",
         parameters=[
             query_param("status", "workflow status", {"type": "string",
                                                       "enum": list(INCIDENT_STATUSES)}),
             query_param("category", "category", {"type": "string"}),
             query_param("community", "12-digit community code", {"type": "string"}),
             query_param("grid", "15-digit grid code", {"type": "string"}),
             query_param("from", "reported on or after (YYYY-MM-DD)", {"type": "string"}),
             query_param("to", "reported on or before (YYYY-MM-DD)", {"type": "string"}),
             *paging(100, 1000)],
         responses={"200": ok("a page of incidents", {"type": "object"}),
                    "400": error("bad parameter"), "401": error("not signed in"),
                    "403": error("role may not read incidents")})
@require("incidents:read")
def list_incidents():
    """A page of incidents with the total that match."""
    args, cfg = request.args, current_app.config
    params.check_known(args, FILTERS)
    query = dict(
        status=params.choice(args, "status", INCIDENT_STATUSES),
        category=params.short_text(args, "category", 50),
        community=params.code(args, "community", 12), grid=params.code(args, "grid", 15),
        since=params.date(args, "from"), until=params.date(args, "to"),
        limit=params.integer(args, "limit", default=cfg["API_PAGE_LIMIT_DEFAULT"], minimum=1,
                             maximum=cfg["API_PAGE_LIMIT_MAX"]),
        offset=params.integer(args, "offset", default=0))
    page = read(lambda conn: incidents.incidents(
        conn, current_user.communities,
        with_reporter=current_user.can("incidents:reporter"), **query))
    return jsonify(page)


@blp.route("/incidents/<int:incident_id>", methods=["GET"])
@blp.doc(summary="One incident", security=STAFF,
         responses={"200": ok("the incident", {"type": "object"}),
                    "401": error("not signed in"),
                    "404": error("no such incident among the caller's communities")})
@require("incidents:read")
def get_incident(incident_id: int):
    """One incident; outside the caller's communities it is 404, as if absent."""
    params.check_known(request.args, ())
    found = read(lambda conn: incidents.incident(
        conn, incident_id, current_user.communities,
        with_reporter=current_user.can("incidents:reporter")))
    if found is None:
        raise NotFound(f"no incident {incident_id} among the communities you may see")
    return jsonify(found)
