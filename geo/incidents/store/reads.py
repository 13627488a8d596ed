"""Reading incidents for staff, within the communities they may see.

``scope`` is the set of community ids a caller is limited to, or None for every
community; an incident outside the scope is reported as absent, never as forbidden,
so that its existence is not revealed either.

Overdue (shown wherever work is listed): an open incident (``geo.core.statuses.OPEN``) past its
resolution deadline ``due_at``, or still ``reported`` past its response deadline
``response_due_at``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from geo.core.params import Box
from geo.core.statuses import OPEN, OPEN_SQL, OVERDUE_SQL
from geo.pg.prepared import Prepared

REPORTER_FIELDS = ("reporter_name", "reporter_phone")
# A grid worker's lists hold only their tasks: assigned to them, or in a grid they serve
# today (``worker`` = their grid member id; 0 for an account linked to none: nothing).
WORKER_TASKS = ("(i.assignee_id = :worker OR l.grid_id IN"
                " (SELECT grid_id FROM worker_grids_now WHERE worker_id = :worker))")
ORDERS = {
    "newest": "i.reported_at DESC, i.id DESC",
    # the work queue: overdue first, urgent (priority 1) first within overdue and not,
    # then the nearest deadline
    "due": f"{OVERDUE_SQL} DESC, i.priority = 1 DESC, i.due_at ASC NULLS LAST, i.id",
}

_SELECT = f"""
    SELECT i.id, i.category, i.description, i.address, i.source, i.external_id,
           i.reported_at, i.status, i.priority, i.due_at, i.response_due_at, i.closed_at,
           i.updated_at, i.reporter_name, i.reporter_phone,
           {OVERDUE_SQL} AS overdue,
           ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat,
           l.state AS location_state, l.snap_distance_m,
           g.id AS grid_id, g.code AS grid_code, g.name AS grid_name,
           c.id AS community_id, c.code AS community_code, c.name AS community_name,
           m.id AS assignee_id, m.name AS assignee_name, m.role AS assignee_role,
           i.routed_to, bld.code AS building_code,
           bg.code AS boundary_grid_code, bg.name AS boundary_grid_name,
           round(i.boundary_distance_m::numeric, 1)::float8 AS boundary_distance_m,
           i.duplicate_of_id, i.merged_into_id,
           ov.id AS overlay_id, ov.name AS overlay_name, ov.kind AS overlay_kind,
           ov.unit AS overlay_unit,
           coalesce(od.name, ov.company_name, ov.grid_code) AS overlay_unit_name,
           coalesce(ov.company_phone, od.contact_phone) AS overlay_unit_phone,
           cat.precedence AS overlay_precedence,
           i.department_id, dep.name AS department_name
      FROM incidents i
      LEFT JOIN incident_locations l ON l.incident_id = i.id
      LEFT JOIN grids g ON g.id = l.grid_id
      LEFT JOIN communities c ON c.id = l.community_id
      LEFT JOIN grid_members m ON m.id = i.assignee_id
      LEFT JOIN buildings bld ON bld.id = i.building_id
      LEFT JOIN grids bg ON bg.id = i.boundary_grid_id
      -- why it went where it went: the responsibility overlay it was routed by
      LEFT JOIN overlays ov ON ov.id = i.overlay_id AND i.routed_to = 'overlay'
      LEFT JOIN departments od ON od.id = ov.department_id
      LEFT JOIN categories cat ON cat.code = i.category AND ov.id IS NOT NULL
      LEFT JOIN departments dep ON dep.id = i.department_id
     WHERE (CAST(:scope AS int[]) IS NULL OR l.community_id = ANY(:scope))
