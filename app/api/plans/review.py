"""Redraw plans: check, impact (compare), the building changeset, and publish."""

from flask import Response, current_app, jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import GEOJSON, STAFF, error, ok, query_param
from app.api.plans import work
from app.api.plans.drafts import IF_MATCH
from app.extensions import db
from app.security import audit
from app.security.auth import require
from geo.core import params
from geo.core.errors import InvalidInput
from geo.plans import check as plancheck
from geo.plans import drafts
from geo.plans import impact as planimpact
from geo.plans import publish as planpublish
from geo.plans.side import Side

blp = Blueprint("plan_review", __name__, url_prefix="/api/v1",
                description="Checking, comparing and publishing redraw plans")

CHECK = {"type": "object", "description": "ok, errors, warnings, findings [{kind, severity, "
         "codes, size, unit, message, geometry}], grids [{code, households, buildings, "
         "residents, area_m2, compactness}], summary {counts, households {min, max, mean, "
         "deviation}, compactness {min, max, mean, stdev, spread}}"}
AGAINST = [query_param("against", "id of another plan of the community to compare with",
                       {"type": "integer"}),
           query_param("at", "compare with the version in force on this date (default: the "
                       "current grids)", {"type": "string", "format": "date"})]


def _plan(plan_id: int):
    return drafts.ref(db.session.connection(), plan_id, current_user.communities)


@blp.route("/plans/<int:plan_id>/check", methods=["GET"])
@blp.doc(summary="Check a plan", security=STAFF,
         description="Overlaps, gaps, parts outside the community, slivers, multi-part "
                     "grids, split or unassigned buildings, households per grid against "
                     "the band, compactness, grid codes. Errors block publishing.",
         responses={"200": ok("the findings", CHECK), "404": error("no such plan")})
@require("grids:read")
def check_plan(plan_id: int):
    params.check_known(request.args, ())
    plan = _plan(plan_id)
    report = plancheck.check(db.session.connection(), Side(plan.community_id, plan_id=plan.id),
                             plan.community_code, work.rules())
    return jsonify({"plan": plan.id, "version": plan.version, **report})


def _before(plan) -> Side:
    args = request.args
    against = args.get("against")
    at = params.date(args, "at")
    if against is not None and at is not None:
        raise InvalidInput("give 'against' (a plan) or 'at' (a date), not both", param="at")
    if against is not None:
        other = _plan(params.integer(args, "against", default=0, minimum=1))
        if other.community_id != plan.community_id:
            raise InvalidInput(f"plan {other.id} is for another community", param="against")
        return Side(plan.community_id, plan_id=other.id)
    return Side(plan.community_id, at=at)


@blp.route("/plans/<int:plan_id>/impact", methods=["GET"])
@blp.doc(summary="What a plan changes", security=STAFF,
         description="Per grid code, before and after: households, buildings, residents, "
                     "incidents in the last 90 days, open incidents, serving party members, "
                     "workers; the buildings that change grid; the open incidents that would "
                     "change grid and worker. Before = the current grids, the version in "
                     "force on `at`, or plan `against`.",
         parameters=AGAINST,
         responses={"200": ok("before and after", {"type": "object"}),
                    "400": error("bad parameter"), "404": error("no such plan")})
@require("grids:read")
def plan_impact(plan_id: int):
    params.check_known(request.args, ("against", "at"))
    plan = _plan(plan_id)
    after = Side(plan.community_id, plan_id=plan.id)
    report = planimpact.impact(db.session.connection(), _before(plan), after,
                               current_app.config["ASSIGN_SNAP_METERS"])
    return jsonify({"plan": plan.id, "version": plan.version, **report})


@blp.route("/plans/<int:plan_id>/changeset", methods=["GET"])
@blp.doc(summary="Buildings that change grid, as GeoJSON or CSV", security=STAFF,
         parameters=[*AGAINST, query_param("format", "geojson (default) or csv",
                                           {"type": "string", "enum": ["geojson", "csv"]})],
         responses={"200": ok("one row per building whose grid changes: code, name, address, "
                              "from_grid, to_grid, households, residents",
                              {"type": "object"}, GEOJSON),
                    "400": error("bad parameter"), "404": error("no such plan")})
@require("grids:read")
def plan_changeset(plan_id: int):
    params.check_known(request.args, ("against", "at", "format"))
    fmt = params.choice(request.args, "format", ("geojson", "csv")) or "geojson"
    plan = _plan(plan_id)
    after = Side(plan.community_id, plan_id=plan.id)
    moves = planimpact.building_moves(db.session.connection(), _before(plan), after)
    if fmt == "csv":
        return Response(planimpact.moves_csv(moves), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="plan-{plan.id}-changeset.csv"'})
    return Response(planimpact.moves_geojson(moves), mimetype=GEOJSON)


@blp.route("/plans/<int:plan_id>/publish", methods=["POST"])
@blp.doc(summary="Publish a plan", security=STAFF,
         description="One transaction: the community's current grids that change get "
                     "valid_to = today, the plan's grids become current from today, buildings "
                     "are re-assigned, open incidents move to their new grid and worker (an "
                     "event each), workers of removed grids are listed. Refused (409 with the "
                     "findings) when the checks find errors. Needs If-Match.",
         parameters=[IF_MATCH],
         responses={"200": ok("what changed", {"type": "object"}),
                    "409": error("checks found errors, or the plan is not a draft"),
                    "412": error("stale ETag"), "428": error("no If-Match")})
@require("plans:write")
def publish_plan(plan_id: int):
    params.check_known(request.args, ())
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    result = planpublish.publish(conn, plan, work.rules(), actor=current_user.username,
                                 user_id=current_user.id,
                                 snap_meters=current_app.config["ASSIGN_SNAP_METERS"])
    audit.record("plan.publish", "plan", plan_id, conn=conn, after=result.audit())
    db.session.commit()
    response = jsonify(result.answer())
    response.headers["ETag"] = drafts.etag(plan.id, plan.version)
    return response
