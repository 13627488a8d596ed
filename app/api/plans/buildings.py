"""Building-based editing of plans: building → grid code assignments, and grids derived."""

from flask import Response, jsonify, request
from flask_login import current_user

from app.api.common import STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.plans import work
from app.api.plans.drafts import plan_answer, writes
from app.api.plans.schemas import (
    CSV,
    Assignments,
    AssignmentsCsv,
    AssignmentsQuery,
    EncodingQuery,
    Plan,
    PlanAssignments,
)
from app.extensions import db
from app.security import audit
from app.security.auth import require
from geo.core.errors import InvalidInput
from geo.plans import buildings as planbuildings
from geo.plans import derive as planderive
from geo.plans import drafts

blp = Blueprint("plan_buildings", __name__, url_prefix="/api/v1",
                description="Building-based editing of redraw plans")


@blp.route("/plans/<int:plan_id>/assignments", methods=["GET"])
@require("grids:read")
@blp.doc(summary="Where the plan puts each building", security=STAFF)
@blp.arguments(AssignmentsQuery, location="query")
@blp.response(200, PlanAssignments, description="every building of the community with its "
              "grid code and whether it was stated (assigned) or follows the plan's grids")
@blp.alt_response(200, schema=CSV, content_type="text/csv", success=True,
                  description="format=csv: the same as CSV")
@blp.fails({400: "bad parameter", 401: "not signed in", 403: "role may not read plans",
            404: "no such plan"})
def get_assignments(args, plan_id: int):
    conn = db.session.connection()
    plan = drafts.ref(conn, plan_id, current_user.communities)
    rows = planbuildings.effective(conn, plan.id, plan.community_id)
    if args.get("format") == "csv":
        return Response(planbuildings.to_csv(rows), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="plan-{plan.id}-buildings.csv"'})
    return jsonify({"plan": plan.id, "version": plan.version, "assignments": [
        {k: r[k] for k in planbuildings.EXPORT_COLUMNS} for r in rows]})


def _rows(body: dict, encoding: str | None):
    if request.mimetype == "text/csv":
        return planbuildings.parse_csv(request.get_data(), encoding)
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise InvalidInput("send the CSV as the multipart field 'file'", param="file")
        return planbuildings.parse_csv(upload.read(), encoding)
    return planbuildings.from_json(body)


def _store(plan_id: int, rows, *, replace: bool):
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    pairs = planbuildings.resolve(conn, rows, plan.community_id, plan.community_code)
    stored = planbuildings.store(conn, plan.id, pairs, replace=replace)
    audit.record("plan.assignments." + ("replace" if replace else "patch"), "plan", plan_id,
                 conn=conn, after={"assignments": stored, "version": plan.version})
    db.session.commit()
    return plan_answer(plan_id, with_grids=False)


def takes_assignments(view):
    """The assignments as JSON, a CSV body or a multipart CSV file (``encoding`` for CSV)."""
    for step in reversed((
            blp.arguments(EncodingQuery, location="query"), writes,
            blp.arguments(Assignments, location="json", required=False),
            blp.arguments(AssignmentsCsv, location="form", content_type="multipart/form-data",
                          required=False),
            blp.doc(requestBody={"content": {"text/csv": {"schema": CSV}}}),
            blp.response(200, Plan, description="the plan"))):
        view = step(view)
    return view


@blp.route("/plans/<int:plan_id>/assignments", methods=["PUT"])
@require("plans:write")
@blp.doc(summary="Replace the plan's building assignments", security=STAFF,
         description='JSON {"assignments": [{"building": CODE, "grid": CODE}]}, or CSV '
                     "(text/csv body or multipart field file) with building_code and "
                     "grid_code columns.")
@takes_assignments
def replace_assignments(args, headers, body, form, plan_id: int):
    return _store(plan_id, _rows(body, args.get("encoding")), replace=True)


@blp.route("/plans/<int:plan_id>/assignments", methods=["PATCH"])
@require("plans:write")
@blp.doc(summary="State the grid of some buildings", security=STAFF,
         description="As PUT, for the buildings listed; the others keep theirs.")
@takes_assignments
def patch_assignments(args, headers, body, form, plan_id: int):
    return _store(plan_id, _rows(body, args.get("encoding")), replace=False)


@blp.route("/plans/<int:plan_id>/derive", methods=["POST"])
@require("plans:write")
@blp.doc(summary="Draw the plan's grids from its building assignments", security=STAFF,
         description="Replaces the plan's grids with polygons that tile the community, "
                     "follow the assigned buildings and split none (a Voronoi partition of "
                     "the footprints, dissolved by grid code and clipped to the community).")
@blp.arguments(NoQuery, location="query")
@writes
@blp.response(200, Plan, description="the plan with its new grids")
def derive_grids(args, headers, plan_id: int):
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    assignments = planbuildings.effective(conn, plan.id, plan.community_id)
    rows = planderive.derive_rows(conn, plan.id, plan.community_id, assignments)
    drafts.replace_grids(conn, plan, rows)
    audit.record("plan.derive", "plan", plan_id, conn=conn,
                 after={"grids": len(rows), "version": plan.version})
    db.session.commit()
    return plan_answer(plan_id)
