"""The residents' public map (``/map``): find your grid and grid worker, report a problem.

Phone first and light: no Bootstrap, no data in the page. The page's script
(``static/js/public_map.js``) reads outlines of what is in view
(``/api/v1/outlines/...``), suggestions (``/api/v1/geocode``), the place
(``/api/v1/lookup``) and the report routes as the resident works. ``/map/b/<code>`` is
where a building's QR code points: the same page, opened on that building.
"""

from __future__ import annotations

import dataclasses
import re

from flask import Blueprint, current_app, render_template, request, url_for
from markupsafe import Markup

from app.api.incidents import worktables
from app.plumbing.readdb import read
from app.security.headers import csp_nonce
from app.security.limits import public
from app.web.i18n import N_, lang, texts
from app.web.incidents.words import RATINGS
from app.web.roles import role_texts
from geo.core.errors import NotFound
from geo.incidents import reports
from geo.places import geocode
from geo.places.store import reads as store

bp = Blueprint("public_map", __name__)

GRID_ZOOM = 14  # grid outlines from this zoom on; community outlines below it
COMMUNITY_ZOOM = 9  # nothing is drawn further out than this
_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')

# key → message (Chinese msgid, the key its context; English in app/translations)
TEXTS: dict[str, str] = RATINGS | dict([
    N_("title", "找网格员"), N_("sep", "："),
    N_("search_label", "地址、小区或楼栋"), N_("search_placeholder", "输入地址、小区或楼栋名称"),
    N_("suggestions", "搜索建议"),
    N_("no_match", "没有找到匹配的地址，请换个说法，或在地图上点击。"), N_("locate_me", "定位我"),
    N_("locating", "正在获取您的位置…"),
    N_("geo_denied", "您拒绝了位置权限。请在浏览器设置中允许定位，或改用搜索、点击地图。"),
    N_("geo_unavailable", "无法获取位置（设备未开启定位或信号不好）。请改用搜索或点击地图。"),
    N_("geo_timeout", "获取位置超时，请重试，或改用搜索、点击地图。"),
    N_("geo_unsupported", "此浏览器或连接不支持定位（需要 HTTPS）。请改用搜索或点击地图。"),
    N_("intro", "搜索地址、点“定位我”或直接点击地图，查看所在网格和网格员。"),
    N_("looking_up", "正在查询…"), N_("outside", "该位置不在本市网格服务范围内。"),
    N_("no_grid", "该位置在社区内，但未划入网格，请联系社区。"),
    N_("snapped", "附近网格（{m} 米外）"), N_("community", "社区"), N_("street", "街道"),
    N_("grid", "网格"), N_("workers", "网格员"), N_("no_workers", "暂无在岗网格员，请联系社区。"),
    N_("office", "社区办公地址"), N_("hours", "服务时间"), N_("call", "拨打"),
    N_("relay", "经转接拨打"), N_("masked", "号码已隐藏"),
    N_("no_phone", "暂无公开电话，请到社区办公地址咨询。"), N_("report", "反映问题"),
    N_("report_here", "在此位置反映问题"),
    N_("report_need_place", "请先选定位置：搜索、定位或点击地图。"), N_("report_where", "位置"),
    N_("category", "问题类别"), N_("description", "问题描述"),
    N_("description_placeholder", "简要描述问题，如：3号楼楼道堆放杂物"),
    N_("photo", "照片（可选）"),
    N_("photo_hint", "JPG、PNG 或 WebP，不超过 {mb} MB；位置等隐藏信息会被去除。"),
    N_("photo_too_big", "照片太大（不超过 {mb} MB）。"), N_("contact_name", "称呼（可选）"),
    N_("contact_phone", "联系电话（可选）"),
    N_("contact_hint", "仅工作人员可见，用于回访，不会公开。"), N_("honeypot", "请勿填写"),
    N_("submit", "提交"), N_("cancel", "取消"), N_("sending", "正在提交…"),
    N_("sent", "已收到您反映的问题。"), N_("reference", "查询编号"),
    N_("keep_reference", "请保存此编号，可凭它查询办理进度。"), N_("status", "查询办理进度"),
    N_("status_label", "查询编号"), N_("status_placeholder", "如 K7QM-3XPA"),
    N_("status_go", "查询"), N_("status_none", "没有这个编号的反映记录。"),
    N_("state_open", "办理中"), N_("state_closed", "已办结"), N_("reported_at", "反映时间"),
    N_("closed_at", "办结时间"), N_("public_note", "答复"), N_("no_note", "暂无答复。"),
    N_("error", "出错了："), N_("network", "网络连接失败，请稍后再试。"),
    N_("too_many", "提交过于频繁，请稍后再试。"), N_("error_generic", "出错了，请稍后再试。"),
    N_("err_description", "请用几句话描述问题（不超过 500 字）。"),
    N_("err_form", "提交得太快或表单已过期：请稍等几秒再提交，或关闭后重新打开表单。"),
    N_("err_reference", "查询编号是 8 位字母和数字，如 K7QM-3XPA。"),
    N_("err_photo", "照片无法读取或太大，请换一张 JPG、PNG 或 WebP 照片。"),
    N_("choose", "请选择"), N_("choose_category", "请选择问题类别。"),
    N_("zoom_hint", "放大地图查看网格边界"),
    N_("layer_grids", "网格"), N_("layer_communities", "社区"),
    # The report's progress, the "is it fixed?" confirmation and the call-back (回访).
    N_("progress", "办理过程"), N_("reply", "工作人员答复"),
    N_("st_reported", "已收到反映"), N_("st_accepted", "已受理"),
    N_("st_dispatched", "已派人处理"), N_("st_in_progress", "正在处理"),
    N_("st_resolved", "已处理，待核查"), N_("st_returned", "重新安排中"),
    N_("st_reopened", "重新办理"), N_("st_closed", "已办结"), N_("st_rejected", "不予受理"),
    N_("confirm_q", "问题解决了吗？"), N_("confirm_comment", "还有什么问题（选“未解决”时必填）"),
    N_("fixed", "已解决"), N_("not_fixed", "未解决"),
    N_("rate_q", "您对办理结果满意吗？"),
    N_("rate_comment", "意见建议（可选）"), N_("rate_send", "提交评价"),
    N_("rate_choose", "请选择满意、基本满意或不满意。"), N_("rated", "您的评价：{rating}。谢谢！"),
    N_("thanks", "已提交，谢谢！"), N_("err_comment", "请简要说明还有什么问题（不超过 500 字）。"),
])