"""


def _scope(scope: frozenset[int] | None) -> list[int] | None:
    return None if scope is None else sorted(scope)


# The history rides along with the incident: one round trip for the whole answer.
_HISTORY = """
    (SELECT coalesce(json_agg(json_build_object(
                'id', e.id, 'at', e.at, 'actor', e.actor, 'action', e.action,
                'from_status', e.from_status, 'to_status', e.to_status, 'note', e.note,
                'details', e.details, 'fix', CASE WHEN e.fix IS NOT NULL THEN
                json_build_object('lon', ST_X(e.fix), 'lat', ST_Y(e.fix),
                                  'accuracy_m', e.fix_accuracy_m,
                                  'distance_m', e.fix_distance_m,
                                  'far', coalesce((e.details->>'far')::boolean, false)) END)
                ORDER BY e.at, e.id), '[]'::json)
       FROM incident_events e WHERE e.incident_id = i.id) AS history"""
# A resident's report (its reference, the public reply, whether it has a photo), and the
# building nearest the point within NEAREST_M (its address reads better than coordinates).
NEAREST_M = 100
_REPORT = f"""
    (SELECT json_build_object('reference', r.reference, 'public_note', r.public_note,
                'public_note_at', r.public_note_at, 'photo', r.photo IS NOT NULL)
       FROM resident_reports r WHERE r.incident_id = i.id) AS resident_report,
    (SELECT json_build_object('code', b.code, 'name', b.name, 'address', b.address,
                'distance_m', round(ST_Distance(b.geom::geography,
                                                i.geom::geography)::numeric, 1))
       FROM buildings b
      WHERE b.geom && ST_Expand(i.geom, {NEAREST_M} / 70000.0)
        AND ST_DWithin(b.geom::geography, i.geom::geography, {NEAREST_M})
      ORDER BY b.geom <-> i.geom, b.code LIMIT 1) AS nearest_building"""
# Prepared: planning this many joins costs more than running them for one incident.
_ONE = Prepared.of("gridmap_incident_v3", _SELECT.replace(
    "\n      FROM incidents i", f",{_HISTORY},{_REPORT}\n      FROM incidents i", 1)
    + " AND i.id = :id", {"id": "bigint", "scope": "int[]"})


def incident(conn: Connection, incident_id: int, scope: frozenset[int] | None,
             *, with_reporter: bool) -> dict | None:
    """One incident with its history (oldest event first)."""
    row = _ONE.run(conn, {"id": incident_id, "scope": _scope(scope)}).first()
    if row is None:
        return None
    out = _shown(row._mapping, with_reporter)
    for event in out["history"]:  # the same ISO form as every other time in the answer
        event["at"] = dt.datetime.fromisoformat(event["at"]).isoformat()
    return out


# The call-back worklist (回访): closed in the last :callback_days days, and no rating —
# the reporter's or a phone call-back's — since that closure.
CALLBACK_DUE = """(i.status = 'closed'
    AND i.closed_at >= now() - make_interval(days => CAST(:callback_days AS int))
    AND NOT EXISTS (SELECT 1 FROM incident_ratings r
                     WHERE r.incident_id = i.id AND r.at >= i.closed_at))"""


def incidents(conn: Connection, scope: frozenset[int] | None, *, with_reporter: bool,
              status: tuple[str, ...] | None = None, category: str | None = None,
              community: str | None = None, grid: str | None = None,
              since: dt.date | None = None, until: dt.date | None = None,
              overdue: bool | None = None, assignee: int | None = None,
              unassigned: bool = False, box: Box | None = None, order: str = "newest",
              search: str | None = None, limit: int = 100, offset: int = 0,
              worker: int | None = None, department: int | None = None,
              escalated: bool = False, callback_days: int | None = None) -> dict:
    """A page of incidents with the total that match and how many of those are overdue.
    ``search``: see :func:`_search`; ``worker``: see :data:`WORKER_TASKS`;
    ``callback_days``: see :data:`CALLBACK_DUE`."""
    where, values = [], {"scope": _scope(scope), "limit": limit, "offset": offset}
    if worker is not None:
        where.append(WORKER_TASKS)
        values["worker"] = worker
    if search:
        clause, found = _search(search, with_reporter)
        where.append(clause)
        values.update(found)
    for clause, name, value in (
            ("i.status = ANY(:status)", "status", list(status) if status else None),
            ("i.category = :category", "category", category),
            ("c.code = :community", "community", community),
            ("g.code = :grid", "grid", grid),
            ("i.assignee_id = :assignee", "assignee", assignee),
            ("i.department_id = :department", "department", department),
            ("i.reported_at >= :since", "since", since),
            ("i.reported_at < CAST(:until AS date) + 1", "until", until)):
        if value is not None:
            where.append(clause)
            values[name] = value
    if unassigned:
        where.append("i.assignee_id IS NULL")
    if escalated:
        where.append("i.department_id IS NOT NULL")
    if callback_days is not None:
        where.append(CALLBACK_DUE)
        values["callback_days"] = callback_days
    if overdue is not None:
        where.append(OVERDUE_SQL if overdue else f"NOT {OVERDUE_SQL}")
    if box is not None:
        where.append("i.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)")
        values.update(zip(("x0", "y0", "x1", "y1"), box, strict=True))
    sql = _SELECT + "".join(f" AND {clause}" for clause in where)
    if search:
        history = not status or not set(status) <= set(OPEN)
        return _searched(conn, sql, values, order, with_reporter,
                         WINDOWS_DAYS if history else (None,))
    total, late = conn.execute(text(
        f"SELECT count(*), count(*) FILTER (WHERE overdue) FROM ({sql}) matched"),
        values).one()
    rows = conn.execute(text(f"{sql} ORDER BY {ORDERS[order]} LIMIT :limit OFFSET :offset"),
                        values)
    return {"total": total, "overdue": late, "total_capped": False,
            "incidents": [_shown(r._mapping, with_reporter) for r in rows]}


# A search reads at most its SEARCH_CAP newest matches (issue 24): a common word over every
# status and year matches a share of the whole history, and counting and sorting all of it
# grows with the history (past the statement timeout at 10M). The newest matches are found
# walking ix_incidents_reported_at backwards, or for a rare word through the search's own
# indexes: either way the rows read are bounded by the cap, not by the history.
SEARCH_CAP = 10_000
# ... and the planner, which cannot tell how many rows ILIKE keeps, would read every row
# the word's index entries name (a common word: 670,000 of 10M incidents, 1.7 s) to keep
# the newest. So the search asks the last 30 days first: if they hold more than SEARCH_CAP
# matches, the newest SEARCH_CAP are among them (any other match is older); else it asks
# every year. A common word then reads a month of its entries (the index's bitmap ANDed
# with the month's stretch of ix_incidents_reported_at: the same month at 1M and at 10M);
# a rare word or a phone reads its few entries twice. (A year between the two cost a phone
# search more at 10M than it saved anyone.) A search of open work alone skips the month
# (:func:`_searched`).
WINDOWS_DAYS = (30, None)
_FROM = _SELECT.index("\n      FROM incidents i")


def _searched(conn: Connection, sql: str, values: dict, order: str, with_reporter: bool,
              windows: tuple[int | None, ...]) -> dict:
    """:func:`incidents` for a search: the page is chosen, in ``order``, among the newest
    SEARCH_CAP matches; ``total``/``overdue`` count those, and ``total_capped`` says there
    are more (the counts are then lower bounds: the console shows "10,000+"). ``windows``:
    :data:`WINDOWS_DAYS` for a search that reaches into the history; open work alone (a
    few per cent of the table, and none of it old) is asked at once."""
    lean = f"SELECT i.id, {OVERDUE_SQL} AS overdue" + sql[_FROM:]
    for days in windows:
        window = ("" if days is None else
                  " AND i.reported_at >= now() - make_interval(days => :window_days)")
        hits = conn.execute(text(f"{lean}{window} ORDER BY i.reported_at DESC, i.id DESC"
                                 " LIMIT :cap + 1"),
                            {**values, "cap": SEARCH_CAP, "window_days": days}).all()
        if len(hits) > SEARCH_CAP:
            break
    capped = len(hits) > SEARCH_CAP
    hits = hits[:SEARCH_CAP]
    rows = conn.execute(text(
        f"{sql} AND i.id = ANY(CAST(:hits AS bigint[]))"
        f" ORDER BY {ORDERS[order]} LIMIT :limit OFFSET :offset"),
        {**values, "hits": [h.id for h in hits]}) if hits else []
    return {"total": len(hits), "overdue": sum(1 for h in hits if h.overdue),
            "total_capped": capped,
            "incidents": [_shown(r._mapping, with_reporter) for r in rows]}


# A word of two characters or more in a column: its pieces index (0024_pieces: the
# column's two-character pieces, lower-cased, and the four-digit pieces of its runs of
# digits) finds the rows holding every piece the word asks for (a phone: its four-digit
# pieces, whose entries are few, not its two-digit ones, which house numbers make common),
# and ILIKE keeps those that hold the word itself, so the answer is ILIKE's exactly.
# pg_trgm's three-character pieces could not serve a two-character word (积水). A word of
# one character has no piece: ILIKE alone, no index; the search's cap bounds it (the
# newest SEARCH_CAP matches, walking ix_incidents_reported_at backwards).
WORD = "(text_pieces({col}) @> query_pieces(:q) AND {col} ILIKE :q_like)"
CHAR = "{col} ILIKE :q_like"


def _search(q: str, with_reporter: bool) -> tuple[str, dict]:
    """What a dispatcher types in the queue's search box: an incident number (``123`` or
    ``#123``), a hotline ticket (``external_id``), words of the description or address
    (:data:`WORD`), and, for those who may see reporters, a reporter's phone (digits only
    compared, so ``138-0000-1111`` finds ``13800001111``: a repeat caller's other
    incidents)."""
    q = q.strip()
    digits = "".join(ch for ch in q if ch.isascii() and ch.isdigit())
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    word = WORD if len(q) >= 2 else CHAR
    ors = ["i.external_id = :q", *(word.format(col=f"i.{col}") for col in ("description",
                                                                           "address"))]
    values = {"q": q, "q_like": like}
    number = q.removeprefix("#")
    if number.isascii() and number.isdigit() and len(number) < 10:  # an id fits an int
        ors.append("i.id = :q_id")
        values["q_id"] = int(number)
    if with_reporter and len(digits) >= 5:
        ors.append("regexp_replace(i.reporter_phone, '\\D', '', 'g') = :q_digits")
        values["q_digits"] = digits
    return "(" + " OR ".join(ors) + ")", values


def counts(conn: Connection, scope: frozenset[int] | None, worker: int | None = None) -> dict:
    """Open work by status, with the overdue among it, for the caller's communities (a
    grid worker's: their tasks)."""
    mine = f"AND {WORKER_TASKS}" if worker is not None else ""
    rows = conn.execute(text(f"""
        SELECT i.status, count(*) AS n, count(*) FILTER (WHERE {OVERDUE_SQL}) AS overdue
          FROM incidents i JOIN incident_locations l ON l.incident_id = i.id
         WHERE i.status IN {OPEN_SQL}
           AND (CAST(:scope AS int[]) IS NULL OR l.community_id = ANY(:scope)) {mine}
         GROUP BY i.status"""), {"scope": _scope(scope), "worker": worker})
    by_status = {status: {"count": 0, "overdue": 0} for status in OPEN}
    for status, n, late in rows:
        by_status[status] = {"count": n, "overdue": late}
    return {"open": sum(v["count"] for v in by_status.values()),
            "overdue": sum(v["overdue"] for v in by_status.values()),
            "by_status": by_status}


