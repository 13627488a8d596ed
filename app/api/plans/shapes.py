"""Drawing a plan's grids: split a grid with a line, merge two grids, move a shared vertex."""

from flask import current_app
from marshmallow import fields

from app.api.common import STAFF, Blueprint
from app.api.fields import NoQuery, loose
from app.api.plans import work
from app.api.plans.drafts import plan_answer, writes
from app.api.plans.schemas import CrsQuery, Merge, MoveVertex, Split
from app.extensions import db
from app.security import audit
from app.security.auth import require
from geo.core.errors import InvalidInput
from geo.plans import edit as planedit

blp = Blueprint("plan_shapes", __name__, url_prefix="/api/v1",
                description="Drawing the grids of redraw plans")

Edited = loose("PlanEdited", id=fields.Integer(required=True), edit=fields.Dict(
    required=True, metadata={"description": "what changed; `edit.moved` lists the "
                             "buildings whose stated grid followed ({building, from, to}), "
                             "so that a client can undo the edit"}))


def _answer(plan_id: int, action: str, conn, plan, edit: dict):
    audit.record(action, "plan", plan_id, conn=conn,
                 after={**{k: v for k, v in edit.items() if k != "moved"},
                        "buildings": len(edit.get("moved", [])), "version": plan.version})
    db.session.commit()
    return plan_answer(plan_id, extra={"edit": edit})


@blp.route("/plans/<int:plan_id>/grids/split", methods=["POST"])
@require("plans:write")
@blp.doc(summary="Split a grid with a line", security=STAFF,
         description="JSON {grid: code or plan grid id, line: GeoJSON LineString}. The line "
                     "must cross the grid so that it falls in two pieces of at least "
                     "PLAN_SLIVER_M2 each; the larger keeps the code, the other gets the "
                     "lowest unused grid number of the community. Buildings stated to be in "
                     "the grid go to the piece holding their largest part.")
@blp.arguments(CrsQuery, location="query")
@writes
@blp.arguments(Split, location="json")
@blp.response(200, Edited, description="the plan (as GET /plans/{id}) and the edit")
def split_grid(args, headers, body, plan_id: int):
    crs = args.get("crs", "wgs84")
    grid = planedit.grid_ref(body["grid"], "grid")
    line = planedit.line(body["line"], crs=crs, bounds=current_app.config["SERVICE_AREA"])
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    edit = planedit.split(conn, plan, grid, line,
                          min_m2=current_app.config["PLAN_SLIVER_M2"])
    return _answer(plan_id, "plan.grids.split", conn, plan, edit)


@blp.route("/plans/<int:plan_id>/grids/merge", methods=["POST"])
@require("plans:write")
@blp.doc(summary="Merge two neighbouring grids", security=STAFF,
         description="JSON {grids: [first, second]} (codes or plan grid ids). Their union "
                     "must be one polygon; the first keeps its code and name, buildings "
                     "stated to be in the second move to it.")
@blp.arguments(NoQuery, location="query")
@writes
@blp.arguments(Merge, location="json")
@blp.response(200, Edited, description="the plan (as GET /plans/{id}) and the edit")
def merge_grids(args, headers, body, plan_id: int):
    pair = body["grids"]
    if not isinstance(pair, list) or len(pair) != 2:
        raise InvalidInput("'grids' must list exactly two grids: [kept, merged into it]",
                           param="grids")
    first, second = (planedit.grid_ref(g, "grids") for g in pair)
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    edit = planedit.merge(conn, plan, first, second)
    return _answer(plan_id, "plan.grids.merge", conn, plan, edit)


@blp.route("/plans/<int:plan_id>/grids/move_vertex", methods=["POST"])
@require("plans:write")
@blp.doc(summary="Move a vertex and every grid vertex on it", security=STAFF,
         description="JSON {from: [lon, lat], to: [lon, lat]}. Every vertex of every grid "
                     "of the plan within PLAN_VERTEX_TOLERANCE_M of `from` moves to `to`, "
                     "so that neighbours sharing the corner follow. Refused (400) when no "
                     "vertex is there, or when a grid would become invalid or grids would "
                     "overlap more than before.")
@blp.arguments(CrsQuery, location="query")
@writes
@blp.arguments(MoveVertex, location="json")
@blp.response(200, Edited, description="the plan (as GET /plans/{id}) and the edit")
def move_vertex(args, headers, body, plan_id: int):
    crs, cfg = args.get("crs", "wgs84"), current_app.config
    source = planedit.position(body["from_"], "from", crs=crs, bounds=cfg["SERVICE_AREA"])
    target = planedit.position(body["to"], "to", crs=crs, bounds=cfg["SERVICE_AREA"])
    conn = db.session.connection()
    plan = work.claim(conn, plan_id)
    edit = planedit.move_vertex(conn, plan, source, target,
                                tolerance_m=cfg["PLAN_VERTEX_TOLERANCE_M"])
    return _answer(plan_id, "plan.grids.move_vertex", conn, plan, edit)
