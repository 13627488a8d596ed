"""``/evaluation``: the evaluation (考评) page — every unit's indicators with their
formulas, the ranking with the change since the previous period, a 12-month trend per unit,
drill-down street → community → grid → the incidents behind a number, a small map of the
chosen indicator (linked to the caseload map) and the monthly report's downloads. A shell:
``static/js/pages/evaluation.js`` fetches ``/api/v1/stats/evaluation*``; the map is
``/evaluation/map.svg``, drawn by ``geo.stats.report.svgmap``."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import pgettext
from flask_login import current_user

from app.api.stats.mapdata import CASELOAD_MEASURES
from app.api.stats.numbers import _refreshed
from app.plumbing.readdb import read
from app.security.auth import require
from app.web.i18n import N_, lang, texts
from app.web.incidents.words import STATUSES
from geo.core import params
from geo.core.errors import InvalidInput, NotFound
from geo.stats import caseload, evaluation, indicators
from geo.stats.report import svgmap

bp = Blueprint("evaluation_page", __name__)

LEVELS = ("street", "community", "grid", "worker", "department")
# key → message (Chinese msgid, the key its context; English in app/translations)
TEXTS: dict[str, str] = dict([
    N_("title", "考评"), N_("level", "层级"), N_("level_street", "街道"),
    N_("level_community", "社区"), N_("level_grid", "网格"), N_("level_worker", "网格员"),
    N_("level_department", "部门"), N_("period", "期间"), N_("by_month", "按月"),
    N_("by_range", "起止日期"), N_("month", "月份"), N_("from", "起始日期"),
    N_("to", "截止日期（不含）"), N_("category", "类别"), N_("any_category", "全部类别"),
    N_("indicator", "指标"), N_("apply", "更新"), N_("all", "全部"),
    N_("units", "各单位指标"), N_("ranking", "排名"), N_("trend", "近12个月"),
    N_("rank", "名次"), N_("name", "名称"), N_("parent", "所属"), N_("change", "较上期"),
    N_("rank_change", "名次变化"), N_("formulas", "计算方法"),
    N_("map", "指标地图"), N_("open_caseload", "在事件量地图中查看"),
    N_("download", "月报下载"), N_("xlsx", "Excel（XLSX）"), N_("pdf", "PDF"),
    N_("numerator", "分子"), N_("denominator", "分母"), N_("total", "合计"),
    N_("drill", "查看下级"),
    N_("incidents_behind", "{name}：{indicator}的{part}（{n} 件）"),
    N_("incident_ref", "编号"), N_("status", "状态"), N_("reported_at", "上报时间"),
    N_("address", "地址"), N_("more", "另有 {n} 件未列出"),
    N_("loading", "加载中…"), N_("no_data", "无数据"), N_("error", "出错了："),
    N_("signed_out", "登录已失效，请重新登录。"), N_("close", "关闭"),
    N_("map_alt", "各{level}的{indicator}"), N_("map_hint", "颜色越深数值越高。"),
])


def _last_month(timezone: str) -> str:
    """The month before this one (the last whole month: what is evaluated), ``YYYY-MM``."""
    first = dt.datetime.now(ZoneInfo(timezone)).date().replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


@bp.get("/evaluation")
@require("stats:read")
def page():
    """The evaluation page in the request's language (``app.web.i18n``)."""
    cfg = current_app.config
    t = {**texts(TEXTS), **texts(STATUSES)}  # an incident's status as the console words it
    categories = read(caseload.category_codes)
    script = {"lang": lang(), "texts": t, "levels": list(LEVELS),
              "indicators": indicators.formulas(), "month": _last_month(cfg["TIMEZONE"]),
              "caseloadMeasures": list(CASELOAD_MEASURES),
              "canOpen": current_user.can("incidents:write")}
    return render_template("evaluation.html", t=t, levels=LEVELS, categories=categories,
                           indicators=script["indicators"], script=script)


@bp.get("/evaluation/map.svg")
@require("stats:read")
def map_svg():
    """The chosen indicator per grid (per community for a large area) as an SVG choropleth."""
    args = request.args
    params.check_known(args, ("indicator", "from", "to", "category", "within", "lang"))
    key = params.choice(args, "indicator", indicators.KEYS) or "count"
    within = params.short_text(args, "within", 12)
    if within is not None and not (within.isdigit() and len(within) in (9, 12)):
        raise InvalidInput("'within' is a street (9 digits) or community (12 digits) code",
                           param="within")
    cfg = current_app.config
    _, _, t0, t1 = caseload.period(params.date(args, "from"), params.date(args, "to"),
                                   dt.datetime.now(dt.UTC).date(), cfg["TIMEZONE"])
    title = pgettext("map_title", "指标地图")
    _refreshed(caseload)  # as the API does: the facts hold every change committed so far
    svg = read(lambda conn: svgmap.indicator_map(
        conn, indicator=key, t0=t0, t1=t1, category=params.short_text(args, "category", 50),
        scope=_scope(conn, within), now=dt.datetime.now(dt.UTC),
        rule=cfg.get("EVAL_RESOLVED_RULE", "not_unsatisfied"), title=title))
    if svg is None:
        raise NotFound("nothing to draw among the communities you may see")
    return Response(svg, mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=60"})


def _scope(conn, within: str | None) -> frozenset[int] | None:
    scope = evaluation.within_scope(conn, current_user.communities, within)
    if scope is not None and not scope:
        raise NotFound(f"no street or community {within} among those you may see")
    return scope