def open_points(conn: Connection, scope: frozenset[int] | None, box: Box | None,
                limit: int, worker: int | None = None) -> dict:
    """Open incidents as compact points for a map: ``[id, lon, lat, status, overdue]``,
    overdue and then the nearest deadline first, at most ``limit`` (a grid worker's: their
    tasks)."""
    where, values = "", {"scope": _scope(scope), "limit": limit, "worker": worker}
    if worker is not None:
        where = f"AND {WORKER_TASKS} "
    if box is not None:
        where += "AND i.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)"
        values.update(zip(("x0", "y0", "x1", "y1"), box, strict=True))
    rows = conn.execute(text(f"""
        SELECT i.id, round(ST_X(i.geom)::numeric, 6)::float8,
               round(ST_Y(i.geom)::numeric, 6)::float8, i.status, {OVERDUE_SQL}
          FROM incidents i JOIN incident_locations l ON l.incident_id = i.id
         WHERE i.status IN {OPEN_SQL} AND i.geom IS NOT NULL {where}
           AND (CAST(:scope AS int[]) IS NULL OR l.community_id = ANY(:scope))
         ORDER BY {ORDERS['due']} LIMIT :limit + 1"""), values).all()
    return {"points": [list(r) for r in rows[:limit]], "truncated": len(rows) > limit}


