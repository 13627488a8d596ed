"""The monthly report (月报) a street office sends upwards: one month's indicators at every
level, the rankings with the change since the previous month, the caseload map of the month
and the worst-performing units, gathered once (``gather``) and written as XLSX
(``geo.stats.report.xlsx``) or PDF (``geo.stats.report.pdf``) by ``monthly_report``, the one
function the command line (``flask reports monthly``), the API
(``GET /api/v1/reports/monthly/<YYYY-MM>.{xlsx,pdf}``) and the benchmark call.

Every number is ``geo.stats.evaluation``'s (its formulas are printed with the report): the
report adds no definition of its own. The report is in Chinese, the language it is sent
upwards in. Choices the issue left open:

- rankings: the three rates (响应率, 解决率, 满意率) of the report's top level (streets for
  the whole city, communities for one street) in full up to ``RANK_ROWS`` rows, and
  按期结案率 of departments and workers; the XLSX has every unit;
- worst-performing units (末位): the lowest ``WORST_ROWS`` by each of ``WORST``, among the
  units whose denominator is at least ``MIN_DENOMINATOR`` (a rate of 1 of 2 says little);
- the map: incidents reported in the month (事件数) per grid, or per community when the
  area holds more than ``svgmap.MAX_GRIDS`` grids.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from geo.core.errors import InvalidInput, NotFound
from geo.stats import evaluation
from geo.stats.indicators import BY_KEY
from geo.stats.report import svgmap

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "pdf": "application/pdf"}
LEVEL_TITLES = {"street": "街道", "community": "社区", "grid": "网格", "worker": "网格员",
                "department": "部门"}
PARENT_TITLES = {"street": None, "community": "所属街道", "grid": "所属社区",
                 "worker": "所属社区", "department": None}
HEADLINE = ("count", "response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate",
            "rework_rate", "extension_rate", "supervised", "mean_response_h", "mean_close_h")
THREE_RATES = ("response_rate", "resolution_rate", "satisfaction_rate")
RANK_ROWS = 30
WORST = (("community", "satisfaction_rate"), ("community", "resolution_rate"),
         ("grid", "on_time_rate"), ("worker", "on_time_rate"))
WORST_ROWS = 10
MIN_DENOMINATOR = 5


def check_format(fmt: str) -> str:
    """``xlsx`` or ``pdf``, else InvalidInput."""
    if fmt not in FORMATS:
        raise InvalidInput(f"the report's format is xlsx or pdf, not {fmt[:10]!r}",
                           param="format")
    return fmt


def monthly_report(conn: Connection, month: str, fmt: str, *, timezone: str,
                   now: dt.datetime, street: str | None = None,
                   scope: frozenset[int] | None = None,
                   rule: str = "not_unsatisfied") -> bytes:
    """The report of ``month`` (``YYYY-MM``) as an XLSX or PDF file's bytes.

    ``street``: only that street (9-digit code); ``scope``: the caller's communities (None:
    all). Raises InvalidInput (bad month or format) and NotFound (no such street among
    the caller's). Run ``geo.stats.caseload.refresh`` before (the facts must be current).
    """
    check_format(fmt)
    report = gather(conn, month, timezone=timezone, now=now, street=street, scope=scope,
                    rule=rule, printed=fmt == "pdf")
    if fmt == "xlsx":
        from geo.stats.report.xlsx import build_xlsx

        return build_xlsx(report)
    from geo.stats.report.pdf import build_pdf

    return build_pdf(report)


def filename(month: str, fmt: str, street: str | None) -> str:
    """The download's name, e.g. ``monthly-2026-11-110101001.pdf``."""
    return f"monthly-{month}{'-' + street if street else ''}.{fmt}"


def gather(conn: Connection, month: str, *, timezone: str, now: dt.datetime,
           street: str | None = None, scope: frozenset[int] | None = None,
           rule: str = "not_unsatisfied", printed: bool = True) -> dict:
    """Everything the report shows, as plain values (what ``build_xlsx``/``build_pdf``
    take); ``printed`` False leaves out what only the PDF shows (the rankings, which
    evaluate the previous month too, the worst units and the map)."""
    start, end, t0, t1 = evaluation.month_period(month, timezone)
    area = _area(conn, street, scope)
    common = {"category": None, "scope": area, "now": now, "rule": rule}
    levels = {lv: evaluation.evaluate(conn, level=lv, t0=t0, t1=t1, **common)
              for lv in LEVEL_TITLES}
    top = "street" if street is None and len(levels["street"]["rows"]) > 1 else "community"
    rank = [(top, key) for key in THREE_RATES] + [("department", "on_time_rate"),
                                                  ("worker", "on_time_rate")]
    rankings = []
    if printed:  # the previous month evaluated once per level ranked, ranked by each key
        p_month = evaluation.previous_period(start, end)[0].strftime("%Y-%m")
        p_t0, p_t1 = evaluation.month_period(p_month, timezone)[2:]
        before = {lv: evaluation.evaluate(conn, level=lv, t0=p_t0, t1=p_t1, **common)["rows"]
                  for lv in dict.fromkeys(lv for lv, _ in rank)}
        rankings = [_ranking(lv, key, levels[lv]["rows"], before[lv]) for lv, key in rank]
    street_name = _street_name(levels["street"]["rows"], street)
    title = f"{street_name or '全市'}{start.year}年{start.month}月考评月报"
    return {
        "title": title, "month": month, "from": start.isoformat(), "to": end.isoformat(),
        "about": _about(start, end, street, street_name, scope, now, timezone),
        "indicators": [_indicator(k) for k in BY_KEY],
        "headline": [{**_indicator(k), **levels[top]["totals"]["indicators"][k],
                      "num": levels[top]["totals"]["indicators"][k]["numerator"],
                      "den": levels[top]["totals"]["indicators"][k]["denominator"]}
                     for k in HEADLINE],
        "levels": [_level(lv, levels[lv]["rows"]) for lv in LEVEL_TITLES],
        "rankings": rankings,
        "worst": [_worst(levels[lv]["rows"], lv, key) for lv, key in WORST] if printed else [],
        "map": _map(conn, levels, area) if printed else None,
    }


def _area(conn: Connection, street: str | None,
          scope: frozenset[int] | None) -> frozenset[int] | None:
    if street is None:
        return scope
    if not (len(street) == 9 and street.isdigit()):
        raise InvalidInput(f"a street code has 9 digits, not {street[:20]!r}", param="street")
    area = evaluation.within_scope(conn, scope, street)
    if not area:
        raise NotFound(f"no street {street} among those you may see")
    return area


def _indicator(key: str) -> dict:
    ind = BY_KEY[key]
    return {"key": key, "name": ind.name_zh, "formula": ind.formula_zh, "kind": ind.kind,
            "better": ind.better}


def _street_name(rows: list[dict], street: str | None) -> str | None:
    for r in rows:
        if street is not None and r["unit"]["code"] == street:
            return r["unit"]["name"]
    return None


def _about(start, end, street, street_name, scope, now, timezone) -> list[tuple[str, str]]:
    last = end - dt.timedelta(days=1)
    area = (f"{street_name}（{street}）" if street else
            "全市" if scope is None else f"所辖 {len(scope)} 个社区")
    return [("统计期间", f"{start.isoformat()} 至 {last.isoformat()}（{timezone}）"),
            ("范围", area),
            ("生成时间", now.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M"))]


def _level(level: str, rows: list[dict]) -> dict:
    units = []
    for r in rows:
        nums = r["indicators"]
        units.append({"code": r["unit"]["code"], "name": r["unit"]["name"],
                      "parent": r["unit"].get("parent_name"),
                      "values": {k: v["value"] for k, v in nums.items()},
                      "num": {k: v["numerator"] for k, v in nums.items()},
                      "den": {k: v["denominator"] for k, v in nums.items()}})
    return {"level": level, "title": LEVEL_TITLES[level],
            "parent_title": PARENT_TITLES[level], "units": units}


def _ranking(level: str, key: str, rows: list[dict], previous_rows: list[dict]) -> dict:
    """``evaluation.ranking``'s answer from the two months' rows (``evaluation.rank``)."""
    rows = [{"rank": r["rank"], "name": r["unit"]["name"], "code": r["unit"]["code"],
             "value": r["value"], "num": r["numerator"], "den": r["denominator"],
             "rank_change": r["rank_change"], "value_change": r["value_change"]}
            for r in evaluation.rank(rows, previous_rows, key) if r["value"] is not None]
    ind = BY_KEY[key]
    return {"title": f"{LEVEL_TITLES[level]} · {ind.name_zh}", "level": level,
            "indicator": ind.name_zh, "kind": ind.kind, "rows": rows[:RANK_ROWS],
            "more": max(0, len(rows) - RANK_ROWS)}


def _worst(rows: list[dict], level: str, key: str) -> dict:
    ind = BY_KEY[key]
    judged = [r for r in rows if r["indicators"][key]["value"] is not None
              and r["indicators"][key]["denominator"] >= MIN_DENOMINATOR]
    sign = 1 if ind.better == "high" else -1
    judged.sort(key=lambda r: (sign * r["indicators"][key]["value"], r["unit"]["code"]))
    return {"title": f"{LEVEL_TITLES[level]} · {ind.name_zh}（分母不少于 {MIN_DENOMINATOR}）",
            "indicator": ind.name_zh, "kind": ind.kind,
            "rows": [{"name": r["unit"]["name"], "parent": r["unit"].get("parent_name"),
                      "value": r["indicators"][key]["value"],
                      "num": r["indicators"][key]["numerator"],
                      "den": r["indicators"][key]["denominator"]}
                     for r in judged[:WORST_ROWS]]}


def _map(conn, levels, area) -> dict:
    values = {lv: {r["unit"]["code"]: r["indicators"]["count"]["value"]
                   for r in levels[lv]["rows"]} for lv in ("grid", "community")}
    drawn = svgmap.choropleth(conn, values, scope=None if area is None else sorted(area),
                              title="本月事件数")
    legend = svgmap.legend(drawn["breaks"], drawn["palette"])
    per = LEVEL_TITLES.get(drawn["level"] or "grid")
    return {**drawn, "title": f"本月事件量地图（各{per}事件数）", "legend": legend}
