"""The planner's workbench: ``/plans`` (the list, start a plan) and ``/plans/<id>`` (the
map editor).

Both pages are shells: their scripts (``static/js/drafts.js``, ``static/js/plan_editor.js``)
read and write everything through the plans API (``/api/v1/drafts...``) with the session and
the page's CSRF token, sending the plan's ETag with every write. Every staff role that may
read grids sees the pages; the editing controls appear only for roles that may write plans
(planner, admin); the API enforces the same either way.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from app.plumbing.readdb import read
from app.security.auth import require
from app.security.headers import csp_nonce
from app.web.i18n import N_, lang, texts
from app.web.reasons import reason_table
from geo.places.store import reads as store
from geo.plans import drafts

bp = Blueprint("planner", __name__)

# key → message (Chinese msgid, the key its context; English in app/translations)
TEXTS: dict[str, str] = dict([
    N_("title", "网格调整方案"), N_("col_id", "编号"),
    N_("col_name", "方案名称"), N_("col_status", "状态"), N_("col_community", "社区"),
    N_("col_author", "创建人"), N_("col_changed", "最后修改"), N_("col_grids", "网格数"),
    N_("status_draft", "草案"), N_("status_published", "已发布"), N_("status_discarded", "已废弃"),
    N_("status_scheduled", "待生效"), N_("effective_on", "{date} 生效"),
    N_("cancel_schedule", "取消生效安排"), N_("cancel_schedule_confirm",
                                            "取消该方案的生效安排？方案将恢复为草案。"),
    N_("schedule_cancelled", "已取消生效安排，方案已恢复为草案。"),
    N_("source_current", "复制现行网格"), N_("source_file", "上传文件"),
    N_("source_auto", "自动生成草案"), N_("new_plan", "新建方案"), N_("name", "方案名称"),
    N_("name_default", "调整方案"), N_("community", "社区"), N_("plan_source", "来源"),
    N_("file", "文件（GeoJSON、GeoPackage 或压缩的 Shapefile）"), N_("code_field", "编码字段"),
    N_("auto_by", "按"), N_("auto_band", "每格户数范围"), N_("auto_grids", "网格个数"),
    N_("create", "创建"), N_("creating", "正在创建…"), N_("no_plans", "还没有方案。"),
    N_("read_only", "您的角色只能查看方案。"), N_("error", "出错了："),
    N_("field_error", "“{field}”：{reason}"),
    N_("network", "无法连接服务器。"), N_("signed_out", "登录已失效，请重新登录。"),
    N_("open", "打开"), N_("back", "全部方案"), N_("loading", "加载中…"),
    # the editor
    N_("balance", "户数平衡"), N_("grid", "网格"), N_("households", "户数"),
    N_("deviation", "偏差"), N_("compactness", "紧凑度"), N_("buildings", "楼栋"),
    # column heads of the side panel's tables (the full word is their title)
    N_("th_deviation", "偏差"), N_("th_compactness", "紧凑度"), N_("th_buildings", "楼栋"),
    N_("band", "标准 {min}–{max} 户"),
    N_("summary", "共 {grids} 个网格，{households} 户；极差率 {deviation}"),
    N_("paint_hint", "在表中选定网格，再点击楼栋（或框选）把楼栋划入该网格。"),
    N_("painting", "正在划入：{grid}"), N_("new_grid", "新增网格"), N_("box_select", "框选"),
    N_("lasso", "套索"), N_("lasso_hint", "按住鼠标圈出楼栋，松开后划入选定网格。"),
    N_("split", "切分"), N_("merge", "合并"), N_("vertices", "移动顶点"),
    N_("split_title", "用一条线把选定网格切成两个"), N_("merge_title", "把相邻网格并入选定网格"),
    N_("vertices_title", "拖动选定网格的顶点，相邻网格的同一顶点随之移动"),
    N_("pick_grid_first", "请先在表中或地图上选定一个网格。"),
    N_("split_hint", "在地图上画线穿过网格 {grid}：逐点单击，再次单击最后一点结束，Esc 取消。"),
    N_("split_done", "网格 {grid} 已切分，新网格 {added}。"),
    N_("merge_hint", "单击要并入网格 {grid} 的相邻网格，Esc 取消。"),
    N_("merge_same", "这是网格 {grid} 本身，请单击另一个相邻网格，Esc 取消。"),
    N_("merge_done", "网格 {removed} 已并入 {grid}。"),
    N_("vertex_hint", "拖动红圈顶点；共用该顶点的相邻网格随之移动。单击其他网格可编辑其顶点。"),
    # refused drawing edits (details.refusal of geo/planedit.py); English shows the server's text
    N_("refuse_not_crossing", "线没有完整穿过网格 {grid}，请从网格外画到网格外。"),
    N_("refuse_pieces", "这条线把网格 {grid} 切成了 {pieces} 块，请画一条只切成两块的线。"),
    N_("refuse_piece_small", "切出的一块只有 {piece_m2} 平方米，小于 {min_m2} 平方米。"),
    N_("refuse_not_adjacent", "网格 {grid} 与 {other} 不相邻，只能合并相邻网格。"),
    N_("refuse_no_vertex", "该位置没有网格顶点。"),
    N_("refuse_invalid", "移动后网格 {grid} 的边界会自相交，未作修改。"),
    N_("refuse_overlap", "移动后网格 {grid} 与 {other} 会重叠 {m2} 平方米，未作修改。"),
    N_("vertex_done", "顶点已移动（{n} 个网格：{grids}）。"), N_("undo", "撤销"),
    N_("redo", "重做"), N_("saving", "正在保存…"), N_("saved", "已保存（版本 {version}）"),
    N_("moved", "{n} 栋楼划入 {grid}"),
    # after undo/redo: what the step was
    N_("undone", "已撤销：{what}（版本 {version}）"),
    N_("redone", "已重做：{what}（版本 {version}）"), N_("step_paint", "{n} 栋楼划入网格 {grid}"),
    N_("step_split", "切分网格 {grid}（新网格 {added}）"),
    N_("step_merge", "网格 {removed} 并入 {grid}"), N_("step_vertex", "移动顶点（网格 {grids}）"),
    N_("list_sep", "、"), N_("nothing_to_move", "所选楼栋已在该网格。"), N_("findings", "检查结果"),
    N_("no_findings", "没有问题。"), N_("sev_error", "错误"), N_("sev_warning", "警告"),
    N_("impact", "影响"), N_("publish", "发布"), N_("impact_title", "调整影响（现行 → 方案）"),
    N_("gstatus_added", "新增"), N_("gstatus_removed", "撤销"), N_("gstatus_redrawn", "调整"),
    N_("gstatus_renamed", "改名"), N_("gstatus_unchanged", "不变"),
    N_("buildings_moved", "变更网格的楼栋：{n} 栋"),
    N_("incidents_moved", "改派的未办结事件：{n} 件"), N_("before", "调整前"),
    N_("after", "调整后"), N_("publish_confirm", "确认发布"), N_("cancel", "取消"),
    N_("close", "关闭"), N_("publish_title", "发布方案？发布后立即成为现行网格。"),
    N_("published",
       "已发布：{changed} 个网格生效，{buildings} 栋楼重新归属，{incidents} 件事件改派。"),
    N_("publish_refused", "未发布：检查发现以下错误。"),
    N_("stale", "保存未执行：该方案已被 {actor} 于 {at} 修改（{action}，现为版本 {version}）。"),
    N_("stale_unknown", "保存未执行：该方案已被他人修改（现为版本 {version}）。"),
    N_("reload", "重新加载"), N_("not_draft", "该方案不是草案，不能编辑。"),
    N_("layer_grids", "方案网格"), N_("layer_buildings", "楼栋"), N_("layer_findings", "检查问题"),
    N_("truncated", "楼栋过多，仅显示 {n} 栋。"), N_("worker", "网格员"), N_("none", "—"),
    # finding kinds (geo/plancheck.py): Chinese lines are built from kind, codes and size;
    # English shows the engine's own message.
    N_("kind_overlap", "网格重叠"), N_("kind_gap", "未划入网格的空隙"),
    N_("kind_outside", "超出社区边界"), N_("kind_sliver", "细小碎片"),
    N_("kind_multipart", "网格不连续"), N_("kind_building_unassigned", "楼栋未划入网格"),
    N_("kind_building_split", "楼栋跨网格"), N_("kind_households", "户数超出标准"),
    N_("kind_households_below", "户数低于标准"), N_("kind_households_above", "户数超出标准"),
    N_("kind_no_worker", "网格没有网格员"),
    # publishing grids without a worker
    N_("unstaffed", "以下 {n} 个网格没有网格员，发布后这些网格的居民将看到“暂无在岗网格员”："),
    N_("unstaffed_ok", "我已知晓，仍然发布"), N_("assign_workers", "在人员管理中安排网格员"),
    N_("ask_admin_workers", "发布后请管理员在人员管理中为这些网格安排网格员。"),
    N_("published_unstaffed", "没有网格员的网格：{grids}。"),
    N_("target_kept", "仍划入网格 {grid}。要改划入网格 {other}，请在表中点击该网格。"),
    N_("kind_compactness", "形状不够紧凑"), N_("kind_code_missing", "缺少网格编码"),
    N_("kind_code_duplicate", "网格编码重复"), N_("kind_code_pattern", "网格编码不合规则"),
    N_("kind_empty", "方案没有网格"), N_("unit_m2", "平方米"), N_("unit_households", "户"),
    N_("unit_share", "占比"), N_("unit_grids", "个网格"), ("unit_ratio", ""),
    N_("action_plan.rename", "重命名"), N_("action_plan.grids.replace", "替换网格"),
    N_("action_plan.grids.patch", "修改网格"), N_("action_plan.assignments.patch", "划转楼栋"),
    N_("action_plan.assignments.replace", "替换楼栋归属"), N_("action_plan.derive", "重新生成网格"),
    N_("action_plan.grids.split", "切分网格"), N_("action_plan.grids.merge", "合并网格"),
    N_("action_plan.grids.move_vertex", "移动顶点"), N_("action_plan.create", "创建"),
    N_("action_plan.publish", "发布"),
])


@bp.get("/plans")
@require("grids:read")
def plan_list():
    """The plans of the caller's communities; start one (planner, admin)."""
    t = texts(TEXTS)
    choices = read(lambda conn: store.community_choices(conn, current_user.communities))
    cfg = current_app.config
    script = {"lang": lang(), "texts": t, "canWrite": current_user.can("plans:write"),
              "band": [cfg["PLAN_HOUSEHOLDS_MIN"], cfg["PLAN_HOUSEHOLDS_MAX"]],
              "editor": url_for("planner.plan_editor", plan_id=0).rsplit("/", 1)[0],
              "reasons": reason_table()}
    return render_template("plans.html", t=t, choices=choices, script=script,
                           can_write=script["canWrite"], band=script["band"])


@bp.get("/plans/<int:plan_id>")
@require("grids:read")
def plan_editor(plan_id: int):
    """The full-screen map editor of one plan."""
    t = texts(TEXTS)
    scope = current_user.communities

    def load(conn):
        plan = drafts.get(conn, plan_id, scope)
        ref = drafts.ref(conn, plan_id, scope)
        return plan, store.communities_extent(conn, frozenset({ref.community_id}))

    plan, bounds = read(load)
    cfg = current_app.config
    script = {"lang": lang(), "texts": t, "plan": plan_id, "bounds": bounds,
              "canWrite": current_user.can("plans:write") and plan["status"] == "draft",
              "band": [cfg["PLAN_HOUSEHOLDS_MIN"], cfg["PLAN_HOUSEHOLDS_MAX"]],
              "buildingsMax": cfg["BUILDINGS_LIMIT_MAX"],
              "listUrl": url_for("planner.plan_list") + ("?lang=en" if lang() == "en" else ""),
              "peopleUrl": url_for("people.workers") if current_user.can("people:manage")
              else None}
    return render_template("plan_editor.html", t=t, plan=plan, script=script,
                           nonce=csp_nonce())
