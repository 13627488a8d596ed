"""The dispatcher console (``/dispatch``): queue, map, locate, intake and one incident.

The page is a shell: its script (``static/js/dispatch.js``) reads every list, point and
boundary from the JSON API as the dispatcher works, so the first load stays small however
many incidents there are. The server only sends what the shell needs to start: the
interface texts in one language, the categories, the caller's communities and their
extent for the map's first view.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from app.api.incidents import worktables
from app.plumbing.readdb import read
from app.security.auth import require
from app.security.headers import csp_nonce
from geo.places.store import reads as store

bp = Blueprint("dispatch", __name__)

GRID_ZOOM = 14  # grid boundaries are fetched for the view from this zoom level on
PAGE_SIZE = 50  # queue rows per page
POINT_LIMIT = 2000  # incident points per view (the API's default; it says when truncated)

# key → (中文, English). Statuses, actions, roles and sources use the API's codes as keys.
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("调度台", "Dispatch console"),
    "counts_open": ("未办结", "Open"), "counts_overdue": ("超期", "Overdue"),
    "shortcut": ("跳到定位框", "jumps to the locate box"),
    "locate": ("定位", "Locate"),
    "locate_label": ("地址、楼栋编码或坐标", "Address, building code or coordinates"),
    "locate_placeholder": ("如 景山东街12号院1号楼 或 116.391,39.901",
                           "e.g. 景山东街12号院1号楼 or 116.391,39.901"),
    "locate_hint": ("坐标按“经度,纬度”，可在地图上点击选点。",
                    "Coordinates as “lon,lat”; or click the map."),
    "crs": ("坐标系", "CRS"),
    "crs_wgs84": ("WGS-84（GPS）", "WGS-84 (GPS)"), "crs_cgcs2000": ("CGCS2000（天地图）",
                                                                 "CGCS2000 (Tianditu)"),
    "crs_gcj02": ("GCJ-02（高德/腾讯）", "GCJ-02 (Amap/Tencent)"),
    "crs_bd09": ("BD-09（百度）", "BD-09 (Baidu)"),
    "searching": ("正在查找…", "Searching…"),
    "no_match": ("没有找到匹配的楼栋或地址。", "No building or address matches."),
    "choose_result": ("找到多个结果，请选择：", "Several matches; choose one:"),
    "outside": ("该点不在任何社区或网格内。", "This point is outside every community and grid."),
    "no_grid": ("该点在社区内，但不在任何网格中。", "Inside a community but in no grid."),
    "snapped": ("不在网格内，已就近归入（{m} 米）", "In no grid; snapped to the nearest ({m} m)"),
    "grid": ("网格", "Grid"), "community": ("社区", "Community"),
    "workers": ("网格员", "Grid workers"), "no_workers": ("无在岗网格员", "No active workers"),
    "office": ("办公地址", "Office"),
    "point": ("位置", "Point"),
    "create": ("新建事件", "New incident"),
    "create_hint": ("先定位事件地点（搜索或点击地图）。",
                    "Locate the incident first (search or click the map)."),
    "category": ("类别", "Category"), "description": ("描述", "Description"),
    "priority": ("优先级", "Priority"), "source": ("来源", "Source"),
    "reporter_name": ("反映人", "Reporter"), "reporter_phone": ("联系电话", "Phone"),
    "address": ("地址", "Address"), "external_id": ("工单号", "Ticket no."),
    "submit_create": ("创建事件", "Create incident"),
    "created": ("已创建事件 #{id}", "Incident #{id} created"),
    "priority_1": ("紧急", "Urgent"), "priority_2": ("一般", "Normal"),
    "priority_3": ("较缓", "Low"),
    "source_hotline": ("12345 热线", "12345 hotline"), "source_patrol": ("网格巡查", "Patrol"),
    "source_resident": ("居民反映", "Resident"), "source_other": ("其他", "Other"),
    "queue": ("事件队列", "Queue"), "status": ("状态", "Status"),
    "status_open": ("全部未办结", "All open"), "status_any": ("全部状态", "Any status"),
    "only_overdue": ("仅超期", "Overdue only"), "in_view": ("仅地图范围", "In map view"),
    "any_community": ("全部社区", "All communities"), "any_category": ("全部类别",
                                                                   "All categories"),
    "assignee": ("承办人", "Assignee"), "any_assignee": ("全部承办人", "Anyone"),
    "unassigned": ("未指派", "Unassigned"),
    "refresh": ("刷新", "Refresh"), "prev": ("上一页", "Previous"), "next": ("下一页", "Next"),
    "col_id": ("编号", "No."), "col_location": ("位置", "Location"),
    "col_due": ("时限", "Deadline"), "due_response": ("响应", "respond"),
    "due_resolve": ("办结", "resolve"),
    "queue_total": ("共 {total} 件，超期 {overdue} 件", "Total {total} · overdue {overdue}"),
    "queue_range": ("第 {from}–{to} 件", "{from}–{to}"),
    "queue_empty": ("没有符合条件的事件。", "No incidents match."),
    "loading": ("加载中…", "Loading…"),
    "overdue": ("超期", "Overdue"),
    "panel": ("事件详情", "Incident"),
    "panel_empty": ("在队列或地图上选择一个事件。",
                    "Choose an incident in the queue or on the map."),
    "reported_at": ("上报时间", "Reported"), "response_due_at": ("响应时限", "Respond by"),
    "due_at": ("办结时限", "Resolve by"), "closed_at": ("结案时间", "Closed"),
    "routed_to": ("分派方式", "Routed to"), "history": ("办理记录", "History"),
    "actions": ("操作", "Actions"), "note": ("说明", "Note"),
    "note_placeholder": ("说明（不予受理、回退、重办、合并须填写）",
                         "Note (needed to reject, return, reopen or merge)"),
    "note_required": ("此操作须填写说明。", "This action needs a note."),
    "move_grid": ("改派到网格（编码）", "Move to grid (code)"),
    "merge_into": ("合并到事件（编号）", "Merge into incident (no.)"),
    "boundary": ("靠近网格 {grid}（{m} 米），可能需要改派。",
                 "Near grid {grid} ({m} m); it may belong there."),
    "duplicate": ("可能与事件 #{id} 重复。", "May duplicate incident #{id}."),
    "merged": ("已合并到事件 #{id}。", "Merged into incident #{id}."),
    "open_incident": ("打开", "Open"),
    "done": ("已完成：{action}", "Done: {action}"),
    "conflict": ("操作未执行：事件状态已被他人更改（现为“{status}”）。已刷新可用操作。",
                 "Not done: someone changed this incident meanwhile (now “{status}”). "
                 "The actions shown are up to date."),
    "error": ("出错了：", "Error: "),
    "signed_out": ("登录已失效，请重新登录。", "Your session has ended; sign in again."),
    "network": ("无法连接服务器。", "Cannot reach the server."),
    "zoom_hint": ("放大到 {zoom} 级以上显示网格边界",
                  "Zoom in to level {zoom} to see grid boundaries"),
    "truncated": ("仅显示最紧急的 {n} 个事件点，请放大查看。",
                  "Showing the {n} most urgent incidents; zoom in for the rest."),
    "layer_grids": ("网格边界", "Grid boundaries"), "layer_incidents": ("未办结事件",
                                                                    "Open incidents"),
    "lang_switch": ("English", "中文"),
    "unknown": ("—", "—"),
    "reported": ("待受理", "Reported"), "accepted": ("已立案", "Accepted"),
    "dispatched": ("已派遣", "Dispatched"), "in_progress": ("处置中", "In progress"),
    "resolved": ("已反馈待核查", "Resolved"), "closed": ("已结案", "Closed"),
    "rejected": ("不予受理", "Rejected"), "returned": ("已回退", "Returned"),
    "reopened": ("重新办理", "Reopened"),
    "act_accept": ("立案", "Accept"), "act_reject": ("不予受理", "Reject"),
    "act_dispatch": ("派遣", "Dispatch"), "act_start": ("开始处置", "Start"),
    "act_resolve": ("处置反馈", "Resolve"), "act_return": ("回退", "Return"),
    "act_close": ("核查结案", "Close"), "act_reopen": ("核查不通过", "Reopen"),
    "act_move": ("改派网格", "Move"), "act_merge": ("合并", "Merge"),
    "act_note": ("添加备注", "Add note"), "act_report": ("上报", "Reported"),
    "act_merged_in": ("合并入", "Merged in"),
    "role_grid_chief": ("网格长", "Grid chief"), "role_full_time": ("专职网格员", "Full-time"),
    "role_part_time": ("兼职网格员", "Part-time"), "role_building_head": ("楼栋长",
                                                                      "Building head"),
    "route_full_time": ("专职网格员", "Full-time worker"),
    "route_grid_chief": ("网格长", "Grid chief"),
    "route_community_office": ("社区办公室", "Community office"),
    "route_unassigned": ("待指派", "Unassigned"), "route_manual": ("人工指派", "Chosen by hand"),
}
CRS_CHOICES = ("wgs84", "cgcs2000", "gcj02", "bd09")


@bp.get("/dispatch")
@require("incidents:write")
def console():
    """The console page in Chinese, or English with ``?lang=en``."""
    from app.maps.dispatch_map import build_dispatch_map
    from app.maps.render import render

    lang = "en" if request.args.get("lang") == "en" else "zh"
    t = {key: pair[lang == "en"] for key, pair in TEXTS.items()}
    scope = current_user.communities
    choices, bounds, categories = read(lambda conn: (
        store.community_choices(conn, scope), store.communities_extent(conn, scope),
        worktables.categories(conn)))
    # Category codes are Chinese words; English shows name_en (every category, retired
    # ones included, since old incidents carry them; only active ones are offered).
    labels = {c["code"]: (c["name_en"] or c["code"]) if lang == "en" else c["code"]
              for c in categories}
    offered = [c["code"] for c in categories if c["active"]]
    cfg = current_app.config
    m = build_dispatch_map(bounds, tiles=cfg["BASEMAP_URL"],
                           attribution=cfg["BASEMAP_ATTRIBUTION"],
                           names={"grids": t["layer_grids"], "incidents": t["layer_incidents"]})
    parts = render(m, csp_nonce(), lambda path: url_for("static", filename=path))
    script = {"lang": lang, "texts": t, "gridZoom": GRID_ZOOM, "pageSize": PAGE_SIZE,
              "pointLimit": POINT_LIMIT, "categories": labels}
    return render_template("dispatch.html", map=parts, t=t, lang=lang, choices=choices,
                           offered=offered, labels=labels, crs_choices=CRS_CHOICES,
                           script=script)
