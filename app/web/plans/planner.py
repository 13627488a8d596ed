"""The planner's workbench: ``/plans`` (the list, start a plan) and ``/plans/<id>`` (the
map editor).

Both pages are shells: their scripts (``static/js/drafts.js``, ``static/js/plan_editor.js``)
read and write everything through the plans API (``/api/v1/drafts...``) with the session and
the page's CSRF token, sending the plan's ETag with every write. Every staff role that may
read grids sees the pages; the editing controls appear only for roles that may write plans
(planner, admin); the API enforces the same either way.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from app.plumbing.readdb import read
from app.security.auth import require
from app.security.headers import csp_nonce
from geo.places.store import reads as store
from geo.plans import drafts

bp = Blueprint("planner", __name__)

# key → (中文, English)
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("网格调整方案", "Redraw plans"),
    "lang_switch": ("English", "中文"),
    "col_id": ("编号", "No."), "col_name": ("方案名称", "Name"), "col_status": ("状态", "Status"),
    "col_community": ("社区", "Community"), "col_author": ("创建人", "Author"),
    "col_changed": ("最后修改", "Last change"), "col_grids": ("网格数", "Grids"),
    "status_draft": ("草案", "Draft"), "status_published": ("已发布", "Published"),
    "status_discarded": ("已废弃", "Discarded"),
    "source_current": ("复制现行网格", "Copy of the current grids"),
    "source_file": ("上传文件", "Upload a file"),
    "source_auto": ("自动生成草案", "Automatic draft"),
    "new_plan": ("新建方案", "New plan"), "name": ("方案名称", "Name"),
    "name_default": ("调整方案", "Redraw"),
    "community": ("社区", "Community"), "source": ("来源", "Start from"),
    "file": ("文件（GeoJSON、GeoPackage 或压缩的 Shapefile）",
             "File (GeoJSON, GeoPackage or zipped Shapefile)"),
    "code_field": ("编码字段", "Code field"),
    "auto_by": ("按", "By"), "auto_band": ("每格户数范围", "Households per grid"),
    "auto_grids": ("网格个数", "Number of grids"),
    "create": ("创建", "Create"), "creating": ("正在创建…", "Creating…"),
    "no_plans": ("还没有方案。", "No plans yet."),
    "read_only": ("您的角色只能查看方案。", "Your role may only look at drafts."),
    "error": ("出错了：", "Error: "), "network": ("无法连接服务器。", "Cannot reach the server."),
    "signed_out": ("登录已失效，请重新登录。", "Your session has ended; sign in again."),
    "open": ("打开", "Open"), "back": ("全部方案", "All plans"),
    "loading": ("加载中…", "Loading…"),
    # the editor
    "balance": ("户数平衡", "Balance"), "grid": ("网格", "Grid"),
    "households": ("户数", "Households"), "deviation": ("偏差", "Deviation"),
    "compactness": ("紧凑度", "Compactness"), "buildings": ("楼栋", "Buildings"),
    # column heads of the side panel's tables (the full word is their title)
    "th_deviation": ("偏差", "Dev."), "th_compactness": ("紧凑度", "Compact."),
    "th_buildings": ("楼栋", "Bldgs"),
    "band": ("标准 {min}–{max} 户", "Band {min}–{max} households"),
    "summary": ("共 {grids} 个网格，{households} 户；极差率 {deviation}",
                "{grids} grids, {households} households; spread {deviation}"),
    "paint_hint": ("在表中选定网格，再点击楼栋（或框选）把楼栋划入该网格。",
                   "Pick a grid in the table, then click buildings (or box-select) to move "
                   "them into it."),
    "painting": ("正在划入：{grid}", "Painting into: {grid}"),
    "new_grid": ("新增网格", "New grid"), "box_select": ("框选", "Box select"),
    "lasso": ("套索", "Lasso"),
    "lasso_hint": ("按住鼠标圈出楼栋，松开后划入选定网格。",
                   "Hold the mouse button and draw around buildings; they move into the "
                   "picked grid when you let go."),
    "split": ("切分", "Split"), "merge": ("合并", "Merge"), "vertices": ("移动顶点", "Vertices"),
    "split_title": ("用一条线把选定网格切成两个", "Cut the picked grid in two with a line"),
    "merge_title": ("把相邻网格并入选定网格", "Merge a neighbour into the picked grid"),
    "vertices_title": ("拖动选定网格的顶点，相邻网格的同一顶点随之移动",
                       "Drag the picked grid's corners; neighbours sharing a corner follow"),
    "pick_grid_first": ("请先在表中或地图上选定一个网格。",
                        "Pick a grid first (in the table or on the map)."),
    "split_hint": ("在地图上画线穿过网格 {grid}：逐点单击，再次单击最后一点结束，Esc 取消。",
                   "Draw a line across grid {grid}: click point by point, click the last "
                   "point again to finish, Esc to cancel."),
    "split_done": ("网格 {grid} 已切分，新网格 {added}。", "Grid {grid} split; new grid {added}."),
    "merge_hint": ("单击要并入网格 {grid} 的相邻网格，Esc 取消。",
                   "Click the neighbour to merge into grid {grid}; Esc to cancel."),
    "merge_same": ("这是网格 {grid} 本身，请单击另一个相邻网格，Esc 取消。",
                   "That is grid {grid} itself; click a neighbour, or Esc to cancel."),
    "merge_done": ("网格 {removed} 已并入 {grid}。", "Grid {removed} merged into {grid}."),
    "vertex_hint": ("拖动红圈顶点；共用该顶点的相邻网格随之移动。单击其他网格可编辑其顶点。",
                    "Drag a red corner; neighbours sharing it follow. Click another grid to "
                    "edit its corners."),
    # refused drawing edits (details.refusal of geo/planedit.py); English shows the server's text
    "refuse_not_crossing": ("线没有完整穿过网格 {grid}，请从网格外画到网格外。",
                            "The line does not cross grid {grid}."),
    "refuse_pieces": ("这条线把网格 {grid} 切成了 {pieces} 块，请画一条只切成两块的线。",
                      "The line cuts grid {grid} into {pieces} pieces."),
    "refuse_piece_small": ("切出的一块只有 {piece_m2} 平方米，小于 {min_m2} 平方米。",
                           "A piece would be only {piece_m2} m²."),
    "refuse_not_adjacent": ("网格 {grid} 与 {other} 不相邻，只能合并相邻网格。",
                            "Grids {grid} and {other} are not neighbours."),
    "refuse_no_vertex": ("该位置没有网格顶点。", "No grid has a corner there."),
    "refuse_invalid": ("移动后网格 {grid} 的边界会自相交，未作修改。",
                       "Grid {grid} would cross itself; nothing changed."),
    "refuse_overlap": ("移动后网格 {grid} 与 {other} 会重叠 {m2} 平方米，未作修改。",
                       "Grids {grid} and {other} would overlap; nothing changed."),
    "vertex_done": ("顶点已移动（{n} 个网格：{grids}）。", "Corner moved ({n} grids: {grids})."),
    "undo": ("撤销", "Undo"), "redo": ("重做", "Redo"),
    "saving": ("正在保存…", "Saving…"), "saved": ("已保存（版本 {version}）",
                                                  "Saved (version {version})"),
    "moved": ("{n} 栋楼划入 {grid}", "{n} building(s) moved to {grid}"),
    # after undo/redo: what the step was
    "undone": ("已撤销：{what}（版本 {version}）", "Undone: {what} (version {version})"),
    "redone": ("已重做：{what}（版本 {version}）", "Redone: {what} (version {version})"),
    "step_paint": ("{n} 栋楼划入网格 {grid}", "{n} building(s) moved into grid {grid}"),
    "step_split": ("切分网格 {grid}（新网格 {added}）", "split of grid {grid} (new grid {added})"),
    "step_merge": ("网格 {removed} 并入 {grid}", "merge of grid {removed} into {grid}"),
    "step_vertex": ("移动顶点（网格 {grids}）", "corner move (grids {grids})"),
    "list_sep": ("、", ", "),
    "nothing_to_move": ("所选楼栋已在该网格。", "Those buildings are in that grid already."),
    "findings": ("检查结果", "Check findings"), "no_findings": ("没有问题。", "No findings."),
    "sev_error": ("错误", "Error"), "sev_warning": ("警告", "Warning"),
    "impact": ("影响", "Impact"), "publish": ("发布", "Publish"),
    "impact_title": ("调整影响（现行 → 方案）", "Impact (current → plan)"),
    "gstatus_added": ("新增", "added"), "gstatus_removed": ("撤销", "removed"),
    "gstatus_redrawn": ("调整", "redrawn"), "gstatus_renamed": ("改名", "renamed"),
    "gstatus_unchanged": ("不变", "unchanged"),
    "buildings_moved": ("变更网格的楼栋：{n} 栋", "Buildings changing grid: {n}"),
    "incidents_moved": ("改派的未办结事件：{n} 件", "Open incidents changing grid or worker: {n}"),
    "before": ("调整前", "Before"), "after": ("调整后", "After"),
    "publish_confirm": ("确认发布", "Publish now"), "cancel": ("取消", "Cancel"),
    "close": ("关闭", "Close"),
    "publish_title": ("发布方案？发布后立即成为现行网格。",
                      "Publish this plan? Its grids become the current grids at once."),
    "published": ("已发布：{changed} 个网格生效，{buildings} 栋楼重新归属，"
                  "{incidents} 件事件改派。",
                  "Published: {changed} grids in force, {buildings} buildings re-assigned, "
                  "{incidents} incidents moved."),
    "publish_refused": ("未发布：检查发现以下错误。", "Not published: the checks found errors."),
    "stale": ("保存未执行：该方案已被 {actor} 于 {at} 修改（{action}，现为版本 {version}）。",
              "Not saved: {actor} changed this plan at {at} ({action}; now version "
              "{version})."),
    "stale_unknown": ("保存未执行：该方案已被他人修改（现为版本 {version}）。",
                      "Not saved: someone changed this plan (now version {version})."),
    "reload": ("重新加载", "Reload"),
    "not_draft": ("该方案不是草案，不能编辑。", "This plan is not a draft; it cannot be edited."),
    "layer_grids": ("方案网格", "Plan grids"), "layer_buildings": ("楼栋", "Buildings"),
    "layer_findings": ("检查问题", "Findings"),
    "truncated": ("楼栋过多，仅显示 {n} 栋。", "Too many buildings; showing {n}."),
    "worker": ("网格员", "Workers"), "none": ("—", "—"),
    # finding kinds (geo/plancheck.py): Chinese lines are built from kind, codes and size;
    # English shows the engine's own message.
    "kind_overlap": ("网格重叠", "Overlap"), "kind_gap": ("未划入网格的空隙", "Gap"),
    "kind_outside": ("超出社区边界", "Outside the community"),
    "kind_sliver": ("细小碎片", "Sliver"), "kind_multipart": ("网格不连续", "Multi-part grid"),
    "kind_building_unassigned": ("楼栋未划入网格", "Building in no grid"),
    "kind_building_split": ("楼栋跨网格", "Building across grids"),
    "kind_households": ("户数超出标准", "Households outside the band"),
    "kind_compactness": ("形状不够紧凑", "Not compact"),
    "kind_code_missing": ("缺少网格编码", "Code missing"),
    "kind_code_duplicate": ("网格编码重复", "Duplicate code"),
    "kind_code_pattern": ("网格编码不合规则", "Code not of the pattern"),
    "kind_empty": ("方案没有网格", "No grids"),
    "unit_m2": ("平方米", "m²"), "unit_households": ("户", "households"),
    "unit_share": ("占比", "share"), "unit_grids": ("个网格", "grids"),
    "unit_ratio": ("", ""),
    "action_plan.rename": ("重命名", "renamed it"),
    "action_plan.grids.replace": ("替换网格", "replaced the grids"),
    "action_plan.grids.patch": ("修改网格", "changed grids"),
    "action_plan.assignments.patch": ("划转楼栋", "moved buildings"),
    "action_plan.assignments.replace": ("替换楼栋归属", "replaced the assignments"),
    "action_plan.derive": ("重新生成网格", "derived the grids"),
    "action_plan.grids.split": ("切分网格", "split a grid"),
    "action_plan.grids.merge": ("合并网格", "merged grids"),
    "action_plan.grids.move_vertex": ("移动顶点", "moved a corner"),
    "action_plan.create": ("创建", "created it"), "action_plan.publish": ("发布", "published it"),
}


def _texts(lang: str) -> dict[str, str]:
    return {key: pair[lang == "en"] for key, pair in TEXTS.items()}


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "zh"


@bp.get("/plans")
@require("grids:read")
def plan_list():
    """The plans of the caller's communities; start one (planner, admin)."""
    lang = _lang()
    t = _texts(lang)
    choices = read(lambda conn: store.community_choices(conn, current_user.communities))
    cfg = current_app.config
    script = {"lang": lang, "texts": t, "canWrite": current_user.can("plans:write"),
              "band": [cfg["PLAN_HOUSEHOLDS_MIN"], cfg["PLAN_HOUSEHOLDS_MAX"]],
              "editor": url_for("planner.plan_editor", plan_id=0).rsplit("/", 1)[0]}
    return render_template("plans.html", t=t, lang=lang, choices=choices, script=script,
                           can_write=script["canWrite"], band=script["band"],
                           switch_url=request.path + ("?lang=en" if lang == "zh" else ""))


