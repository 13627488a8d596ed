"""Evaluation (考评): 响应率, 解决率, 满意率, 按期结案率, 返工率, 延期率, 督办, and the mean and
p90 times to respond and to close, per street, community, grid, worker or department, for a
period ``[from, to)`` of local days and a category; rankings with the change since the
previous period of equal length; 12-month trends; the incidents behind a number.

The indicators and their formulas (zh and en) are one table, ``geo.stats.indicators``;
docs/evaluation.md says them in words. Every number is counted from ``incident_facts`` (one
row per incident derived from its event history, ratings and extensions, kept current by
``geo.stats.caseload.refresh``: call it first). A whole local month with nothing of it
waiting for ``geo.stats.rollup.refresh`` (the scheduler's) is read from the monthly
roll-up (``geo.stats.rollup``, written by the same statement); any other period is one
pass over its facts (a trend: one per family of indicators).

Levels and what an incident counts under:

- ``street``, ``community``, ``grid``: where it was located (a grid version counts under the
  current grid with its code);
- ``worker``: the grid worker it is assigned to (``incidents.assignee_id``; for a finished
  incident the one who had it when it finished), not whoever pressed "resolve";
- ``department``: the department it is escalated or transferred to (``department_id``).

Scope: a sorted set of community ids (None: all). Only incidents located in the scope are
counted; units listed: its communities, their grids and workers, the streets it covers
entirely, the departments serving its communities or having numbers in it.

Every row's indicators have the shape ``{"value", "numerator", "denominator"}``; a rate's
value is null (not 0) when its denominator is 0.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from geo.core import params
from geo.core.errors import InvalidInput
from geo.stats import evaluation_store as store
from geo.stats import rollup
from geo.stats.indicators import (
    BY_KEY,
    FAMILIES,
    KEYS,
    RESOLVED_RULES,
    formulas,
    value,
)

LEVELS = ("street", "community", "grid", "worker", "department")
RANKED = LEVELS  # every level can be ranked; the page ranks street, community, department, worker
PARTS = ("numerator", "denominator")
MAX_DAYS = 3660
TREND_MONTHS = 12
DRILL_LIMIT = 1000

__all__ = ["KEYS", "LEVELS", "PARTS", "RESOLVED_RULES", "check_month", "check_unit",
           "check_within", "evaluate", "formulas", "has_unit", "incidents", "month_period",
           "previous_period", "rank", "ranking", "trend", "within_scope"]


def check_month(raw: str) -> str:
    """A month parameter ``YYYY-MM`` (2000–2099), checked."""
    if not (len(raw) == 7 and raw[4] == "-" and raw[:4].isdigit() and raw[5:].isdigit()
            and raw.isascii() and 2000 <= int(raw[:4]) <= 2099 and 1 <= int(raw[5:]) <= 12):
        raise InvalidInput(f"'month' must be YYYY-MM, got {raw[:40]!r}", param="month")
    return raw


def check_within(raw: str) -> str:
    """A street (9-digit) or community (12-digit) code, checked."""
    if not (raw.isascii() and raw.isdigit() and len(raw) in (9, 12)):
        raise InvalidInput("'within' must be a street (9-digit) or community (12-digit) "
                           f"code, got {raw[:40]!r}", param="within")
    return raw


def check_unit(raw: str) -> str:
    """A unit's code: a street, community or grid code, or a worker's or department's id."""
    if not (raw.isascii() and raw.isdigit() and 1 <= len(raw) <= 15):
        raise InvalidInput(f"'unit' must be a unit's code (up to 15 digits), got {raw[:40]!r}",
                           param="unit")
    return raw


