"""The dispatcher console (``/dispatch``): queue, map, locate, intake and one incident.

The page is a shell: its script (``static/js/dispatch.js``) reads every list, point and
boundary from the JSON API as the dispatcher works, so the first load stays small however
many incidents there are. The server only sends what the shell needs to start: the
interface texts in one language, the categories, the caller's communities and their
extent for the map's first view.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from app.api.incidents import worktables
from app.plumbing.readdb import read
from app.security.auth import require
from app.security.headers import csp_nonce
from app.web.i18n import N_, lang, texts
from app.web.incidents.words import WORKFLOW
from app.web.roles import role_texts
from geo.places.store import reads as store

bp = Blueprint("dispatch", __name__)

GRID_ZOOM = 14  # grid boundaries are fetched for the view from this zoom level on
PAGE_SIZE = 50  # queue rows per page
POINT_LIMIT = 2000  # incident points per view (the API's default; it says when truncated)

# key → message (Chinese msgid, the key its context; English in app/translations).
# Statuses, actions, roles and sources use the API's codes as keys; the workflow's statuses,
# actions and ratings are shared (app.web.incidents.words).
TEXTS: dict[str, str] = WORKFLOW | dict([
    N_("title", "调度台"), N_("counts_open", "未办结"), N_("counts_overdue", "超期"),
    N_("shortcut", "跳到定位框"), N_("locate", "定位"), N_("locate_label", "地址、楼栋编码或坐标"),
    N_("locate_placeholder", "如 景山东街12号院1号楼 或 116.391,39.901"),
    N_("locate_hint", "坐标按“经度,纬度”，可在地图上点击选点。"), N_("crs", "坐标系"),
    N_("crs_wgs84", "WGS-84（GPS）"), N_("crs_cgcs2000", "CGCS2000（天地图）"),
    N_("crs_gcj02", "GCJ-02（高德/腾讯）"), N_("crs_bd09", "BD-09（百度）"),
    N_("searching", "正在查找…"), N_("no_match", "没有找到匹配的楼栋或地址。"),
    N_("choose_result", "找到多个结果，请选择："), N_("outside", "该点不在任何社区或网格内。"),
    N_("no_grid", "该点在社区内，但不在任何网格中。"),
    N_("snapped", "不在网格内，已就近归入（{m} 米）"), N_("grid", "网格"), N_("community", "社区"),
    N_("workers", "网格员"), N_("no_workers", "无在岗网格员"), N_("office", "办公地址"),
    N_("point", "位置"), N_("create", "新建事件"),
    N_("create_hint", "先定位事件地点（搜索或点击地图）。"), N_("category", "类别"),
    N_("description", "描述"), N_("priority", "优先级"), N_("source", "来源"),
    N_("reporter_name", "反映人"), N_("reporter_phone", "联系电话"), N_("address", "地址"),
    N_("external_id", "工单号"), N_("submit_create", "创建事件"), N_("created", "已创建事件 #{id}"),
    N_("priority_1", "紧急"), N_("priority_2", "一般"), N_("priority_3", "较缓"),
    N_("source_hotline", "12345 热线"), N_("source_patrol", "网格巡查"),
    N_("source_resident", "居民反映"), N_("source_other", "其他"), N_("queue", "事件队列"),
    N_("status", "状态"), N_("status_open", "全部未办结"), N_("status_any", "全部状态"),
    N_("only_overdue", "仅超期"), N_("in_view", "仅地图范围"), N_("any_community", "全部社区"),
    N_("any_category", "全部类别"), N_("assignee", "承办人"), N_("any_assignee", "全部承办人"),
    N_("unassigned", "未指派"), N_("refresh", "刷新"), N_("search", "搜索事件"),
    N_("search_placeholder", "编号、工单号、电话或描述"), N_("caller_others", "同号来电"),
    N_("prev", "上一页"), N_("next", "下一页"),
    N_("col_id", "编号"), N_("col_location", "位置"), N_("col_due", "时限"),
    N_("due_response", "响应"), N_("due_resolve", "办结"),
    N_("queue_total", "共 {total} 件，超期 {overdue} 件"), N_("queue_range", "第 {from}–{to} 件"),
    N_("queue_total_capped", "{total}+ 件：只在最新的 {total} 件中排列，其中超期 {overdue} 件；"
                             "可加时间或状态缩小范围"),
    N_("queue_empty", "没有符合条件的事件。"), N_("loading", "加载中…"), N_("overdue", "超期"),
    N_("panel", "事件详情"), N_("panel_empty", "在队列或地图上选择一个事件。"),
    N_("reported_at", "上报时间"), N_("response_due_at", "响应时限"), N_("due_at", "办结时限"),
    N_("closed_at", "结案时间"), N_("routed_to", "分派方式"), N_("history", "办理记录"),
    N_("fix_near", "定位距事件 {m} 米"), N_("fix_far", "定位距事件 {m} 米：偏远"),
    N_("evidence_photo", "现场照片 {n}"),
    N_("actions", "操作"), N_("note", "说明"),
    N_("note_placeholder", "说明（不予受理、回退、重办、合并须填写）"),
    N_("note_required", "此操作须填写说明。"), N_("move_grid", "改派到网格（编码）"),
    N_("merge_into", "合并到事件（编号）"),
    N_("boundary", "靠近网格 {grid}（{m} 米），可能需要改派。"),
    N_("duplicate", "可能与事件 #{id} 重复。"), N_("merged", "已合并到事件 #{id}。"),
    N_("open_incident", "打开"), N_("done", "已完成：{action}"),
    N_("conflict", "操作未执行：事件状态已被他人更改（现为“{status}”）。已刷新可用操作。"),
    N_("error", "出错了："), N_("signed_out", "登录已失效，请重新登录。"),
    N_("network", "无法连接服务器。"), N_("zoom_hint", "放大到 {zoom} 级以上显示网格边界"),
    N_("truncated", "仅显示最紧急的 {n} 个事件点，请放大查看。"), N_("layer_grids", "网格边界"),
    N_("layer_incidents", "未办结事件"), N_("unknown", "—"),
    N_("route_full_time", "专职网格员"),
    N_("route_grid_chief", "网格长"), N_("route_community_office", "社区办公室"),
    N_("route_unassigned", "待指派"), N_("route_manual", "人工指派"),
    # Verification (核查) and call-back (回访), issue 21.
    N_("callback", "回访"), N_("no_rating", "尚无回访评价。"), N_("callback_due", "待回访"),
    N_("callback_due_hint", "近期结案、尚无回访评价的事件，可在详情中记录电话回访"),
    N_("channel_resident", "居民评价"), N_("channel_phone", "电话回访"),
    N_("rating_reopened", "已重新办理"), N_("choose_rating", "选择评价"),
    N_("callback_comment", "回访意见（可选）"), N_("record_callback", "记录电话回访"),
    N_("route_substitute", "代班"),
    N_("assign_to", "承办人"), N_("pick_worker", "选择网格员"), N_("keep_routed", "按分派规则"),
    N_("in_grid", "本网格"), N_("in_community", "本社区其他网格员"), N_("current", "当前"),
    N_("duty_on_duty", "在岗"), N_("duty_off_hours", "非工作时间"), N_("duty_on_leave", "休假"),
    N_("substitute", "代班：{name}"), N_("open_work", "在办 {n} 件"),
    N_("no_candidates", "本社区没有在册网格员。"), N_("select_row", "选择事件 #{id}"),
    N_("select_all", "选择本页全部事件"), N_("bulk_action", "批量操作"), N_("bulk_to", "给"),
    N_("bulk_go", "批量执行"), N_("bulk_clear", "取消选择"), N_("bulk_count", "已选 {n} 件"),
    N_("bulk_done", "完成 {done} 件，未执行 {failed} 件"), N_("bulk_ok", "#{id} 已完成"),
    N_("bulk_failed", "#{id} 未执行：{message}"),
    N_("bulk_conflict", "#{id} 未执行：事件现为“{status}”，不能执行此操作"),
    N_("pick_worker_first", "请先选择网格员。"),
    N_("set_priority", "优先级改为"), N_("pick_community", "选择社区后可按网格员筛选"),
    N_("community_workers", "本社区网格员"), N_("near_building", "最近楼栋（{m} 米）"),
    N_("resident_report", "居民反映"), N_("report_photo", "居民上传的照片"),
    N_("public_note", "答复（居民可见）"), N_("public_note_save", "发布答复"),
    N_("public_note_placeholder", "居民在查询页看到的答复，最多 500 字"),
    N_("public_note_at", "已发布于"), N_("public_note_none", "尚未答复"),
    N_("public_note_saved", "答复已发布。"),
    N_("route_overlay", "责任区单位"), N_("routing_why", "分派依据"),
    N_("routed_by_overlay", "按责任区“{overlay}”派给 {unit}（{category}：{rule}）"),
    N_("precedence_owner", "部件先属主"), N_("precedence_place", "事件先属地"),
    # Escalation, 督办 and 延期 (issue 21).
    N_("route_department", "职能部门"),
    N_("route_street_office", "街道办事处"),
    N_("department", "承办部门"), N_("escalate_to", "上报到"), N_("to_community", "社区"),
    N_("to_street", "街道"), N_("to_department", "职能部门"),
    N_("department_id", "部门编号（可空）"), N_("transfer_to", "转办到部门（编号）"),
    N_("extend_to", "延期至"), N_("supervised", "已督办 {n} 次"),
    N_("extension_pending", "延期申请待审批：延至 {due}（{by}：{reason}）"),
])
CRS_CHOICES = ("wgs84", "cgcs2000", "gcj02", "bd09")


@bp.get("/dispatch")
@require("incidents:write")
def console():
    """The console page in the request's language (``app.web.i18n``)."""
    from app.maps.dispatch_map import build_dispatch_map
    from app.maps.render import render

    t = {**texts(TEXTS), **role_texts()}
    scope = current_user.communities
    choices, bounds, categories = read(lambda conn: (
        store.community_choices(conn, scope), store.communities_extent(conn, scope),
        worktables.categories(conn)))
    # Category codes are Chinese words; English shows name_en (every category, retired
    # ones included, since old incidents carry them; only active ones are offered).
    labels = {c["code"]: (c["name_en"] or c["code"]) if lang() == "en" else c["code"]
              for c in categories}
    offered = [c["code"] for c in categories if c["active"]]
    m = build_dispatch_map(bounds, names={"grids": t["layer_grids"],
                                          "incidents": t["layer_incidents"]})
    parts = render(m, csp_nonce(), lambda path: url_for("static", filename=path))
    script = {"lang": lang(), "texts": t, "gridZoom": GRID_ZOOM, "pageSize": PAGE_SIZE,
              "pointLimit": POINT_LIMIT, "categories": labels}
    return render_template("dispatch.html", map=parts, t=t, choices=choices,
                           offered=offered, labels=labels, crs_choices=CRS_CHOICES,
                           script=script)
