"""The field app: my tasks, my grids, and the evidence photos of an incident."""

from __future__ import annotations

from flask import Response, jsonify
from flask_login import current_user

from app.api.common import GEOJSON, SIGNED_IN, STAFF, Blueprint, geojson_response
from app.api.field.schemas import Tasks, TasksQuery
from app.api.fields import NoQuery
from app.plumbing.readdb import read
from app.security.auth import require
from app.web.i18n import lang
from geo.core.errors import InvalidInput, NotFound
from geo.field import tasks
from geo.field.store import photos as photo_store
from geo.incidents import workflow
from geo.incidents.store import reads as incidents

blp = Blueprint("field", __name__, url_prefix="/api/v1",
                description="The grid worker's field app (/work): tasks, grids, photos")

NOT_A_WORKER = {403: "role may not, or the account is not linked to an active grid worker"}


def worker_actor() -> workflow.Actor:
    """The caller as a grid worker (the workflow's actor)."""
    return workflow.Actor(current_user.username, current_user.id, current_user.communities,
                          dispatcher=False, worker_id=current_user.grid_member_id)


@blp.route("/me/tasks", methods=["GET"])
@require("field:work")
@blp.doc(summary="My tasks (grid workers)", security=STAFF,
         description="Open incidents assigned to me or located in the grids I serve now: "
                     "overdue first, then by deadline; each with `actions` (what I may do "
                     "now), `assigned_to_me`, `evidence_required` and, given lon/lat, "
                     "`distance_m`.")
@blp.arguments(TasksQuery, location="query")
@blp.response(200, Tasks, description="the worker and their tasks")
@blp.fails({400: "bad lon/lat", 401: "not signed in", **NOT_A_WORKER})
def my_tasks(args):
    if ("lon" in args) != ("lat" in args):
        raise InvalidInput("send lon and lat together", param="lat" if "lon" in args else "lon")
    actor = worker_actor()
    english = lang() == "en"

    def load(conn):
        return tasks.worker(conn, actor.worker_id), tasks.my_tasks(
            conn, actor, args.get("lon"), args.get("lat"))

    me, found = read(load)
    for task in found:
        name_en = task.pop("category_name_en")
        task["category_name"] = (name_en or task["category"]) if english else task["category"]
    return jsonify({"worker": me, "tasks": found, "count": len(found)})


@blp.route("/me/grids", methods=["GET"])
@require("field:work")
@blp.doc(summary="My grids (grid workers)", security=STAFF,
         description="The grids I serve now as GeoJSON (id, code, name), for the app's "
                     "offline map.")
@blp.arguments(NoQuery, location="query")
@blp.response(200, {"type": "object"}, content_type=GEOJSON,
              description="a FeatureCollection")
@blp.fails({400: "a query parameter (none is taken)", 401: "not signed in", **NOT_A_WORKER})
def my_grids(args):
    member = current_user.grid_member_id
    body = read(lambda conn: (tasks.worker(conn, member), tasks.grids(conn, member))[1])
    return geojson_response(body)


@blp.route("/incidents/<int:incident_id>/photos/<int:photo_id>", methods=["GET"])
@require("incidents:read")
@blp.doc(summary="An evidence photo of an incident", security=STAFF,
         description="Staff within their communities; a grid worker on their tasks.")
@blp.arguments(NoQuery, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/jpeg",
              description="the photo, a JPEG re-encoded without metadata")
@blp.fails({400: "a query parameter (none is taken)", **SIGNED_IN,
            404: "no such photo of an incident the caller may read"})
def incident_photo(args, incident_id: int, photo_id: int):
    row = read(lambda conn: photo_store.one(conn, incident_id, photo_id)
               if may_read(conn, incident_id) else None)
    if row is None:
        raise NotFound(f"no photo {photo_id} of incident {incident_id} that you may see")
    return Response(bytes(row.photo), mimetype=row.content_type,
                    headers={"Cache-Control": "private, max-age=86400"})


def may_read(conn, incident_id: int) -> str | None:
    """Whether the caller may read the incident: ``staff`` (in their communities),
    ``assigned`` or ``grid`` (a worker's task), or None."""
    if current_user.can("field:work"):
        return tasks.relation(conn, incident_id, current_user.grid_member_id)
    found = incidents.in_scope(conn, incident_id, current_user.communities)
    return "staff" if found else None
