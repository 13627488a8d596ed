"""The ``/work`` page: for an account linked to a grid worker the app's shell; for any
other signed-in account a page saying what it is for.

The shell carries no data: tasks, grids, categories, notifications and patrols come from
the field API (``/api/v1/me/...``, ``/api/v1/patrols``), so the service worker
(``app.web.work.pwa``) can keep the page and serve it offline. Texts are the request's
language (``app.web.i18n``); the script gets them in its page config.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from app.security.auth import require
from app.web.i18n import N_, lang, texts
from app.web.incidents.words import WORKFLOW

bp = Blueprint("work", __name__)

RECORD_SECONDS = 30  # a patrol point at least this often while walking
RECORD_METERS = 20  # ... or as soon as the worker has moved this far
BATCH_POINTS = 10  # patrol points per queued upload (and at the patrol's end)
MAX_PHOTOS = 6
PHOTO_EDGE = 1600  # px, the longer side of a photo the phone sends
PHOTO_QUALITY = 0.8  # JPEG; lower, in steps, for a photo that would be above PHOTO_BYTES
PHOTO_BYTES = 400_000  # what one photo may weigh leaving the phone (issue 20)

# key → message (Chinese msgid, the key its context; English in app/translations); the
# workflow's statuses, actions and ratings are shared (app.web.incidents.words).
TEXTS: dict[str, str] = WORKFLOW | dict([
    N_("title", "网格员"), N_("tab_tasks", "任务"), N_("tab_patrol", "巡查"),
    N_("tab_messages", "消息"), N_("sign_out", "退出"),
    N_("offline", "离线"), N_("waiting", "{n} 项待同步"), N_("synced", "已全部同步"),
    N_("syncing", "正在同步…"), N_("signed_out", "登录已失效，请重新登录后同步。"),
    N_("sign_in", "重新登录"), N_("attention", "需要处理"),
    N_("attention_hint", "以下操作服务器未接受，不会自动重试："), N_("dismiss", "知道了"),
    N_("conflict", "事件已被他人更改：现为“{status}”"), N_("error", "出错了："),
    N_("network", "无法连接服务器。"),
    N_("tasks_empty", "暂无任务。"), N_("tasks_cached", "离线：显示上次同步的任务"),
    N_("overdue", "超期"), N_("due", "时限 {time}"), N_("distance", "{d} 米"),
    N_("distance_km", "{d} 公里"), N_("distance_label", "距离"),
    N_("assigned", "指派给我"), N_("in_my_grid", "我的网格"),
    N_("pending", "待同步"), N_("back", "返回"), N_("refresh", "刷新"),
    N_("category", "类别"), N_("description", "描述"), N_("address", "地址"),
    N_("grid", "网格"), N_("reported_at", "上报时间"), N_("due_at", "办结时限"),
    N_("response_due_at", "响应时限"), N_("status", "状态"), N_("history", "办理记录"),
    N_("reporter_phone", "反映人电话"), N_("open_map", "在地图应用中打开"),
    N_("open_amap", "高德地图"), N_("open_geo", "其他地图应用"), N_("photos", "照片"),
    N_("far", "距事件 {m} 米"), N_("no_task", "该任务已不在我的任务中。"),
    N_("map_offline", "离线：仅显示网格边界"),
    N_("photos_label", "现场照片（1–6 张）"),
    N_("photos_optional", "现场照片（可选，最多 6 张）"),
    N_("photos_required", "此类事件须上传至少 1 张照片。"),
    N_("photos_too_many", "最多 6 张照片。"), N_("photos_ready", "已选 {n} 张，共 {kb} KB"),
    N_("photo_bad", "无法读取照片，请换一张。"), N_("note", "说明"),
    N_("note_required", "此操作须填写说明。"), N_("send", "提交"), N_("cancel", "取消"),
    N_("queued", "已保存，将在联网后同步。"), N_("sent", "已提交。"),
    N_("no_fix", "无法获取位置，将不带位置提交。"),
    N_("patrol_idle", "未在巡查"), N_("patrol_start", "开始巡查"),
    N_("patrol_finish", "结束巡查"), N_("patrol_on", "巡查中，已记录 {n} 个点"),
    N_("patrol_since", "开始于 {time}"), N_("patrol_report", "上报问题"),
    N_("patrol_log", "今日巡查"), N_("patrol_log_empty", "今天还没有巡查记录。"),
    N_("patrol_row", "{from}–{to} · {km} 公里 · {problems} 个问题"),
    N_("patrol_grids", "走过网格："), N_("patrol_open", "进行中"),
    N_("geo_denied", "没有定位权限，无法记录巡查轨迹。请在浏览器设置中允许定位。"),
    N_("report_title", "上报巡查发现的问题"), N_("choose", "请选择"),
    N_("choose_category", "请选择问题类别。"),
    N_("description_placeholder", "简要描述问题，如：3号楼楼道堆放杂物"),
    N_("description_required", "请描述问题。"), N_("report_where", "位置：{where}"),
    N_("messages_empty", "暂无消息。"), N_("mark_all_read", "全部标为已读"),
    N_("open_task", "查看任务"),
    # A grid chief's verification (核查) of resolved work in their grids (issue 21).
    N_("to_verify", "待核查"), N_("verify_own", "这是你处置的工作，须由他人核查。"),
    N_("kind_action", "任务操作"), N_("kind_patrol_start", "开始巡查"),
    N_("kind_patrol_points", "巡查轨迹"), N_("kind_patrol_finish", "结束巡查"),
    N_("kind_report", "巡查上报"),
])
# What the page explains to a signed-in account that is not a grid worker.
ONLY_TEXTS: dict[str, str] = dict([
    N_("only_title", "网格员工作台"),
    N_("only_body", "此页面供网格员使用：账号须由管理员关联到一名网格员后才能看到任务、"
                    "上报问题和记录巡查。"),
    N_("only_console", "调度台"), N_("only_map", "网格地图"),
])


@bp.get("/work")
@require("grids:read")
def app_page():
    """The app's shell for a grid worker; a page saying what it is for to anyone else."""
    if current_user.grid_member_id is None:
        return render_template("work_only.html", t=texts(ONLY_TEXTS))
    t = texts(TEXTS)
    script = {"lang": lang(), "texts": t, "recordSeconds": RECORD_SECONDS,
              "recordMeters": RECORD_METERS, "batchPoints": BATCH_POINTS,
              "maxPhotos": MAX_PHOTOS, "photoEdge": PHOTO_EDGE,
              "photoQuality": PHOTO_QUALITY, "photoBytes": PHOTO_BYTES,
              "worker": current_user.grid_member_id,
              "sw": url_for("work.service_worker"), "scope": url_for("work.app_page")}
    return render_template("work.html", t=t, script=script)
