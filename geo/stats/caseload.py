"""Caseload and performance indicators per grid or community for a period.

Definitions (the page shows them next to the numbers; ``DEFINITIONS`` holds the texts).
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
  ``resolve`` is in the period; reworked means a ``reopen`` (verification failed) or a
  ``return`` (sent back) came after that first resolve.
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
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection, text

from geo.core.errors import InvalidInput
from geo.core.statuses import OPEN_SQL, OVERDUE_SQL

LEVELS = ("grid", "community")
MAX_DAYS = 3660  # a period of at most ten years
IDENTITY = {"grid": ("grid_id", "grid_code", "grid_name", "community_code", "community_name",
                     "households"),
            "community": ("community_id", "community_code", "community_name", "street_name",
                          "households")}
MEASURES = ("count", "per_1000", "open", "overdue")
COUNTS = ("count", "open", "overdue", "closed", "closed_on_time", "resolved", "reworked",
          "responded")
DEFINITIONS = {
    "count": ("事件数：期内上报的事件（合并的重复事件不计）",
              "Count: incidents reported in the period (merged duplicates left out)"),
    "per_1000": ("每千户事件数 = 事件数 × 1000 ÷ 户数",
                 "Per 1,000 households = count × 1000 ÷ households"),
    "open": ("未办结：期内上报、目前仍未办结", "Open: reported in the period, still open now"),
    "overdue": ("超期：期内上报、目前已超期", "Overdue: reported in the period, overdue now"),
    "on_time_rate": ("按期结案率 = 期内按期结案数 ÷ 期内结案数（结案时间不晚于办结时限）",
                     "On-time closure rate = closed by the deadline ÷ closed in the period"),
    "rework_rate": ("返工率 = 首次反馈在期内且其后被重办或回退的事件数 ÷ 首次反馈在期内的事件数",
                    "Rework rate = first resolved in the period and then reopened or "
                    "returned ÷ first resolved in the period"),
    "mean_response_h": ("平均响应时长（小时）= 上报至首次立案或派遣的平均时长",
                        "Mean time to respond (h): report → first accept or dispatch"),
    "mean_close_h": ("平均结案时长（小时）= 期内结案事件从上报到结案的平均时长",
                     "Mean time to close (h): report → close, over incidents closed in "
                     "the period"),
}

# Recompute the facts of a batch of dirty incidents. Frozen copy in migration 0007.
_REFRESH = """
WITH batch AS (
    DELETE FROM stats_dirty WHERE incident_id IN (
        SELECT incident_id FROM stats_dirty ORDER BY incident_id LIMIT :limit
           FOR UPDATE)
    RETURNING incident_id),
gone AS (  -- incidents deleted since (the design never does; a test or a repair might)
    DELETE FROM incident_facts f USING batch
     WHERE f.incident_id = batch.incident_id
       AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = batch.incident_id)),
ev AS (
    SELECT incident_id,
           min(at) FILTER (WHERE action IN ('accept', 'dispatch')) AS responded_at,
           min(at) FILTER (WHERE action = 'resolve') AS resolved_at,
           min(id) FILTER (WHERE action = 'resolve') AS first_resolve_id,
           max(id) FILTER (WHERE action IN ('reopen', 'return')) AS last_rework_id
      FROM incident_events WHERE incident_id IN (SELECT incident_id FROM batch)
     GROUP BY incident_id)
INSERT INTO incident_facts (incident_id, grid_id, community_id, category, reported_at,
                            response_s, resolved_at, reworked, closed_at, close_s, on_time,
                            merged)
SELECT i.id, l.grid_id, l.community_id, i.category, i.reported_at,
       CASE WHEN e.responded_at IS NOT NULL  -- greatest() would turn NULL into 0
            THEN greatest(extract(epoch FROM e.responded_at - i.reported_at), 0) END,
       e.resolved_at, coalesce(e.last_rework_id > e.first_resolve_id, false),
       c.closed_at, CASE WHEN c.closed_at IS NOT NULL
                         THEN greatest(extract(epoch FROM c.closed_at - i.reported_at), 0) END,
       CASE WHEN c.closed_at IS NOT NULL THEN i.due_at IS NULL OR c.closed_at <= i.due_at END,
       i.merged_into_id IS NOT NULL
  FROM batch JOIN incidents i ON i.id = batch.incident_id
  LEFT JOIN incident_locations l ON l.incident_id = i.id
  LEFT JOIN ev e ON e.incident_id = i.id
  CROSS JOIN LATERAL (SELECT CASE WHEN i.status = 'closed' AND i.merged_into_id IS NULL
                                  THEN i.closed_at END AS closed_at) c
