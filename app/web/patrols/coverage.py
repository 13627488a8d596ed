"""``/patrols``: patrol coverage for supervisors — a map of the grids coloured by days since
they were last walked, the workers' patrols, distance and time, and the grids nobody walked
in N days. A shell: ``static/js/pages/patrols.js`` fetches ``/api/v1/patrols/coverage``."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from app.plumbing.readdb import read
from app.security.auth import require
from app.security.headers import csp_nonce
from app.web.i18n import N_, lang, texts
from app.web.roles import role_texts
from geo.field import coverage
from geo.field.store import coverage as coverage_store
from geo.places.store import reads as places

bp = Blueprint("patrols", __name__)

# key → message (Chinese msgid, the key its context; English in app/translations)
TEXTS: dict[str, str] = dict([
    N_("title", "巡查覆盖"), N_("from", "起始日期"), N_("to", "截止日期（不含）"),
    N_("community", "社区"), N_("all_communities", "全部社区"),
    N_("idle_days", "未巡查天数阈值"), N_("apply", "更新"), N_("layer_grids", "网格"),
    N_("legend", "距上次巡查"), N_("band_never", "从未巡查"), N_("band_le", "{n} 天内"),
    N_("band_idle", "超过 {n} 天"), N_("summary", "概况"), N_("workers", "网格员巡查"),
    N_("idle_grids", "{n} 天内无人巡查的网格"), N_("worker", "网格员"),
    N_("patrols", "巡查次数"), N_("distance_km", "里程（公里）"), N_("time", "时长"),
    N_("grid", "网格"), N_("last_walked", "上次巡查"), N_("never", "从未"),
    N_("days_ago", "{n} 天前"), N_("points", "轨迹点"), N_("grids_total", "网格数"),
    N_("grids_walked", "本期巡查过的网格"), N_("no_workers", "本期无巡查记录"),
    N_("no_idle", "没有未巡查的网格"), N_("loading", "加载中…"), N_("error", "出错了："),
    N_("hours_minutes", "{h} 小时 {m} 分"),
])


@bp.get("/patrols")
@require("patrols:supervise")
def coverage_page():
    """The coverage map and tables of the caller's communities (``app.web.i18n``)."""
    from app.maps.patrol_map import build_patrol_map
    from app.maps.render import render

    t = {**texts(TEXTS), **role_texts()}
    cfg = current_app.config
    scope = current_user.communities
    bounds, communities = read(lambda conn: (
        places.communities_extent(conn, scope),
        coverage_store.communities(conn, None if scope is None else sorted(scope))))
    parts = render(build_patrol_map(bounds, t["layer_grids"]), csp_nonce(),
                   lambda path: url_for("static", filename=path))
    today = dt.datetime.now(ZoneInfo(cfg["TIMEZONE"])).date()
    start, end, _, _ = coverage.period(None, None, today, cfg["TIMEZONE"])
    script = {"lang": lang(), "texts": t, "from": start.isoformat(), "to": end.isoformat(),
              "idleDays": cfg["PATROL_IDLE_DAYS"],
              "community": communities[0]["code"] if len(communities) == 1 else ""}
    return render_template("patrols.html", map=parts, t=t, communities=communities,
                           script=script)
