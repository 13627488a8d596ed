"""The dispatcher's choice of worker (candidates with their duty state) and actions on
several incidents at once."""

from flask import current_app, jsonify
from flask_login import current_user

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.incidents.queue import actor, checked_action
from app.api.incidents.schemas import (
    Assignees,
    AssigneesQuery,
    BulkAction,
    BulkResults,
    Candidates,
)
from app.errors import STATUS
from app.extensions import db
from app.plumbing.readdb import read
from app.security.auth import require
from geo.core.errors import GridmapError
from geo.incidents import bulk, candidates, workflow

blp = Blueprint("assign", __name__, url_prefix="/api/v1",
                description="Choosing who works an incident")


@blp.route("/incidents/<int:incident_id>/candidates", methods=["GET"])
@require("incidents:write")
@blp.doc(summary="Who can take an incident", security=STAFF,
         description="The active grid workers of the incident's community (out of area: of "
                     "the caller's communities): those serving its grid first (`in_grid`), "
                     "each with `duty` now — on_duty, on_leave (with `substitute`) or "
                     "off_hours — and `open_work`, the open incidents they hold.")
@blp.arguments(NoQuery, location="query")
@blp.response(200, Candidates, description="the candidates, best first")
@blp.fails({400: "a query parameter (none is taken)", **SIGNED_IN,
            404: "no such incident among the caller's communities"})
def incident_candidates(args, incident_id: int):
    return jsonify(read(lambda conn: candidates.candidates(conn, incident_id,
                                                           current_user.communities)))


@blp.route("/incidents/assignees", methods=["GET"])
@require("incidents:write")
@blp.doc(summary="Grid workers by community or by name", security=STAFF,
         description="The active grid workers within the caller's limits, of a `community`"
                     " (the queue's assignee filter) or found by `q` (linking an account); "
                     "never their private fields.")
@blp.arguments(AssigneesQuery, location="query")
@blp.response(200, Assignees, description="the workers")
@blp.fails({400: "neither community nor q, or a bad code", **SIGNED_IN,
            404: "no such community among the caller's communities"})
def community_assignees(args):
    return jsonify({"workers": read(lambda conn: candidates.workers(
        conn, current_user.communities, args.get("community"), args.get("q")))})


@blp.route("/incidents/bulk-actions", methods=["POST"])
@require("incidents:write")
@blp.doc(summary="One action on several incidents", security=STAFF,
         description="The fields of an action (not merge or move) and `ids`. Each incident "
                     "is its own transaction: the answer has one result per id, in order, "
                     "with the HTTP status it would have had alone (200, or 400/404/409 "
                     "with the error).")
@blp.arguments(NoQuery, location="query")
@blp.arguments(BulkAction, location="json")
@blp.response(200, BulkResults, description="a result per incident")
@blp.fails({400: "invalid action, field or ids", **SIGNED_IN})
def bulk_actions(args, body):
    ids, action = bulk.check_bulk(body)
    who = actor()
    results = [_one(incident_id, action, who) for incident_id in ids]
    done = sum(1 for r in results if r["ok"])
    return jsonify({"done": done, "failed": len(results) - done, "results": results})


def _one(incident_id: int, action: dict, who: workflow.Actor) -> dict:
    conn = db.session.connection()
    try:
        workflow.act(conn, incident_id, checked_action(conn, action), who)
        db.session.commit()
    except GridmapError as err:
        db.session.rollback()
        status = next((code for kind, code in STATUS.items() if isinstance(err, kind)), 400)
        current_app.logger.info("bulk %s on incident %s: %s", action["action"],
                                incident_id, err.message)
        return {"id": incident_id, "ok": False, "status": status, "code": err.code,
                "message": err.message, "details": err.details}
    return {"id": incident_id, "ok": True, "status": 200}
