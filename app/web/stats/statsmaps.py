"""The statistics maps (``/maps/caseload``, ``/maps/coverage``): shells whose script
(``static/js/statsmap.js``) fetches outlines, numbers and points for the view."""

from __future__ import annotations

import datetime as dt

from branca.utilities import color_brewer
from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from app.api.stats.mapdata import BASEMAP_CRS, CASELOAD_MEASURES, COVERAGE_MEASURES
from app.plumbing.readdb import read
from app.security.auth import require
from app.security.headers import csp_nonce
from geo.places.store import reads as store
from geo.stats import caseload, classes, coverage, mapshapes

bp = Blueprint("statsmaps", __name__, url_prefix="/maps")

BUILDING_ZOOM = 16  # buildings are drawn from this zoom level on
PALETTES = {"count": "YlOrRd", "per_1000": "YlOrRd", "open": "OrRd", "overdue": "Reds",
            "households_per_member": "YlOrRd", "serving": "YlGn", "buildings_far": "OrRd",
            "buildings_without_group": "PuRd"}

# key → (中文, English)
TEXTS: dict[str, tuple[str, str]] = {
    "caseload_title": ("事件量地图", "Caseload map"),
    "coverage_title": ("党员覆盖地图", "Party-member coverage map"),
    "from": ("起始日期", "From"), "to": ("截止日期（不含）", "To (exclusive)"),
    "category": ("类别", "Category"), "any_category": ("全部类别", "All categories"),
    "measure": ("指标", "Measure"), "scheme": ("分级方法", "Classes"),
    "natural_breaks": ("自然断点", "Natural breaks"), "quantiles": ("分位数", "Quantiles"),
    "equal_interval": ("等间距", "Equal intervals"),
    "target": ("每名党员联系户数目标", "Target households per member"),
    "distance": ("距党员住所距离（米）", "Distance to a member's home (m)"),
    "apply": ("更新", "Update"), "lang_switch": ("English", "中文"),
    "count": ("事件数", "Incidents"), "per_1000": ("每千户事件数", "Per 1,000 households"),
    "open": ("未办结", "Open"), "overdue": ("超期", "Overdue"),
    "closed": ("结案数", "Closed"), "on_time_rate": ("按期结案率", "On-time closure rate"),
    "rework_rate": ("返工率", "Rework rate"),
    "mean_response_h": ("平均响应时长（小时）", "Mean time to respond (h)"),
    "mean_close_h": ("平均结案时长（小时）", "Mean time to close (h)"),
    "households_per_member": ("每名党员联系户数", "Households per serving member"),
    "serving": ("服务党员数", "Serving party members"),
    "serving_resident": ("社区党员", "Resident members"),
    "serving_in_service": ("在职党员（双报到）", "In-service members (双报到)"),
    "buildings_far": ("远离党员住所的楼栋", "Buildings far from members"),
    "buildings_without_group": ("无楼栋党小组的楼栋", "Buildings without a party group"),
    "buildings": ("楼栋数", "Buildings"), "with_group": ("有楼栋党小组", "With a party group"),
    "has_branch": ("网格党支部", "Grid party branch"), "yes": ("有", "yes"), "no": ("无", "no"),
    "no_member": ("无服务党员", "No serving member"),
    "no_branch": ("无网格党支部", "No grid branch"),
    "over_target": ("超过目标", "over target"),
    "far": ("远离党员住所", "far from members' homes"),
    "building": ("楼栋", "Building"), "group": ("楼栋党小组", "Building party group"),
    "grid_code": ("网格编码", "Grid code"), "grid_name": ("网格名称", "Grid"),
    "community": ("社区", "Community"), "workers": ("网格员", "Grid workers"),
    "households": ("户数", "Households"), "no_workers": ("无在岗网格员", "No active workers"),
    "loading": ("加载中…", "Loading…"), "no_data": ("无数据", "No data"),
    "grids_drawn": ("已绘制 {n} 个网格", "{n} grids drawn"),
    "zoom_hint": ("放大到 {zoom} 级以上显示网格", "Zoom in to level {zoom} to see grids"),
    "building_hint": ("放大到 {zoom} 级以上显示楼栋", "Zoom in to level {zoom} for buildings"),
    "truncated": ("只显示了一部分，请放大。", "Only part is shown; zoom in."),
    "layer_grids": ("网格", "Grids"), "layer_heat": ("事件热力", "Incident heatmap"),
    "layer_open": ("未办结事件", "Open incidents"), "layer_buildings": ("楼栋", "Buildings"),
    "indicators": ("绩效指标", "Indicators"), "formula": ("计算方法", "Formula"),
    "whole": ("合计", "Total"), "outside": ("不在网格内", "In no grid"),
    "by_community": ("各社区", "By community"), "summary": ("概况", "Summary"),
    "grid_indicators": ("所选网格", "Selected grid"),
    "click_grid": ("点击网格查看其指标。", "Click a grid for its indicators."),
    "grids_no_member": ("无服务党员的网格", "Grids without a serving member"),
    "grids_no_branch": ("无网格党支部的网格", "Grids without a grid branch"),
    "grids_over_target": ("超过目标的网格", "Grids over the target"),
    "error": ("出错了：", "Error: "), "signed_out": ("登录已失效，请重新登录。",
                                                  "Your session has ended; sign in again."),
}


