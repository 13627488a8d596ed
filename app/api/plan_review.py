"""Redraw plans: check, impact (compare), the building changeset, and publish."""

from flask import jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from app import planwork
from app.api.common import STAFF, error, ok
from app.auth import require
from app.extensions import db
from geo import params, plancheck, plans
from geo.planside import Side

blp = Blueprint("plan_review", __name__, url_prefix="/api/v1",
                description="Checking, comparing and publishing redraw plans")

CHECK = {"type": "object", "description": "ok, errors, warnings, findings [{kind, severity, "
         "codes, size, unit, message, geometry}], grids [{code, households, buildings, "
         "residents, area_m2, compactness}], summary {counts, households {min, max, mean, "
         "deviation}, compactness {min, max, mean, stdev, spread}}"}


def _plan(plan_id: int):
    return plans.ref(db.session.connection(), plan_id, current_user.communities)


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
                             plan.community_code, planwork.rules())
    return jsonify({"plan": plan.id, "version": plan.version, **report})
