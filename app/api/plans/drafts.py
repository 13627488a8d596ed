"""Redraw plans: create, list, read, rename, delete, and edit their grids (ETag/If-Match)."""

from flask import current_app, jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import STAFF, error, ok, paging, query_param
from app.api.plans import work
from app.extensions import db
from app.security import audit
from app.security.auth import require
from geo.core import params, text
from geo.core.crs import parse_crs
from geo.core.errors import InvalidInput
from geo.plans import drafts, parse

blp = Blueprint("plans", __name__, url_prefix="/api/v1",
                description="Redraw plans (网格调整方案), for planners")

PLAN = {"type": "object", "description": "id, name, status, source, version, etag, community, "
        "created_by/at, updated_at, published_at, grids (count or FeatureCollection), "
        "last_change {actor, action, at} (the latest audit entry of the plan)"}
FEATURES = {"type": "object", "description": "GeoJSON FeatureCollection; properties code, "
            "name; Polygon/MultiPolygon geometries (crs query parameter: wgs84, cgcs2000, "
            "gcj02, bd09)"}
IF_MATCH = {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
            "description": "the plan's ETag as last read"}
# Replacing or patching grids: the version read, and how to read the coordinates sent.
EDIT_PARAMS = [IF_MATCH, query_param("crs", "CRS of the coordinates (default wgs84)",
                                     {"type": "string"}),
               query_param("make_valid", "repair invalid polygons", {"type": "boolean"})]
WRITE_ERRORS = {"400": error("bad body"), "401": error("not signed in"),
                "403": error("role may not edit plans"), "404": error("no such plan"),
                "409": error("the plan is not a draft"),
                "412": error("the plan changed since it was read (stale ETag)"),
                "428": error("no If-Match header")}
EDIT_ARGS = ("crs", "make_valid")


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
@blp.doc(summary="Start a plan", security=STAFF,
         description="JSON {community, name, source}: source `current` (a copy of the current "
                     "grids), `empty`, `version` with `at` (the grids in force that day: "
                     "publishing it again rolls a redraw back) or `plan` with `plan` (a copy). "
                     "Or multipart/form-data with `file` (GeoJSON, GeoPackage, zipped "
                     "Shapefile, any CRS), community, name, layer, encoding, crs, code_field, "
                     "name_field, make_valid.",
         requestBody={"content": {"application/json": {"schema": {"type": "object"}},
                                  "multipart/form-data": {"schema": {"type": "object"}}}},
         responses={"201": ok("the plan, with its ETag", PLAN), **WRITE_ERRORS})
@require("plans:write")
def create_plan():
    params.check_known(request.args, ())
    conn = db.session.connection()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise InvalidInput("send the file as the multipart field 'file'", param="file")
        plan_id = work.create_from_file(conn, request.form, upload)
    else:
        plan_id = work.create_from_json(conn, request.get_json(silent=True))
    db.session.commit()
    response = plan_answer(plan_id, 201)
    response.headers["Location"] = f"/api/v1/plans/{plan_id}"
    return response


@blp.route("/plans", methods=["GET"])
@blp.doc(summary="List plans", security=STAFF,
         parameters=[query_param("community", "12-digit community code", {"type": "string"}),
                     query_param("status", "draft | published", {"type": "string"}),
                     *paging(100, 1000)],
         responses={"200": ok("plans, newest first, with the total", {"type": "object"}),
                    "400": error("bad parameter"), "401": error("not signed in")})
@require("grids:read")
def list_plans():
    args, cfg = request.args, current_app.config
    params.check_known(args, ("community", "status", "limit", "offset"))
    found = drafts.listing(
        db.session.connection(), current_user.communities,
        community=params.code(args, "community", 12),
        status=params.choice(args, "status", drafts.STATUSES),
        limit=params.integer(args, "limit", default=cfg["API_PAGE_LIMIT_DEFAULT"], minimum=1,
                             maximum=cfg["API_PAGE_LIMIT_MAX"]),
        offset=params.integer(args, "offset", default=0))
    return jsonify(found)


