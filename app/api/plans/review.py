"""Redraw plans: check, impact (compare), the building changeset, and publish."""

from flask import Response, current_app, jsonify
from flask_login import current_user

from app.api.common import GEOJSON, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.plans import work
from app.api.plans.drafts import writes
from app.api.plans.schemas import (
    CSV,
    AgainstQuery,
    Changeset,
    ChangesetQuery,
    Check,
    Impact,
    Published,
    PublishQuery,
)
from app.extensions import db
from app.security import audit
from app.security.auth import require
from geo.boundaries import schedule
from geo.core.errors import Conflict, InvalidInput
from geo.plans import check as plancheck
from geo.plans import drafts
from geo.plans import impact as planimpact
from geo.plans import publish as planpublish
from geo.plans.side import Side

blp = Blueprint("plan_review", __name__, url_prefix="/api/v1",
                description="Checking, comparing and publishing redraw plans")
READ_ERRORS = {400: "bad parameter", 401: "not signed in", 403: "role may not read plans",
               404: "no such plan"}


def _plan(plan_id: int):
    return drafts.ref(db.session.connection(), plan_id, current_user.communities)


@blp.route("/plans/<int:plan_id>/check", methods=["GET"])
@require("grids:read")
@blp.doc(summary="Check a plan", security=STAFF,
         description="Overlaps, gaps, parts outside the community, slivers, multi-part "
                     "grids, split or unassigned buildings, households per grid against "
                     "the band, compactness, grid codes. Errors block publishing. Findings "
                     "[{kind, severity, codes, size, unit, message, geometry}], grids "
                     "[{code, households, buildings, residents, area_m2, compactness}], "
                     "summary {counts, households, compactness}.")
@blp.arguments(NoQuery, location="query")
@blp.response(200, Check, description="the findings")
@blp.fails(READ_ERRORS)
def check_plan(args, plan_id: int):
    plan = _plan(plan_id)
    report = plancheck.check(db.session.connection(), Side(plan.community_id, plan_id=plan.id),
                             plan.community_code, work.rules())
    return jsonify({"plan": plan.id, "version": plan.version, **report})


def _before(plan, args) -> Side:
    against, at = args.get("against"), args.get("at")
    if against is not None and at is not None:
        raise InvalidInput("give 'against' (a plan) or 'at' (a date), not both", param="at")
    if against is not None:
        other = _plan(against)
        if other.community_id != plan.community_id:
            raise InvalidInput(f"plan {other.id} is for another community", param="against")
        return Side(plan.community_id, plan_id=other.id)
    return Side(plan.community_id, at=at)


@blp.route("/plans/<int:plan_id>/impact", methods=["GET"])
@require("grids:read")
@blp.doc(summary="What a plan changes", security=STAFF,
         description="Per grid code, before and after: households, buildings, residents, "
                     "incidents in the last 90 days, open incidents, serving party members, "
                     "workers; the buildings that change grid; the open incidents that would "
                     "change grid and worker. Before = the current grids, the version in "
                     "force on `at`, or plan `against`.")
@blp.arguments(AgainstQuery, location="query")
@blp.response(200, Impact, description="before and after")
@blp.fails(READ_ERRORS)
def plan_impact(args, plan_id: int):
    plan = _plan(plan_id)
    after = Side(plan.community_id, plan_id=plan.id)
    report = planimpact.impact(db.session.connection(), _before(plan, args), after,
                               current_app.config["ASSIGN_SNAP_METERS"])
    return jsonify({"plan": plan.id, "version": plan.version, **report})


@blp.route("/plans/<int:plan_id>/changeset", methods=["GET"])
@require("grids:read")
@blp.doc(summary="Buildings that change grid, as GeoJSON or CSV", security=STAFF)
@blp.arguments(ChangesetQuery, location="query")
@blp.response(200, Changeset, content_type=GEOJSON, description="one feature per building "
              "whose grid changes: code, name, address, from_grid, to_grid, households, "
              "residents")
@blp.alt_response(200, schema=CSV, content_type="text/csv", success=True,
                  description="format=csv: the same rows as CSV")
@blp.fails(READ_ERRORS)
def plan_changeset(args, plan_id: int):
    fmt = args.get("format") or "geojson"
    plan = _plan(plan_id)
    after = Side(plan.community_id, plan_id=plan.id)
    moves = planimpact.building_moves(db.session.connection(), _before(plan, args), after)
    if fmt == "csv":
        return Response(planimpact.moves_csv(moves), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="plan-{plan.id}-changeset.csv"'})
    return Response(planimpact.moves_geojson(moves), mimetype=GEOJSON)


@blp.route("/plans/<int:plan_id>/publish", methods=["POST"])
@require("plans:write")
@blp.doc(summary="Publish a plan, now or on a later day", security=STAFF,
         description="One transaction: the community's current grids that change get "
                     "valid_to = today, the plan's grids become current from today, buildings "
                     "are re-assigned, open incidents move to their new grid and worker (an "
                     "event each), workers of removed grids are listed. Refused (409 with the "
                     "findings) when the checks find errors. With `?effective=` a later day, "
                     "the plan is checked and scheduled instead (status `scheduled`, answer "
                     "`scheduled`): lookups with `at` on or after that day answer its grids, "
                     "and on the day it is published by the scheduler, dated from that "
                     "day. Needs If-Match.")
@blp.arguments(PublishQuery, location="query")
@writes
@blp.response(200, Published, description="what changed, or what is scheduled")
def publish_plan(args, headers, plan_id: int):
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    cfg = current_app.config
    effective = args.get("effective")
    if schedule.later(effective, schedule.local_today(cfg["TIMEZONE"])):
        change = planpublish.schedule(conn, plan, work.rules(), effective,
                                      actor=current_user.username, user_id=current_user.id)
        audit.record("plan.schedule", "plan", plan_id, conn=conn, after=change.answer())
        answer = {"plan": plan.id, "status": "scheduled", "scheduled": change.answer()}
    else:
        result = planpublish.publish(conn, plan, work.rules(), actor=current_user.username,
                                     user_id=current_user.id,
                                     snap_meters=cfg["ASSIGN_SNAP_METERS"])
        audit.record("plan.publish", "plan", plan_id, conn=conn, after=result.audit())
        answer = result.answer()
    db.session.commit()
    response = jsonify(answer)
    response.headers["ETag"] = drafts.etag(plan.id, plan.version)
    return response


@blp.route("/plans/<int:plan_id>/cancel", methods=["POST"])
@require("plans:write")
@blp.doc(summary="Cancel a scheduled publish", security=STAFF,
         description="Until its day, a plan scheduled with `effective` can be cancelled: "
                     "nothing changes on that day and the plan is a draft again. 409 when "
                     "the plan is not scheduled. Needs If-Match.")
@blp.arguments(NoQuery, location="query")
@writes
@blp.response(200, Published, description="the cancelled change")
def cancel_plan(args, headers, plan_id: int):
    conn = db.session.connection()
    plan = work.claim(conn, plan_id, draft=False)
    change = schedule.of_plan(conn, plan.id)
    if change is None:
        raise Conflict(f"plan {plan_id} is {plan.status}; only a scheduled plan can be "
                       "cancelled")
    cancelled = schedule.cancel(conn, change.id, actor=current_user.username)
    audit.record("plan.unschedule", "plan", plan_id, conn=conn, after=cancelled.answer())
    db.session.commit()
    response = jsonify({"plan": plan.id, "status": "draft", "cancelled": cancelled.answer()})
    response.headers["ETag"] = drafts.etag(plan.id, plan.version)
    return response
