"""Redraw plans: create, list, read, rename, delete, and edit their grids (ETag/If-Match)."""

from flask import jsonify, request
from flask_login import current_user

from app.api.common import STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.plans import work
from app.api.plans.schemas import (
    EditQuery,
    GridChanges,
    GridFile,
    IfMatch,
    Plan,
    PlanCreate,
    PlanFile,
    Plans,
    PlansQuery,
    Rename,
)
from app.extensions import db
from app.security import audit
from app.security.auth import require
from geo.core import text
from geo.core.errors import InvalidInput
from geo.plans import drafts, parse

blp = Blueprint("plans", __name__, url_prefix="/api/v1",
                description="Redraw plans (网格调整方案), for planners")

WRITE_ERRORS = {400: "bad body or parameter", 401: "not signed in",
                403: "role may not edit plans", 404: "no such plan",
                409: "the plan is not a draft",
                412: "the plan changed since it was read (stale ETag)",
                428: "no If-Match header"}


def writes(view):
    """Document a write to a plan: the If-Match header it needs and how it can fail."""
    view = blp.fails(WRITE_ERRORS)(view)
    return blp.arguments(IfMatch, location="headers")(view)


def plan_answer(plan_id: int, status: int = 200, *, with_grids: bool = True,
                extra: dict | None = None):
    """The plan as JSON (with its grids, and ``extra`` keys) and its ETag header."""
    conn = db.session.connection()
    body = drafts.get(conn, plan_id, current_user.communities)
    if with_grids:
        body["grids"] = drafts.grids_geojson(conn, plan_id)
    body["last_change"] = last_change(plan_id)
    body.update(extra or {})
    response = jsonify(body)
    response.status_code = status
    response.headers["ETag"] = body["etag"]
    return response


def last_change(plan_id: int) -> dict | None:
    """Who wrote to the plan last, what and when (from the audit log): a planner whose save
    was refused as stale is told this."""
    entries = audit.entries(entity="plan", entity_id=str(plan_id), limit=1)
    if not entries:
        return None
    entry = entries[0]
    return {"actor": entry.actor, "action": entry.action, "at": entry.at.isoformat()}


@blp.route("/plans", methods=["POST"])
@require("plans:write")
@blp.doc(summary="Start a plan", security=STAFF,
         description="JSON {community, name, source}: source `current` (a copy of the current "
                     "grids), `empty`, `version` with `at` (the grids in force that day: "
                     "publishing it again rolls a redraw back) or `plan` with `plan` (a copy). "
                     "Or multipart/form-data with `file` (GeoJSON, GeoPackage, zipped "
                     "Shapefile, any CRS), community, name, layer, encoding, crs, code_field, "
                     "name_field, make_valid.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(PlanCreate, location="json", required=False)
@blp.arguments(PlanFile, location="form", content_type="multipart/form-data", required=False)
@blp.response(201, Plan, description="the plan, with its ETag")
@blp.fails({k: v for k, v in WRITE_ERRORS.items() if k not in (409, 412, 428)})
def create_plan(args, body, form):
    conn = db.session.connection()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise InvalidInput("send the file as the multipart field 'file'", param="file")
        plan_id = work.create_from_file(conn, form, upload)
    else:
        plan_id = work.create_from_json(conn, body if request.is_json else None)
    db.session.commit()
    response = plan_answer(plan_id, 201)
    response.headers["Location"] = f"/api/v1/plans/{plan_id}"
    return response


@blp.route("/plans", methods=["GET"])
@require("grids:read")
@blp.doc(summary="List plans", security=STAFF)
@blp.arguments(PlansQuery, location="query")
@blp.response(200, Plans, description="plans, newest first, with the total")
@blp.fails({400: "bad parameter", 401: "not signed in", 403: "role may not read plans"})
def list_plans(args):
    found = drafts.listing(
        db.session.connection(), current_user.communities, community=args.get("community"),
        status=args.get("status"), limit=args["limit"], offset=args["offset"])
    return jsonify(found)


@blp.route("/plans/<int:plan_id>", methods=["GET"])
@require("grids:read")
@blp.doc(summary="One plan with its grids", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.response(200, Plan, description="the plan; its ETag in the ETag header")
@blp.fails({400: "a query parameter (none is taken)", 401: "not signed in",
            403: "role may not read plans",
            404: "no such plan among the caller's communities"})
def get_plan(args, plan_id: int):
    return plan_answer(plan_id)


@blp.route("/plans/<int:plan_id>", methods=["PATCH"])
@require("plans:write")
@blp.doc(summary="Rename a plan", security=STAFF)
@blp.arguments(NoQuery, location="query")
@writes
@blp.arguments(Rename, location="json")
@blp.response(200, Plan, description="the plan")
def rename_plan(args, headers, body, plan_id: int):
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    drafts.rename(conn, plan, text.name(body["name"]))
    audit.record("plan.rename", "plan", plan_id, conn=conn, after={"name": body["name"]})
    db.session.commit()
    return plan_answer(plan_id, with_grids=False)


@blp.route("/plans/<int:plan_id>", methods=["DELETE"])
@require("plans:write")
@blp.doc(summary="Delete a draft plan", security=STAFF)
@blp.arguments(NoQuery, location="query")
@writes
@blp.response(204, description="deleted")
def delete_plan(args, headers, plan_id: int):
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    drafts.delete(conn, plan)
    audit.record("plan.delete", "plan", plan_id, conn=conn,
                 after={"community": plan.community_code})
    db.session.commit()
    return "", 204


@blp.route("/plans/<int:plan_id>/grids", methods=["PUT"])
@require("plans:write")
@blp.doc(summary="Replace a plan's grids", security=STAFF)
@blp.arguments(EditQuery, location="query")
@writes
@blp.arguments(GridFile, location="json")
@blp.response(200, Plan, description="the plan")
def replace_grids(args, headers, body, plan_id: int):
    rows = parse.grid_rows(body, crs=args.get("crs"), make_valid=args.get("make_valid", False),
                           limits=work.limits())
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    drafts.replace_grids(conn, plan, rows)
    audit.record("plan.grids.replace", "plan", plan_id, conn=conn,
                 after={"grids": len(rows), "version": plan.version})
    db.session.commit()
    return plan_answer(plan_id)


@blp.route("/plans/<int:plan_id>/grids", methods=["PATCH"])
@require("plans:write")
@blp.doc(summary="Change some of a plan's grids", security=STAFF,
         description="A FeatureCollection of the grids to add or change (by feature `id` = "
                     "plan grid id, else by `code`; a null geometry keeps the boundary) and "
                     "`delete`: grid codes or ids to remove.")
@blp.arguments(EditQuery, location="query")
@writes
@blp.arguments(GridChanges, location="json")
@blp.response(200, Plan, description="the plan")
def patch_grids(args, headers, body, plan_id: int):
    body.setdefault("features", [])
    delete = body.get("delete", [])
    if not isinstance(delete, list):
        raise InvalidInput("'delete' must be a list of grid codes or ids", param="delete")
    feats = parse.features(body, crs=args.get("crs"), make_valid=args.get("make_valid", False),
                           limits=work.limits(), allow_null_geometry=True)
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    counts = drafts.patch_grids(conn, plan, feats, delete)
    audit.record("plan.grids.patch", "plan", plan_id, conn=conn,
                 after={**counts, "version": plan.version})
    db.session.commit()
    return plan_answer(plan_id)
