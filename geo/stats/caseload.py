"""Caseload and performance indicators per grid or community for a period.

按期结案率, 返工率 and the mean times are the evaluation's too (``geo.stats.indicators``,
docs/evaluation.md): the same fact columns over the same incidents, one definition.

Definitions (the page and the API say them in words: ``app.api.stats.definitions``).
The period ``[from, to)`` is in local days of the ``TIMEZONE`` setting: from 00:00 on
``from`` up to, not including, 00:00 on ``to``. ``category`` narrows every measure.

- **count** (事件数): incidents *reported* in the period, merged duplicates (``merge``)
  left out: the problem is counted once, under the incident it was merged into.
- **per 1,000 households** (每千户事件数): count × 1000 / households; households are the
  grid's own figure, else the sum of its buildings' (a community's likewise); no value
  (``null``) when there are no households.
- **open** (未办结) and **overdue** (超期): of the incidents reported in the period, those
  open *now* and those overdue now, as ``geo.core.statuses.OPEN_SQL`` and ``OVERDUE_SQL`` say.
- **on-time closure rate** (按期结案率) = closed on time / closed, over the incidents
  *closed* in the period (``closed_at`` in it; merges are not closures); on time means
  ``closed_at <= due_at`` (no deadline: on time).
- **rework rate** (返工率) = reworked / resolved, over the incidents whose *first*
  ``resolve`` is in the period; reworked means a ``rework`` or ``reopen`` (verification
  failed) or a ``return`` (sent back) came after that first resolve.
- **mean time to respond** (平均响应时长, hours): reported → the first ``accept`` or
  ``dispatch`` event, over the incidents reported in the period that have one.
- **mean time to close** (平均结案时长, hours): reported → closed, over the incidents
  closed in the period. Both in calendar hours.

Grid level lists the current grids; an incident counts under the grid version it was
located in, shown under the current grid with that code. Incidents in no grid (out of
area, not yet located, or in a grid version no current grid continues) are in ``outside``.

How this stays fast and current: the times above come from the event history, too slow
to join for a whole city on every request (1.5 s for one month of the ``city`` demo).
``incident_facts`` keeps one narrow row per incident with them. Statement-level triggers
on ``incidents``, ``incident_events`` and ``incident_locations`` put every changed
incident into ``stats_dirty`` in the writer's own transaction; ``refresh`` (run before
each statistics request, at most 20,000 incidents at a time, and by ``flask stats
refresh``) recomputes the facts of those incidents, so a request sees every change
committed before it. ``open``/``overdue``
depend on the clock, so they are counted live (the open incidents are a few per cent).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from geo.core import params
from geo.stats import store

LEVELS = ("grid", "community")
MAX_DAYS = 3660  # a period of at most ten years
IDENTITY = {"grid": ("grid_id", "grid_code", "grid_name", "community_code", "community_name",
                     "households"),
            "community": ("community_id", "community_code", "community_name", "street_name",
                          "households")}
MEASURES = ("count", "per_1000", "open", "overdue")
COUNTS = ("count", "open", "overdue", "closed", "closed_on_time", "resolved", "reworked",
          "responded")


def refresh(conn: Connection, limit: int | None = 20_000) -> int:
    """Recompute the facts of at most ``limit`` (None: all) dirty incidents; how many.

    Runs in the caller's transaction (commit it). Rows another refresh is working on are
    waited for (then found done), so that a request never reads facts older than the
    changes committed before it; more than ``limit`` changes at once (a bulk import)
    are caught up over the next requests, or at once by ``flask stats refresh``. The
    oldest range of ids queued in ``stats_ranges`` is turned into queued incidents
    first, up to ``limit`` of them. The facts' triggers queue the evaluation's monthly
    roll-up rows they change; ``geo.stats.rollup.refresh`` rewrites them (the
    evaluation's requests run it after this one: the caseload's do not wait for it).
    """
    return store.refresh_facts(conn, limit)


def category_codes(conn: Connection) -> list[str]:
    """Every incident category code, in order."""
    return store.category_codes(conn)


def community_id(conn: Connection, code: str) -> int | None:
    """The id of the community with ``code``, or None."""
    return store.community_id(conn, code)


def pending(conn: Connection) -> int:
    """Incidents whose facts wait for a refresh."""
    return store.pending(conn)


def period(start: dt.date | None, end: dt.date | None, today: dt.date,
           timezone: str) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    """``[start, end)`` as dates and as instants; default: the 30 days up to today.

    >>> d = dt.date
    >>> period(d(2025, 5, 1), d(2025, 6, 1), d(2025, 7, 1), "Asia/Shanghai")[2].isoformat()
    '2025-05-01T00:00:00+08:00'
    """
    end = end or today + dt.timedelta(days=1)
    start = start or end - dt.timedelta(days=30)
    return params.local_period(start, end, MAX_DAYS, timezone)


def caseload(conn: Connection, *, level: str, t0: dt.datetime, t1: dt.datetime,
             category: str | None, scope: frozenset[int] | None) -> dict:
    """Rows per current grid or per community (code order), ``outside`` and ``totals``.

    Every grid/community in ``scope`` (None: all) has a row, with zeros when nothing
    happened in it; rates and means are None when their denominator is 0.
    """
    result = store.caseload_sums(conn, level=level, t0=t0, t1=t1, category=category,
                        scope=None if scope is None else sorted(scope))
    rows, outside = [], _measures({}, 0)
    for rec in result:
        if rec[f"{level}_code"] is None:
            outside = _measures(rec, 0)
            continue
        ident = {k: rec[k] for k in IDENTITY[level]}
        rows.append({**ident, **_measures(rec, ident["households"])})
    rows.sort(key=lambda r: r[f"{level}_code"])
    return {"rows": rows, "outside": outside, "totals": _totals(rows, outside)}


def _measures(rec, households: int | None) -> dict:
    n = {c: int(rec.get(c) or 0) for c in COUNTS}
    seconds = {c: float(rec.get(c) or 0) for c in ("close_s", "response_s")}
    return _derived(n, seconds, households)


def _derived(n: dict, seconds: dict, households: int | None) -> dict:
    def ratio(a: float, b: float, digits: int = 4) -> float | None:
        return round(a / b, digits) if b else None

    out = {"count": n["count"],
           "per_1000": ratio(n["count"] * 1000, households or 0, 2),
           "open": n["open"], "overdue": n["overdue"], "closed": n["closed"],
           "closed_on_time": n["closed_on_time"],
           "on_time_rate": ratio(n["closed_on_time"], n["closed"]),
           "resolved": n["resolved"], "reworked": n["reworked"],
           "rework_rate": ratio(n["reworked"], n["resolved"]),
           "responded": n["responded"],
           "mean_response_h": ratio(seconds["response_s"] / 3600, n["responded"], 2),
           "mean_close_h": ratio(seconds["close_s"] / 3600, n["closed"], 2)}
    out["_seconds"] = seconds
    return out


def _totals(rows: list[dict], outside: dict) -> dict:
    everything = [*rows, outside]
    n = {c: sum(r[c] for r in everything) for c in COUNTS}
    seconds = {c: sum(r["_seconds"][c] for r in everything) for c in ("close_s", "response_s")}
    households = sum(r["households"] for r in rows)
    for r in everything:
        del r["_seconds"]
    totals = _derived(n, seconds, households)
    del totals["_seconds"]
    return {"households": households, **totals}