@bp.get("/map")
@public
def map_page():
    """The public map in the request's language (``app.web.i18n``)."""
    return _page(None)


@bp.get("/map/b/<code>")
@public
def building_page(code: str):
    """The public map opened on one building (what its QR code points to)."""
    if not (code.isdigit() and len(code) == 19):
        raise NotFound("a building code has 19 digits")
    found = read(lambda conn: geocode.search(conn, code, 1))
    if not found or found[0]["code"] != code:
        raise NotFound(f"no building with code {code}")
    b = found[0]
    return _page({"code": b["code"], "lon": b["lon"], "lat": b["lat"],
                  "label": " ".join(x for x in (b["address"], b["name"]) if x) or code})


def _page(start: dict | None):
    from app.maps.public_map import build_public_map
    from app.maps.render import render

    t = {**texts(TEXTS), **role_texts()}
    bounds, categories = read(lambda conn: (store.communities_extent(conn, None),
                                            worktables.categories(conn, public_only=True)))
    labels = {c["code"]: (c["name_en"] or c["code"]) if lang() == "en" else c["code"]
              for c in categories}
    cfg = current_app.config
    m = build_public_map(bounds, start)
    parts = render(m, csp_nonce(), lambda path: url_for("static", filename=path))
    # Folium's viewport forbids zooming the page, which people with poor sight need.
    parts = dataclasses.replace(parts, header=Markup(_VIEWPORT.sub("", parts.header)))
    script = {"lang": lang(), "texts": t, "gridZoom": GRID_ZOOM,
              "communityZoom": COMMUNITY_ZOOM, "categories": labels, "start": start,
              "relay": cfg["PUBLIC_CALL_RELAY"], "photoMaxBytes": cfg["PHOTO_MAX_BYTES"],
              "descriptionMax": reports.DESCRIPTION_MAX}
    # A signed-in visitor's session cookie makes the report POST need a CSRF token; an
    # anonymous one gets none (and no session cookie is made for them).
    with_csrf = cfg["SESSION_COOKIE_NAME"] in request.cookies
    return render_template("public_map.html", map=parts, t=t, labels=labels,
                           script=script, with_csrf=with_csrf,
                           photo_mb=cfg["PHOTO_MAX_BYTES"] // (1024 * 1024))
