"""Reading incidents for staff, within the communities they may see.

``scope`` is the set of community ids a caller is limited to, or None for every
community; an incident outside the scope is reported as absent, never as forbidden,
so that its existence is not revealed either.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

REPORTER_FIELDS = ("reporter_name", "reporter_phone")
_SELECT = """
    SELECT i.id, i.category, i.description, i.address, i.source, i.external_id,
           i.reported_at, i.status, i.priority, i.due_at, i.closed_at,
           i.reporter_name, i.reporter_phone,
           ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat,
           l.state AS location_state, l.snap_distance_m,
           g.id AS grid_id, g.code AS grid_code, g.name AS grid_name,
           c.id AS community_id, c.code AS community_code, c.name AS community_name,
           m.id AS assignee_id, m.name AS assignee_name
      FROM incidents i
      LEFT JOIN incident_locations l ON l.incident_id = i.id
      LEFT JOIN grids g ON g.id = l.grid_id
      LEFT JOIN communities c ON c.id = l.community_id
      LEFT JOIN grid_members m ON m.id = i.assignee_id
     WHERE (CAST(:scope AS int[]) IS NULL OR l.community_id = ANY(:scope))
"""


def _scope(scope: frozenset[int] | None) -> list[int] | None:
    return None if scope is None else sorted(scope)


def incident(conn: Connection, incident_id: int, scope: frozenset[int] | None,
             *, with_reporter: bool) -> dict | None:
    row = conn.execute(text(_SELECT + " AND i.id = :id"),
                       {"id": incident_id, "scope": _scope(scope)}).first()
    return _shown(row._mapping, with_reporter) if row else None


def incidents(conn: Connection, scope: frozenset[int] | None, *, with_reporter: bool,
              status: str | None, category: str | None, community: str | None,
              grid: str | None, since: dt.date | None, until: dt.date | None,
              limit: int, offset: int) -> dict:
    """A page of incidents, newest first, with the total that match."""
    where, values = [], {"scope": _scope(scope), "limit": limit, "offset": offset}
    for clause, name, value in (
            ("i.status = :status", "status", status),
            ("i.category = :category", "category", category),
            ("c.code = :community", "community", community),
            ("g.code = :grid", "grid", grid),
            ("i.reported_at >= :since", "since", since),
            ("i.reported_at < CAST(:until AS date) + 1", "until", until)):
        if value is not None:
            where.append(clause)
            values[name] = value
    sql = _SELECT + "".join(f" AND {clause}" for clause in where)
    total = conn.execute(text(f"SELECT count(*) FROM ({sql}) matched"), values).scalar_one()
    rows = conn.execute(text(sql + " ORDER BY i.reported_at DESC, i.id DESC"
                                   " LIMIT :limit OFFSET :offset"), values)
    return {"total": total, "incidents": [_shown(r._mapping, with_reporter) for r in rows]}


def _shown(row, with_reporter: bool) -> dict:
    out = {k: v for k, v in row.items() if with_reporter or k not in REPORTER_FIELDS}
    for key in ("reported_at", "due_at", "closed_at"):
        out[key] = out[key].isoformat() if out[key] else None
    return out