@bp.get("/plans/<int:plan_id>")
@require("grids:read")
def plan_editor(plan_id: int):
    """The full-screen map editor of one plan."""
    lang = _lang()
    t = _texts(lang)
    scope = current_user.communities

    def load(conn):
        plan = drafts.get(conn, plan_id, scope)
        ref = drafts.ref(conn, plan_id, scope)
        return plan, store.communities_extent(conn, frozenset({ref.community_id}))

    plan, bounds = read(load)
    cfg = current_app.config
    script = {"lang": lang, "texts": t, "plan": plan_id, "bounds": bounds,
              "canWrite": current_user.can("plans:write") and plan["status"] == "draft",
              "band": [cfg["PLAN_HOUSEHOLDS_MIN"], cfg["PLAN_HOUSEHOLDS_MAX"]],
              "tiles": cfg["BASEMAP_URL"], "attribution": cfg["BASEMAP_ATTRIBUTION"],
              "buildingsMax": cfg["BUILDINGS_LIMIT_MAX"],
              "listUrl": url_for("planner.plan_list") + ("?lang=en" if lang == "en" else "")}
    return render_template("plan_editor.html", t=t, lang=lang, plan=plan, script=script,
                           nonce=csp_nonce(),
                           switch_url=request.path + ("?lang=en" if lang == "zh" else ""))
