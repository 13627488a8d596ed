"""Automatic balanced drafts: ``POST /api/v1/plans/auto`` makes a plan from the buildings."""

from flask import current_app, jsonify
from flask_login import current_user

from app.api.common import STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.plans.schemas import AutoPlan, Plan
from app.extensions import db
from app.security import audit
from app.security.auth import require
from geo.plans import auto as autoplan
from geo.plans import buildings as planbuildings
from geo.plans import drafts as plans

blp = Blueprint("plan_auto", __name__, url_prefix="/api/v1",
                description="Automatic balanced drafts of redraw plans")


@blp.route("/plans/auto", methods=["POST"])
@require("plans:write")
@blp.doc(summary="Draft a community's grids automatically", security=STAFF,
         description="JSON {community, name, band: [min, max] households (default the "
                     "configured band) | grids: n, seed, caseload: 0..1 (the weight of last "
                     "year's incidents in what is balanced; default 0: households only)}. "
                     "The community's buildings are partitioned into contiguous, compact "
                     "groups with balanced households (or the blend) (recursive bisection, "
                     "then contiguity and balance repairs; see "
                     "geo/plans/auto.py), grids are drawn around them, and a draft plan is "
                     "stored with its grids and building assignments. The answer is the "
                     "plan with `draft`: grids, households per code, deviation "
                     "((max-min)/mean), Polsby-Popper compactness, band feasibility, seed.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(AutoPlan, location="json")
@blp.response(201, Plan, description="the plan with its draft measures")
@blp.fails({400: "bad field (named in details.param)", 401: "not signed in",
            403: "role may not edit plans",
            404: "no such community among the caller's communities"})
def auto_plan(args, body):
    cfg = current_app.config
    asked = autoplan.parse_request(
        body, max_grids=cfg["PLAN_MAX_GRIDS"],
        band=(cfg["PLAN_HOUSEHOLDS_MIN"], cfg["PLAN_HOUSEHOLDS_MAX"]))
    conn = db.session.connection()
    cid, code = plans.community(conn, asked.community, current_user.communities)
    drafted = autoplan.draft(conn, cid, code, band=asked.band, grids=asked.grids,
                             seed=asked.seed, caseload=asked.caseload)
    plan_id = plans.create(conn, cid, asked.name, "auto", user_id=current_user.id,
                           rows=drafted.rows)
    planbuildings.store(conn, plan_id, drafted.assignments, replace=True)
    summary = drafted.summary
    audit.record("plan.create", "plan", plan_id, conn=conn, after={
        "community": code, "name": asked.name, "source": "auto", "band": list(asked.band),
        "grids": summary["grids"], "seed": asked.seed, "deviation": summary["deviation"],
        **({"caseload": asked.caseload} if asked.caseload else {})})
    db.session.commit()
    conn = db.session.connection()
    body = plans.get(conn, plan_id, current_user.communities)
    body["grids"] = plans.grids_geojson(conn, plan_id)
    body["draft"] = summary
    response = jsonify(body)
    response.status_code = 201
    response.headers["ETag"] = body["etag"]
    response.headers["Location"] = f"/api/v1/plans/{plan_id}"
    return response