ON CONFLICT (incident_id) DO UPDATE SET
    grid_id = EXCLUDED.grid_id, community_id = EXCLUDED.community_id,
    category = EXCLUDED.category, reported_at = EXCLUDED.reported_at,
    response_s = EXCLUDED.response_s, resolved_at = EXCLUDED.resolved_at,
    reworked = EXCLUDED.reworked, closed_at = EXCLUDED.closed_at, close_s = EXCLUDED.close_s,
    on_time = EXCLUDED.on_time, merged = EXCLUDED.merged
"""


# The oldest queued range of a bulk load becomes queued incidents, at most :limit of them
# (every range when :limit is NULL).
_FROM_RANGES = """
WITH taken AS (
    SELECT id, first_id, last_id,
           CASE WHEN CAST(:limit AS bigint) IS NULL THEN last_id
                ELSE least(last_id, first_id + CAST(:limit AS bigint) - 1) END AS upto
      FROM stats_ranges ORDER BY id
     LIMIT CASE WHEN CAST(:limit AS bigint) IS NULL THEN NULL ELSE 1 END FOR UPDATE),
queued AS (
    INSERT INTO stats_dirty (incident_id)
    SELECT generate_series(first_id, upto) FROM taken ON CONFLICT DO NOTHING),
shrunk AS (
    UPDATE stats_ranges r SET first_id = taken.upto + 1
      FROM taken WHERE r.id = taken.id AND taken.upto < taken.last_id)
DELETE FROM stats_ranges r USING taken WHERE r.id = taken.id AND taken.upto >= taken.last_id
"""


@contextmanager
def deferred(conn: Connection, ids: np.ndarray) -> Iterator[None]:
    """For a bulk loader writing incidents ``ids`` (and their events and locations) in the
    caller's transaction: the statistics triggers skip its statements, and the ids are
    queued as a few ranges instead (one row per run of consecutive ids), which
    ``refresh`` turns into queued incidents a batch at a time."""
    conn.exec_driver_sql("SET LOCAL gridmap.stats_deferred = 'on'")
    try:
        yield
    finally:
        conn.exec_driver_sql("SET LOCAL gridmap.stats_deferred = 'off'")
    ordered = np.unique(np.asarray(ids, dtype=np.int64))
    if ordered.size:
        breaks = np.flatnonzero(np.diff(ordered) != 1)
        firsts = np.concatenate([[ordered[0]], ordered[breaks + 1]])
        lasts = np.concatenate([ordered[breaks], [ordered[-1]]])
        conn.execute(text("INSERT INTO stats_ranges (first_id, last_id)"
                          " SELECT * FROM unnest(CAST(:a AS bigint[]), CAST(:b AS bigint[]))"),
                     {"a": firsts.tolist(), "b": lasts.tolist()})


def refresh(conn: Connection, limit: int | None = 20_000) -> int:
    """Recompute the facts of at most ``limit`` (None: all) dirty incidents; how many.

    Runs in the caller's transaction (commit it). Rows another refresh is working on are
    waited for (then found done), so that a request never reads facts older than the
    changes committed before it; more than ``limit`` changes at once (a bulk import)
    are caught up over the next requests, or at once by ``flask stats refresh``. The
    oldest range a bulk load queued (``deferred``) is turned into queued incidents
    first, up to ``limit`` of them.
    """
    conn.execute(text(_FROM_RANGES), {"limit": limit})
    done = conn.execute(text(_REFRESH), {"limit": limit}).rowcount
    return max(done, 0)


def category_codes(conn: Connection) -> list[str]:
    return list(conn.execute(text("SELECT code FROM categories ORDER BY code")).scalars())


def community_id(conn: Connection, code: str) -> int | None:
    return conn.execute(text("SELECT id FROM communities WHERE code = :c"),
                        {"c": code}).scalar()


def pending(conn: Connection) -> int:
    return conn.execute(text(
        "SELECT (SELECT count(*) FROM stats_dirty)"
        " + (SELECT coalesce(sum(last_id - first_id + 1), 0) FROM stats_ranges)")).scalar_one()


def period(start: dt.date | None, end: dt.date | None, today: dt.date,
           timezone: str) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    """``[start, end)`` as dates and as instants; default: the 30 days up to today.

    >>> d = dt.date
    >>> period(d(2025, 5, 1), d(2025, 6, 1), d(2025, 7, 1), "Asia/Shanghai")[2].isoformat()
    '2025-05-01T00:00:00+08:00'
    """
    end = end or today + dt.timedelta(days=1)
    start = start or end - dt.timedelta(days=30)
    if start >= end:
        raise InvalidInput(f"'from' ({start}) must be before 'to' ({end}); the period is "
                           "[from, to)", param="from")
    if (end - start).days > MAX_DAYS:
        raise InvalidInput(f"the period may span at most {MAX_DAYS} days", param="to")
    zone = ZoneInfo(timezone)
    return (start, end, dt.datetime.combine(start, dt.time(), zone),
            dt.datetime.combine(end, dt.time(), zone))


def _sums(key: str) -> str:
    """Per ``key`` (grid version or community id): every count the measures need."""
    facts = ("FROM incident_facts WHERE (CAST(:category AS text) IS NULL OR category ="
             " :category) AND (CAST(:scope AS int[]) IS NULL OR community_id = ANY(:scope))")
    z = "0::bigint"
    return f"""
    SELECT {key} AS key, sum(n) AS count, sum(o) AS open, sum(od) AS overdue,
           sum(cl) AS closed, sum(ot) AS closed_on_time, sum(cs) AS close_s,
           sum(rs) AS resolved, sum(rw) AS reworked, sum(rp) AS responded,
           sum(rps) AS response_s
      FROM (
        SELECT {key}, count(*) AS n, {z} o, {z} od, {z} cl, {z} ot, 0 cs, {z} rs, {z} rw,
               count(response_s) rp, sum(response_s) rps
          {facts} AND NOT merged AND reported_at >= :t0 AND reported_at < :t1 GROUP BY 1
        UNION ALL
        SELECT {key}, 0, 0, 0, count(*), count(*) FILTER (WHERE on_time), sum(close_s),
               0, 0, 0, 0
          {facts} AND closed_at >= :t0 AND closed_at < :t1 GROUP BY 1
        UNION ALL
        SELECT {key}, 0, 0, 0, 0, 0, 0, count(*), count(*) FILTER (WHERE reworked), 0, 0
          {facts} AND NOT merged AND resolved_at >= :t0 AND resolved_at < :t1 GROUP BY 1
        UNION ALL
        SELECT l.{key}, 0, count(*), count(*) FILTER (WHERE {OVERDUE_SQL}), 0, 0, 0, 0, 0,
               0, 0
          FROM incidents i LEFT JOIN incident_locations l ON l.incident_id = i.id
         WHERE i.status IN {OPEN_SQL} AND i.reported_at >= :t0 AND i.reported_at < :t1
           AND (CAST(:category AS text) IS NULL OR i.category = :category)
           AND (CAST(:scope AS int[]) IS NULL OR l.community_id = ANY(:scope))
         GROUP BY 1) parts
     GROUP BY 1"""


_SUM_COLUMNS = ("count", "open", "overdue", "closed", "closed_on_time", "close_s", "resolved",
                "reworked", "responded", "response_s")
_ADDED = ", ".join(f"sum({c}) AS {c}" for c in _SUM_COLUMNS)
_GRID_ROWS = f"""
WITH sums AS ({_sums("grid_id")}),
mapped AS (  -- a grid version's numbers go to the current grid with its code
    SELECT cur.id AS current_id, {_ADDED}
      FROM sums LEFT JOIN grids v ON v.id = sums.key
      LEFT JOIN grids cur ON cur.code = v.code AND cur.valid_to IS NULL
     GROUP BY 1)