def _shown(row, with_reporter: bool) -> dict:
    out = {k: v for k, v in row.items() if with_reporter or k not in REPORTER_FIELDS}
    for key in ("reported_at", "due_at", "response_due_at", "closed_at", "updated_at"):
        out[key] = out[key].isoformat() if out[key] else None
    out["boundary"] = ({"grid_code": out.pop("boundary_grid_code"),
                        "grid_name": out.pop("boundary_grid_name"),
                        "distance_m": out.pop("boundary_distance_m")}
                       if out["boundary_grid_code"] else None)
    for key in ("boundary_grid_code", "boundary_grid_name", "boundary_distance_m"):
        out.pop(key, None)
    overlay = {key: out.pop(f"overlay_{key}") for key in _OVERLAY}
    out["overlay"] = overlay if overlay["id"] is not None else None
    return out


# What the dispatcher is told of the overlay an incident was routed by.
_OVERLAY = ("id", "name", "kind", "unit", "unit_name", "unit_phone", "precedence")


def in_scope(conn: Connection, incident_id: int, scope: frozenset[int] | None) -> bool:
    """Whether the incident exists within ``scope``."""
    return conn.execute(text(
        "SELECT 1 FROM incidents i LEFT JOIN incident_locations l ON l.incident_id = i.id"
        " WHERE i.id = :id AND (CAST(:scope AS int[]) IS NULL OR l.community_id = ANY(:scope))"),
        {"id": incident_id, "scope": _scope(scope)}).first() is not None
