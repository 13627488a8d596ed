"""The statistics maps (``/maps/caseload``, ``/maps/coverage``): shells whose script
(``static/js/statsmap.js``) fetches outlines, numbers and points for the view."""

from __future__ import annotations

import datetime as dt

from branca.utilities import color_brewer
from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from app.api.stats.definitions import definitions
from app.api.stats.mapdata import CASELOAD_MEASURES, COVERAGE_MEASURES
from app.plumbing.readdb import read
from app.security.auth import require
from app.security.headers import csp_nonce
from app.web.i18n import N_, lang, texts
from app.web.roles import role_texts
from geo.places.store import reads as store
from geo.stats import caseload, classes, coverage, mapshapes

bp = Blueprint("statsmaps", __name__, url_prefix="/maps")

BUILDING_ZOOM = 16  # buildings are drawn from this zoom level on
PALETTES = {"count": "YlOrRd", "per_1000": "YlOrRd", "open": "OrRd", "overdue": "Reds",
            "households_per_member": "YlOrRd", "serving": "YlGn", "buildings_far": "OrRd",
            "buildings_without_group": "PuRd"}

# key → message (Chinese msgid, the key its context; English in app/translations)
TEXTS: dict[str, str] = dict([
    N_("caseload_title", "事件量地图"), N_("coverage_title", "党员覆盖地图"),
    N_("from", "起始日期"), N_("to", "截止日期（不含）"), N_("category", "类别"),
    N_("any_category", "全部类别"), N_("measure", "指标"), N_("scheme", "分级方法"),
    N_("natural_breaks", "自然断点"), N_("quantiles", "分位数"), N_("equal_interval", "等间距"),
    N_("target", "每名党员联系户数目标"), N_("distance", "距党员住所距离（米）"),
    N_("apply", "更新"), N_("count", "事件数"),
    N_("per_1000", "每千户事件数"), N_("open", "未办结"), N_("overdue", "超期"),
    N_("closed", "结案数"), N_("on_time_rate", "按期结案率"), N_("rework_rate", "返工率"),
    N_("mean_response_h", "平均响应时长（小时）"), N_("mean_close_h", "平均结案时长（小时）"),
    N_("households_per_member", "每名党员联系户数"), N_("serving", "服务党员数"),
    N_("serving_resident", "社区党员"), N_("serving_in_service", "在职党员（双报到）"),
    N_("buildings_far", "远离党员住所的楼栋"), N_("buildings_without_group", "无楼栋党小组的楼栋"),
    N_("buildings", "楼栋数"), N_("with_group", "有楼栋党小组"), N_("has_branch", "网格党支部"),
    N_("yes", "有"), N_("no", "无"), N_("no_member", "无服务党员"), N_("no_branch", "无网格党支部"),
    N_("over_target", "超过目标"), N_("far", "远离党员住所"), N_("building", "楼栋"),
    N_("group", "楼栋党小组"), N_("grid_code", "网格编码"), N_("grid_name", "网格名称"),
    N_("community", "社区"), N_("workers", "网格员"), N_("households", "户数"),
    N_("no_workers", "无在岗网格员"), N_("loading", "加载中…"), N_("no_data", "无数据"),
    N_("grids_drawn", "已绘制 {n} 个网格"), N_("zoom_hint", "放大到 {zoom} 级以上显示网格"),
    N_("building_hint", "放大到 {zoom} 级以上显示楼栋"),
    N_("truncated", "只显示了一部分，请放大。"), N_("layer_grids", "网格"),
    N_("layer_heat", "事件热力"), N_("layer_open", "未办结事件"), N_("layer_buildings", "楼栋"),
    N_("indicators", "绩效指标"), N_("formula", "计算方法"), N_("whole", "合计"),
    N_("outside", "不在网格内"), N_("by_community", "各社区"), N_("summary", "概况"),
    N_("grid_indicators", "所选网格"), N_("click_grid", "点击网格查看其指标。"),
    N_("grids_no_member", "无服务党员的网格"), N_("grids_no_branch", "无网格党支部的网格"),
    N_("grids_over_target", "超过目标的网格"), N_("error", "出错了："),
    N_("signed_out", "登录已失效，请重新登录。"),
    # short heads of the panel's by-community table (the full name is their title)
    N_("th_count", "事件数"), N_("th_per_1000", "每千户"), N_("th_on_time_rate", "按期率"),
    N_("th_rework_rate", "返工率"), N_("th_serving", "党员数"),
    N_("th_households_per_member", "户/党员"), N_("th_buildings_far", "远离楼栋"),
])


@bp.get("/caseload")
@require("stats:read")
def caseload_page():
    """Caseload choropleth, heatmap, open incidents and indicators (``app.web.i18n``)."""
    return _page("caseload", CASELOAD_MEASURES)


@bp.get("/coverage")
@require("stats:read")
def coverage_page():
    """Party-member coverage per grid and, zoomed in, per building (``app.web.i18n``)."""
    return _page("coverage", COVERAGE_MEASURES)


def _page(kind: str, measures: tuple[str, ...]):
    from app.maps.render import render
    from app.maps.stats_map import build_stats_map

    t = {**texts(TEXTS), **role_texts()}
    cfg = current_app.config
    scope = current_user.communities
    bounds, categories = read(lambda conn: (store.communities_extent(conn, scope),
                                            caseload.category_codes(conn)))
    m = build_stats_map(kind, bounds, names={
        "grids": t["layer_grids"], "heat": t["layer_heat"], "open": t["layer_open"],
        "buildings": t["layer_buildings"], "legend": t[measures[0]]})
    parts = render(m, csp_nonce(), lambda path: url_for("static", filename=path))
    start, end, _, _ = caseload.period(None, None, dt.datetime.now(dt.UTC).date(),
                                       cfg["TIMEZONE"])
    script = {"kind": kind, "lang": lang(), "texts": t, "measures": list(measures),
              "palettes": {m: color_brewer(PALETTES[m], 9) for m in measures},
              "schemes": list(classes.SCHEMES),
              "minZoom": mapshapes.MIN_ZOOM, "buildingZoom": BUILDING_ZOOM,
              "from": start.isoformat(), "to": end.isoformat(),
              "target": cfg["COVERAGE_TARGET_HOUSEHOLDS"],
              "distance": cfg["COVERAGE_DISTANCE_METERS"],
              "maxDistance": coverage.MAX_DISTANCE_M,
              "definitions": definitions(),
              "canOpen": current_user.can("incidents:read")}
    return render_template("maps/stats.html", map=parts, t=t, kind=kind,
                           measures=measures, categories=categories, script=script)