@blp.route("/plans/<int:plan_id>", methods=["GET"])
@blp.doc(summary="One plan with its grids", security=STAFF,
         responses={"200": ok("the plan; its ETag in the ETag header", PLAN),
                    "404": error("no such plan among the caller's communities")})
@require("grids:read")
def get_plan(plan_id: int):
    params.check_known(request.args, ())
    return plan_answer(plan_id)


@blp.route("/plans/<int:plan_id>", methods=["PATCH"])
@blp.doc(summary="Rename a plan", security=STAFF, parameters=[IF_MATCH],
         requestBody={"content": {"application/json": {"schema": {
             "type": "object", "properties": {"name": {"type": "string"}}}}}},
         responses={"200": ok("the plan", PLAN), **WRITE_ERRORS})
@require("plans:write")
def rename_plan(plan_id: int):
    params.check_known(request.args, ())
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) != {"name"}:
        raise InvalidInput('send {"name": ...}; only the name of a plan changes here',
                           param="name")
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    drafts.rename(conn, plan, text.name(body["name"]))
    audit.record("plan.rename", "plan", plan_id, conn=conn, after={"name": body["name"]})
    db.session.commit()
    return plan_answer(plan_id, with_grids=False)


@blp.route("/plans/<int:plan_id>", methods=["DELETE"])
@blp.doc(summary="Delete a draft plan", security=STAFF, parameters=[IF_MATCH],
         responses={"204": {"description": "deleted"}, **WRITE_ERRORS})
@require("plans:write")
def delete_plan(plan_id: int):
    params.check_known(request.args, ())
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    drafts.delete(conn, plan)
    audit.record("plan.delete", "plan", plan_id, conn=conn,
                 after={"community": plan.community_code})
    db.session.commit()
    return "", 204


@blp.route("/plans/<int:plan_id>/grids", methods=["PUT"])
@blp.doc(summary="Replace a plan's grids", security=STAFF,
         parameters=EDIT_PARAMS,
         requestBody={"content": {"application/json": {"schema": FEATURES}}},
         responses={"200": ok("the plan", PLAN), **WRITE_ERRORS})
@require("plans:write")
def replace_grids(plan_id: int):
    crs, make_valid = _edit_args()
    rows = parse.grid_rows(request.get_json(silent=True), crs=crs, make_valid=make_valid,
                               limits=work.limits())
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    drafts.replace_grids(conn, plan, rows)
    audit.record("plan.grids.replace", "plan", plan_id, conn=conn,
                 after={"grids": len(rows), "version": plan.version})
    db.session.commit()
    return plan_answer(plan_id)


@blp.route("/plans/<int:plan_id>/grids", methods=["PATCH"])
@blp.doc(summary="Change some of a plan's grids", security=STAFF,
         description="A FeatureCollection of the grids to add or change (by feature `id` = "
                     "plan grid id, else by `code`; a null geometry keeps the boundary) and "
                     "`delete`: grid codes or ids to remove.",
         parameters=EDIT_PARAMS,
         requestBody={"content": {"application/json": {"schema": FEATURES}}},
         responses={"200": ok("the plan", PLAN), **WRITE_ERRORS})
@require("plans:write")
def patch_grids(plan_id: int):
    crs, make_valid = _edit_args()
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        params.check_fields(body, ("type", "features", "delete"))
        body.setdefault("features", [])
    delete = body.get("delete", []) if isinstance(body, dict) else []
    if not isinstance(delete, list):
        raise InvalidInput("'delete' must be a list of grid codes or ids", param="delete")
    feats = parse.features(body, crs=crs, make_valid=make_valid, limits=work.limits(),
                               allow_null_geometry=True)
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    counts = drafts.patch_grids(conn, plan, feats, delete)
    audit.record("plan.grids.patch", "plan", plan_id, conn=conn,
                 after={**counts, "version": plan.version})
    db.session.commit()
    return plan_answer(plan_id)


def _edit_args() -> tuple[str, bool]:
    args = request.args
    params.check_known(args, EDIT_ARGS)
    return parse_crs(args.get("crs")), work.flag(args.get("make_valid"), "make_valid")