def month_period(month: str, timezone: str) -> tuple[dt.date, dt.date, dt.datetime,
                                                     dt.datetime]:
    """``YYYY-MM`` as ``(first day, first day of the next month, t0, t1)``.

    >>> month_period("2026-11", "Asia/Shanghai")[1]
    datetime.date(2026, 12, 1)
    """
    try:
        start = dt.date.fromisoformat(month + "-01")
    except (TypeError, ValueError):
        raise InvalidInput(f"'month' must be YYYY-MM, not {month!r}", param="month") from None
    end = _add_months(start, 1)
    return params.local_period(start, end, MAX_DAYS, timezone)


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period of equal length just before ``[start, end)``; a whole number of months
    goes back as many months (November → October).

    >>> previous_period(dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    (datetime.date(2026, 10, 1), datetime.date(2026, 11, 1))
    """
    months = (end.year - start.year) * 12 + end.month - start.month
    if start.day == 1 and end.day == 1 and months > 0:
        return _add_months(start, -months), start
    return start - (end - start), start


def within_scope(conn: Connection, scope: frozenset[int] | None,
                 within: str | None) -> frozenset[int] | None:
    """``scope`` narrowed to a street (9-digit code) or community (12-digit code); an
    empty set when ``within`` is unknown or outside the scope (the caller answers 404)."""
    if within is None:
        return scope
    found = frozenset(store.communities_within(conn, within))
    return found if scope is None else found & scope


def has_unit(conn: Connection, level: str, code: str,
             scope: frozenset[int] | None) -> bool:
    """Whether ``level`` has a unit ``code`` that ``scope`` sees (as ``evaluate`` lists)."""
    return any(u["code"] == code for u in store.units(conn, level, _list(scope), [code]))


def evaluate(conn: Connection, *, level: str, t0: dt.datetime, t1: dt.datetime,
             category: str | None = None, scope: frozenset[int] | None = None,
             now: dt.datetime, rule: str = "not_unsatisfied") -> dict:
    """Every unit of ``level`` in ``scope`` with every indicator for ``[t0, t1)``.

    ``{"level", "rows": [{"unit": UNIT, "indicators": {key: NUMBER}}], "totals":
    {"indicators": {...}}}`` where UNIT is ``{"level", "code", "name", "id",
    "parent_code", "parent_name"}`` (code order; a worker's and a department's code is
    its id as text; a street's id is null) and NUMBER ``{"value", "numerator",
    "denominator"}``. Units with nothing in the period have zero counts and null rates.
    ``totals`` counts every incident in scope, in a unit or not. ``now`` decides which
    responses are due (响应率).
    """
    sums = _sums(conn, level, t0, t1, category, scope, now, rule, None)
    rows = _rows(conn, level, scope, sums, "")
    return {"level": level, "rows": rows,
            "totals": {"indicators": _numbers(sums.get((None, ""), {}))}}


def ranking(conn: Connection, *, level: str, indicator: str, start: dt.date, end: dt.date,
            timezone: str, category: str | None = None, scope: frozenset[int] | None = None,
            now: dt.datetime, rule: str = "not_unsatisfied") -> dict:
    """Units of ``level`` ranked by ``indicator`` over ``[start, end)``, with the previous
    period of equal length (``previous_period``).

    ``{"level", "indicator", "from", "to", "previous": {"from", "to"}, "rows": [{"unit",
    "rank", "value", "numerator", "denominator", "previous_rank", "previous_value",
    "rank_change", "value_change"}]}``: best first (the indicator's ``better``
    direction); equal values share a rank (1, 2, 2, 4); units without a value (null) come
    last with rank null. ``rank_change`` = previous_rank − rank (positive: moved up);
    ``value_change`` = value − previous_value; null when either is missing.
    """
    ind = _indicator(indicator)
    p_start, p_end = previous_period(start, end)
    now_rows = {}
    for key, (a, b) in (("now", (start, end)), ("before", (p_start, p_end))):
        _, _, t0, t1 = params.local_period(a, b, MAX_DAYS, timezone)
        now_rows[key] = evaluate(conn, level=level, t0=t0, t1=t1, category=category,
                                 scope=scope, now=now, rule=rule)["rows"]
    return {"level": level, "indicator": ind.key, "from": start.isoformat(),
            "to": end.isoformat(),
            "previous": {"from": p_start.isoformat(), "to": p_end.isoformat()},
            "rows": rank(now_rows["now"], now_rows["before"], ind.key)}


def rank(rows: list[dict], previous_rows: list[dict], indicator: str) -> list[dict]:
    """``ranking``'s rows from two ``evaluate`` answers' rows (this period, the previous
    one): evaluate each period once and rank by several indicators."""
    ind = _indicator(indicator)
    before = {r["unit"]["code"]: r for r in _ranked(previous_rows, ind)}
    out = []
    for r in _ranked(rows, ind):
        prev = before.get(r["unit"]["code"], {})
        out.append({**r, "previous_rank": prev.get("rank"),
                    "previous_value": prev.get("value"),
                    "rank_change": _minus(prev.get("rank"), r["rank"]),
                    "value_change": _minus(r["value"], prev.get("value"))})
    return out


def trend(conn: Connection, *, level: str, last_month: str, timezone: str,
          indicators: tuple[str, ...] | None = None, months: int = TREND_MONTHS,
          category: str | None = None, scope: frozenset[int] | None = None,
          unit: str | None = None, now: dt.datetime,
          rule: str = "not_unsatisfied") -> dict:
    """Month by month, the ``months`` months ending with ``last_month`` (``YYYY-MM``).

    ``{"level", "months": ["2025-12", ..., "2026-11"], "indicators": [keys], "rows":
    [{"unit": UNIT, "series": {key: [NUMBER per month]}}], "totals": {"series": ...}}``;
    ``unit``: only that unit's row (its code). One statement per family for all months.
    """
    keys = tuple(indicators or KEYS)
    for k in keys:
        _indicator(k)
    first = _add_months(month_period(last_month, timezone)[0], 1 - months)
    names = [_add_months(first, i).strftime("%Y-%m") for i in range(months)]
    _, _, t0, t1 = params.local_period(first, _add_months(first, months), MAX_DAYS, timezone)
    sums = _rolled(conn, level, [(m, *month_period(m, timezone)[2:]) for m in names],
                   category, scope, now, rule)
    if sums is None:  # a month the roll-up does not hold: one pass per family, live
        sums = _sums(conn, level, t0, t1, category, scope, now, rule, timezone, keys)
    rows = []
    for r in _rows(conn, level, scope, sums, None):
        if unit is not None and r["unit"]["code"] != unit:
            continue
        rows.append({"unit": r["unit"], "series": _series(sums, r["unit"]["code"], names,
                                                          keys)})
    return {"level": level, "months": names, "indicators": list(keys), "rows": rows,
            "totals": {"series": _series(sums, None, names, keys)}}


def incidents(conn: Connection, *, level: str, unit: str, indicator: str, part: str,
              t0: dt.datetime, t1: dt.datetime, category: str | None = None,
              scope: frozenset[int] | None = None, now: dt.datetime,
              rule: str = "not_unsatisfied", limit: int = DRILL_LIMIT) -> dict:
    """The incidents counted in ``indicator``'s ``part`` (numerator | denominator) for
    the unit with code ``unit``: ``{"total", "truncated", "incidents": [{"id", "ref",
    "category", "status", "reported_at", "closed_at", "due_at", "address",
    "assignee_id", "department_id", "community_code", "grid_code"}]}`` by id, at most
    ``limit`` (``ref``: the hotline ticket's number, ``external_id``). ``total`` equals
    the number in ``evaluate``'s row."""
    ind = _indicator(indicator)
    if part not in PARTS:
        raise InvalidInput("'part' must be numerator or denominator", param="part")
    total, rows = store.incidents_behind(
        conn, ind=ind, part=part, level=level, unit=unit, t0=t0, t1=t1, category=category,
        scope=_list(scope), now=now, rule=rule, limit=limit)
    listed = [{k: v for k, v in r.items() if k != "total"} for r in rows]
    return {"total": total, "truncated": total > len(listed), "incidents": listed}


# ---- arithmetic ----------------------------------------------------------------------

def _indicator(key: str):
    if key not in BY_KEY:
        raise InvalidInput(f"unknown indicator {key!r}; indicators are {', '.join(KEYS)}",
                           param="indicator")
    return BY_KEY[key]


def _list(scope: frozenset[int] | None) -> list[int] | None:
    return None if scope is None else sorted(scope)


def _sums(conn, level, t0, t1, category, scope, now, rule, monthly_tz,
          asked: tuple[str, ...] | None = None) -> dict:
    """``{(code or None for the totals, bucket): {key: (n, d, x)}}``; the p90s only of
    ``asked`` (None: all)."""
    _check(level, rule)
    out: dict = {}
    if monthly_tz is None:  # a whole kept month: read from the roll-up
        rolled = rollup.sums(conn, level=level, t0=t0, t1=t1, category=category,
                             scope=scope, now=now, rule=rule)
        if rolled is not None:
            return rolled
    # a period: one pass over the facts; a trend: one per family (each its own months)
    for family in (FAMILIES if monthly_tz else (None,)):
        inds, rows = store.family_sums(conn, family=family, level=level, t0=t0, t1=t1,
                                       category=category, scope=_list(scope), now=now,
                                       rule=rule, monthly_tz=monthly_tz, asked=asked)
        _collect(out, inds, rows)
    return out


def _rolled(conn, level, months, category, scope, now, rule) -> dict | None:
    """A trend's sums from the roll-up, month by month; None unless it holds every month."""
    _check(level, rule)
    out: dict = {}
    for name, t0, t1 in months:
        rolled = rollup.sums(conn, level=level, t0=t0, t1=t1, category=category,
                             scope=scope, now=now, rule=rule, bucket=name)
        if rolled is None:
            return None
        out.update(rolled)
    return out


def _check(level: str, rule: str) -> None:
    if level not in LEVELS:
        raise InvalidInput(f"'level' must be one of {', '.join(LEVELS)}", param="level")
    if rule not in RESOLVED_RULES:
        raise InvalidInput(f"the resolved rule must be one of {', '.join(RESOLVED_RULES)}")


def _collect(out: dict, inds, rows) -> None:
    """Sum rows into ``{(code or None, bucket): {key: (n, d, x)}}``."""
    for rec in rows:
        if rec["key"] is None and not rec["total"]:
            continue  # incidents in no unit: only in the totals
        code = None if rec["total"] else str(rec["key"])
        slot = out.setdefault((code, rec["bucket"]), {})
        for i, ind in enumerate(inds):
            slot[ind.key] = (rec[f"n{i}"], rec[f"d{i}"], rec.get(f"x{i}"))


def _numbers(slot: dict) -> dict:
    out = {}
    for key in KEYS:
        ind = BY_KEY[key]
        n, d, x = slot.get(key, (None, 0, None))
        d = int(d or 0)
        if ind.kind == "hours":
            num = None if ind.percentile is not None else round(float(n or 0), 2)
        else:
            num = int(n or 0)
        out[key] = {"value": value(ind, n if ind.kind != "count" else num, d, x),
                    "numerator": num, "denominator": d}
    return out


def _rows(conn, level, scope, sums, bucket) -> list[dict]:
    codes = sorted({code for code, _ in sums if code is not None})
    rows = []
    for u in store.units(conn, level, _list(scope), codes):
        unit = {"level": level, **dict(u)}
        rows.append({"unit": unit, "indicators": None if bucket is None
                     else _numbers(sums.get((u["code"], bucket), {}))})
    return rows


def _series(sums, code, names, keys) -> dict:
    per_month = [_numbers(sums.get((code, m), {})) for m in names]
    return {k: [p[k] for p in per_month] for k in keys}


def _ranked(rows: list[dict], ind) -> list[dict]:
    flat = [{"unit": r["unit"], **r["indicators"][ind.key]} for r in rows]
    valued = [r for r in flat if r["value"] is not None]
    valued.sort(key=lambda r: (-r["value"] if ind.better == "high" else r["value"],
                               r["unit"]["code"]))
    for pos, r in enumerate(valued):
        same = pos and valued[pos - 1]["value"] == r["value"]
        r["rank"] = valued[pos - 1]["rank"] if same else pos + 1
    rest = [{**r, "rank": None} for r in flat if r["value"] is None]
    return valued + rest


def _minus(a, b):
    return None if a is None or b is None else round(a - b, 4)


def _add_months(day: dt.date, n: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + n
    return dt.date(total // 12, total % 12 + 1, 1)