@bp.get("/caseload")
@require("stats:read")
def caseload_page():
    """Caseload choropleth, heatmap, open incidents and indicators (``?lang=en``)."""
    return _page("caseload", CASELOAD_MEASURES)


@bp.get("/coverage")
@require("stats:read")
def coverage_page():
    """Party-member coverage per grid and, zoomed in, per building (``?lang=en``)."""
    return _page("coverage", COVERAGE_MEASURES)


def _page(kind: str, measures: tuple[str, ...]):
    from app.maps.render import render
    from app.maps.stats_map import Basemap, build_stats_map

    lang = "en" if request.args.get("lang") == "en" else "zh"
    t = {key: pair[lang == "en"] for key, pair in TEXTS.items()}
    cfg = current_app.config
    scope = current_user.communities
    bounds, categories = read(lambda conn: (store.communities_extent(conn, scope),
                                            caseload.category_codes(conn)))
    basemap = Basemap(cfg["BASEMAP_URL"] or None, cfg["BASEMAP_ATTRIBUTION"],
                      cfg["BASEMAP_SUBDOMAINS"], cfg["BASEMAP_CRS"])
    if basemap.crs not in BASEMAP_CRS:
        raise ValueError(f"BASEMAP_CRS must be one of {BASEMAP_CRS}")
    m = build_stats_map(kind, _shown(bounds, basemap.crs), basemap=basemap, names={
        "grids": t["layer_grids"], "heat": t["layer_heat"], "open": t["layer_open"],
        "buildings": t["layer_buildings"], "legend": t[measures[0]]})
    parts = render(m, csp_nonce(), lambda path: url_for("static", filename=path))
    start, end, _, _ = caseload.period(None, None, dt.datetime.now(dt.UTC).date(),
                                       cfg["TIMEZONE"])
    script = {"kind": kind, "lang": lang, "texts": t, "measures": list(measures),
              "palettes": {m: color_brewer(PALETTES[m], 9) for m in measures},
              "schemes": list(classes.SCHEMES), "crs": basemap.crs,
              "minZoom": mapshapes.MIN_ZOOM, "buildingZoom": BUILDING_ZOOM,
              "from": start.isoformat(), "to": end.isoformat(),
              "target": cfg["COVERAGE_TARGET_HOUSEHOLDS"],
              "distance": cfg["COVERAGE_DISTANCE_METERS"],
              "maxDistance": coverage.MAX_DISTANCE_M,
              "definitions": {k: v[lang == "en"] for k, v in caseload.DEFINITIONS.items()},
              "canOpen": current_user.can("incidents:read")}
    return render_template("maps/stats.html", map=parts, t=t, lang=lang, kind=kind,
                           measures=measures, categories=categories, script=script)


def _shown(bounds, crs: str):
    """The first view's box, shifted like the layers on a GCJ-02 basemap."""
    if not bounds or crs == "wgs84":
        return bounds
    from geo.core.crs import from_wgs84

    (s, w), (n, e) = bounds
    (w2, e2), (s2, n2) = from_wgs84([w, e], [s, n], crs)
    return [[float(s2), float(w2)], [float(n2), float(e2)]]