SELECT g.id AS grid_id, g.code AS grid_code, g.name AS grid_name,
       c.code AS community_code, c.name AS community_name,
       coalesce(g.households, (SELECT sum(b.households)::int FROM buildings b
                                WHERE b.grid_id = g.id), 0) AS households, m.*
  FROM grids g JOIN communities c ON c.id = g.community_id
  LEFT JOIN mapped m ON m.current_id = g.id
 WHERE g.valid_to IS NULL AND (CAST(:scope AS int[]) IS NULL OR g.community_id = ANY(:scope))
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, m.* FROM mapped m WHERE m.current_id IS NULL
"""
_COMMUNITY_ROWS = f"""
WITH sums AS ({_sums("community_id")})
SELECT c.id AS community_id, c.code AS community_code, c.name AS community_name,
       c.street_name, coalesce(c.households, (SELECT sum(b.households)::int FROM buildings b
                                               WHERE b.community_id = c.id), 0) AS households,
       s.*
  FROM communities c LEFT JOIN sums s ON s.key = c.id
 WHERE CAST(:scope AS int[]) IS NULL OR c.id = ANY(:scope)
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, s.* FROM sums s WHERE s.key IS NULL
"""


def caseload(conn: Connection, *, level: str, t0: dt.datetime, t1: dt.datetime,
             category: str | None, scope: frozenset[int] | None) -> dict:
    """Rows per current grid or per community (code order), ``outside`` and ``totals``.

    Every grid/community in ``scope`` (None: all) has a row, with zeros when nothing
    happened in it; rates and means are None when their denominator is 0.
    """
    sql = _GRID_ROWS if level == "grid" else _COMMUNITY_ROWS
    conn.execute(text("SET LOCAL statement_timeout = '10s'"))
    result = conn.execute(text(sql), {
        "t0": t0, "t1": t1, "category": category,
        "scope": None if scope is None else sorted(scope)})
    rows, outside = [], _measures({}, 0)
    for rec in result.mappings():
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
