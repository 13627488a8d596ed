"""Building-based editing of plans: building → grid code assignments, and grids derived."""

from flask import Response, jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import STAFF, error, ok, query_param
from app.api.plans import work
from app.api.plans.drafts import IF_MATCH, WRITE_ERRORS, plan_answer
from app.extensions import db
from app.security import audit
from app.security.auth import require
from geo.core import params
from geo.core.errors import InvalidInput
from geo.plans import buildings as planbuildings
from geo.plans import derive as planderive
from geo.plans import drafts

blp = Blueprint("plan_buildings", __name__, url_prefix="/api/v1",
                description="Building-based editing of redraw plans")

ASSIGNMENTS = {"type": "object", "description": 'JSON {"assignments": [{"building": CODE, '
               '"grid": CODE}]}, or CSV (text/csv body or multipart field file) with '
               "building_code and grid_code columns"}


@blp.route("/plans/<int:plan_id>/assignments", methods=["GET"])
@blp.doc(summary="Where the plan puts each building", security=STAFF,
         parameters=[query_param("format", "json (default) or csv",
                                 {"type": "string", "enum": ["json", "csv"]})],
         responses={"200": ok("every building of the community with its grid code and "
                              "whether it was stated (assigned) or follows the plan's grids",
                              {"type": "object"}),
                    "404": error("no such plan")})
@require("grids:read")
def get_assignments(plan_id: int):
    params.check_known(request.args, ("format",))
    fmt = params.choice(request.args, "format", ("json", "csv")) or "json"
    conn = db.session.connection()
    plan = drafts.ref(conn, plan_id, current_user.communities)
    rows = planbuildings.effective(conn, plan.id, plan.community_id)
    if fmt == "csv":
        return Response(planbuildings.to_csv(rows), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="plan-{plan.id}-buildings.csv"'})
    return jsonify({"plan": plan.id, "version": plan.version, "assignments": [
        {k: r[k] for k in planbuildings.EXPORT_COLUMNS} for r in rows]})


def _rows():
    if request.mimetype == "text/csv":
        return planbuildings.parse_csv(request.get_data(), request.args.get("encoding"))
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise InvalidInput("send the CSV as the multipart field 'file'", param="file")
        return planbuildings.parse_csv(upload.read(), request.args.get("encoding"))
    return planbuildings.from_json(request.get_json(silent=True))


def _store(plan_id: int, *, replace: bool):
    params.check_known(request.args, ("encoding",))
    rows = _rows()
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    pairs = planbuildings.resolve(conn, rows, plan.community_id, plan.community_code)
    stored = planbuildings.store(conn, plan.id, pairs, replace=replace)
    audit.record("plan.assignments." + ("replace" if replace else "patch"), "plan", plan_id,
                 conn=conn, after={"assignments": stored, "version": plan.version})
    db.session.commit()
    return plan_answer(plan_id, with_grids=False)


@blp.route("/plans/<int:plan_id>/assignments", methods=["PUT"])
@blp.doc(summary="Replace the plan's building assignments", security=STAFF,
         parameters=[IF_MATCH, query_param("encoding", "CSV encoding: utf-8 (default) or gbk",
                                           {"type": "string"})],
         requestBody={"content": {"application/json": {"schema": ASSIGNMENTS},
                                  "text/csv": {"schema": {"type": "string"}}}},
         responses={"200": ok("the plan", {"type": "object"}), **WRITE_ERRORS})
@require("plans:write")
def replace_assignments(plan_id: int):
    return _store(plan_id, replace=True)


@blp.route("/plans/<int:plan_id>/assignments", methods=["PATCH"])
@blp.doc(summary="State the grid of some buildings", security=STAFF, parameters=[IF_MATCH],
         requestBody={"content": {"application/json": {"schema": ASSIGNMENTS}}},
         responses={"200": ok("the plan", {"type": "object"}), **WRITE_ERRORS})
@require("plans:write")
def patch_assignments(plan_id: int):
    return _store(plan_id, replace=False)


@blp.route("/plans/<int:plan_id>/derive", methods=["POST"])
@blp.doc(summary="Draw the plan's grids from its building assignments", security=STAFF,
         description="Replaces the plan's grids with polygons that tile the community, "
                     "follow the assigned buildings and split none (a Voronoi partition of "
                     "the footprints, dissolved by grid code and clipped to the community).",
         parameters=[IF_MATCH],
         responses={"200": ok("the plan with its new grids", {"type": "object"}),
                    **WRITE_ERRORS})
@require("plans:write")
def derive_grids(plan_id: int):
    params.check_known(request.args, ())
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    assignments = planbuildings.effective(conn, plan.id, plan.community_id)
    rows = planderive.derive_rows(conn, plan.id, plan.community_id, assignments)
    drafts.replace_grids(conn, plan, rows)
    audit.record("plan.derive", "plan", plan_id, conn=conn,
                 after={"grids": len(rows), "version": plan.version})
    db.session.commit()
    return plan_answer(plan_id)
