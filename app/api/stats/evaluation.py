"""Evaluation (考评, issue 22): indicators per street, community, grid, worker or department,
rankings, 12-month trends and the incidents behind a number. Over ``geo.stats.evaluation``;
the formulas are ``geo.stats.indicators`` (docs/evaluation.md). Who may read statistics may
read these; an account limited to some communities sees only their units and incidents.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, jsonify
from flask_login import current_user

from app.api.common import STAFF, Blueprint
from app.api.stats.numbers import FAILS, _refreshed, checked_category
from app.api.stats.schemas import (
    Drill,
    DrillQuery,
    Evaluation,
    EvaluationQuery,
    Ranking,
    RankingQuery,
    Trend,
    TrendQuery,
)
from app.plumbing.readdb import read
from app.security.auth import require
from geo.core import params
from geo.core.errors import InvalidInput, NotFound
from geo.stats import caseload, evaluation

blp = Blueprint("evaluation", __name__, url_prefix="/api/v1",
                description="Evaluation (考评): indicators, rankings, trends, drill-down")
NOT_FOUND = {404: "no such unit, street or community among the caller's"}


def _context(args: dict, *, period: bool = True) -> dict:
    """The checked question: level, category, scope (narrowed by ``within``), rule, now,
    and the period (default: last calendar month)."""
    cfg = current_app.config
    tz = cfg["TIMEZONE"]
    now = dt.datetime.now(dt.UTC)
    category = checked_category(args)
    level = args.get("level") or "grid"
    within = args.get("within")
    if within is not None and level == "street":
        raise InvalidInput("'within' narrows the community, grid, worker and department "
                           "levels, not street", param="within")
    scope = current_user.communities
    if within is not None:
        scope = read(lambda conn: evaluation.within_scope(conn, scope, within))
        if not scope:
            raise NotFound(f"no street or community {within} among those you may see")
    out = {"level": level, "category": category, "scope": scope, "now": now,
           "rule": cfg.get("EVAL_RESOLVED_RULE", "not_unsatisfied"), "timezone": tz}
    if period:
        start, end = args.get("since"), args.get("until")
        for name, day in (("from", start), ("to", end)):
            if day is not None and not 1901 <= day.year <= 2998:
                raise InvalidInput(f"'{name}' must be a day of the years 1901–2998",
                                   param=name)
        if end is None:  # the calendar month of `from`, else last month
            base = start or (now.astimezone(ZoneInfo(tz)).date().replace(day=1)
                             - dt.timedelta(days=1))
            end = (base.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if start is None:  # the calendar month before `to`
            start = (end - dt.timedelta(days=1)).replace(day=1)
        start, end, t0, t1 = params.local_period(start, end, evaluation.MAX_DAYS, tz)
        out.update(start=start, end=end, t0=t0, t1=t1)
    return out


def _shown(q: dict) -> dict:
    return {"level": q["level"], "from": q["start"].isoformat(), "to": q["end"].isoformat(),
            "category": q["category"], "timezone": q["timezone"],
            "resolved_rule": q["rule"]}


@blp.route("/stats/evaluation", methods=["GET"])
@require("stats:read")
@blp.doc(summary="Evaluation indicators per unit", security=STAFF,
         description="响应率, 解决率, 满意率, 按期结案率, 返工率, 延期率, 督办 and the mean and "
                     "p90 times to respond and to close, each as {value, numerator, "
                     "denominator}, for every unit of `level` the caller may see, over "
                     "[from, to) in local days; `totals` over every incident in scope; "
                     "`formulas` in Chinese and English (docs/evaluation.md).")
@blp.arguments(EvaluationQuery, location="query")
@blp.response(200, Evaluation, description="rows, totals and formulas")
@blp.fails({**FAILS, **NOT_FOUND})
def evaluation_json(args):
    q = _context(args)
    _refreshed(caseload)
    body = read(lambda conn: evaluation.evaluate(
        conn, level=q["level"], t0=q["t0"], t1=q["t1"], category=q["category"],
        scope=q["scope"], now=q["now"], rule=q["rule"]))
    return jsonify({**_shown(q), **body, "formulas": evaluation.formulas()})


@blp.route("/stats/evaluation/ranking", methods=["GET"])
@require("stats:read")
@blp.doc(summary="Units ranked by an indicator, with the change since the previous period",
         security=STAFF,
         description="Best first (rates of 返工 and 延期, times and 督办: lowest first); equal "
                     "values share a rank; units without a value last (rank null). The "
                     "previous period has the same length (whole months: as many months "
                     "back); rank_change = previous_rank − rank (positive: moved up).")
@blp.arguments(RankingQuery, location="query")
@blp.response(200, Ranking, description="ranked rows and the indicator's formula")
@blp.fails({**FAILS, **NOT_FOUND})
def ranking_json(args):
    q = _context(args)
    indicator = args.get("indicator") or "satisfaction_rate"
    _refreshed(caseload)
    body = read(lambda conn: evaluation.ranking(
        conn, level=q["level"], indicator=indicator, start=q["start"], end=q["end"],
        timezone=q["timezone"], category=q["category"], scope=q["scope"], now=q["now"],
        rule=q["rule"]))
    formula = next(f for f in evaluation.formulas() if f["key"] == indicator)
    return jsonify({**_shown(q), **body, "formula": formula})


@blp.route("/stats/evaluation/trend", methods=["GET"])
@require("stats:read")
@blp.doc(summary="Month by month, the 12 months up to `month`", security=STAFF,
         description="Per unit (or only `unit`) a series of {value, numerator, denominator} "
                     "per month for `indicator` (default: every one); `totals` likewise.")
@blp.arguments(TrendQuery, location="query")
@blp.response(200, Trend, description="months and the series per unit")
@blp.fails({**FAILS, **NOT_FOUND})
def trend_json(args):
    q = _context(args, period=False)
    month = args.get("month") or (q["now"].astimezone(ZoneInfo(q["timezone"])).date()
                                  .replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    indicator, unit = args.get("indicator"), args.get("unit")
    _refreshed(caseload)

    def trend(conn):
        if unit is not None and not evaluation.has_unit(conn, q["level"], unit, q["scope"]):
            raise NotFound(f"no {q['level']} {unit} among those you may see")
        return evaluation.trend(
            conn, level=q["level"], last_month=month, timezone=q["timezone"],
            indicators=(indicator,) if indicator else None, category=q["category"],
            scope=q["scope"], unit=unit, now=q["now"], rule=q["rule"])

    body = read(trend)
    return jsonify({"category": q["category"], "timezone": q["timezone"], **body,
                    "formulas": evaluation.formulas()})


@blp.route("/stats/evaluation/incidents", methods=["GET"])
@require("stats:read")
@blp.doc(summary="The incidents behind a number", security=STAFF,
         description="The incidents counted in an indicator's numerator or denominator for "
                     "one unit over [from, to): `total` equals the number in "
                     "GET /stats/evaluation; at most `limit` listed, by id.")
@blp.arguments(DrillQuery, location="query")
@blp.response(200, Drill, description="the incidents")
@blp.fails({**FAILS, **NOT_FOUND})
def incidents_json(args):
    q = _context(args)
    _refreshed(caseload)  # counted from the facts, not the roll-up
    unit, level = args["unit"], q["level"]

    def drill(conn):
        if not evaluation.has_unit(conn, level, unit, q["scope"]):
            raise NotFound(f"no {level} {unit} among those you may see")
        return evaluation.incidents(
            conn, level=level, unit=unit, indicator=args["indicator"],
            part=args.get("part") or "denominator", t0=q["t0"], t1=q["t1"],
            category=q["category"], scope=q["scope"], now=q["now"], rule=q["rule"],
            limit=args["limit"])

    body = read(drill)
    return jsonify({**_shown(q), "unit": unit, "indicator": args["indicator"],
                    "part": args.get("part") or "denominator", **body})
