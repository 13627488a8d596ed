"""Who an incident can go to (the dispatcher's worker picker) and the workers a queue can be
filtered by (one community's): the active grid workers of the caller's communities, with what
``geo.people.schedule`` says of them now (serving the incident's grid, on leave and the
substitute, in duty hours) and the open work each already holds."""

from __future__ import annotations

from sqlalchemy import Connection, text

from geo.core.statuses import OPEN_SQL
from geo.people.schedule import in_hours, leave_of, serving

# Ranks a worker's role for the picker (routing's order: full-time, then the chief).
_ROLE_ORDER = ("CASE m.role WHEN 'full_time' THEN 0 WHEN 'grid_chief' THEN 1"
               " WHEN 'part_time' THEN 2 ELSE 3 END")

# The incident's grid's workers first, then the rest of its community (or, out of area,
# of the caller's communities); those on duty first within each.
_CANDIDATES = f"""
    WITH inc AS (SELECT l.grid_id, l.community_id FROM incidents i
                   LEFT JOIN incident_locations l ON l.incident_id = i.id WHERE i.id = :id)
    SELECT m.id, m.name, m.role, m.public_phone, m.community_id,
           EXISTS (SELECT 1 FROM worker_grids wg WHERE wg.worker_id = m.id
                      AND wg.grid_id = inc.grid_id AND {serving('wg', 'now()')}) AS in_grid,
           lv.worker_id IS NOT NULL AS on_leave, sub.id AS substitute_id,
           sub.name AS substitute_name, {in_hours('m', 'now()')} AS in_hours,
           (SELECT count(*) FROM incidents o WHERE o.assignee_id = m.id
               AND o.status IN {OPEN_SQL}) AS open_work
      FROM inc JOIN grid_members m ON m.active AND (m.community_id = inc.community_id
           OR (inc.community_id IS NULL
               AND (CAST(:scope AS int[]) IS NULL OR m.community_id = ANY(:scope))))
      LEFT JOIN LATERAL ({leave_of('m.id', 'now()')}) lv ON TRUE
      LEFT JOIN grid_members sub ON sub.id = lv.substitute_id AND sub.active
     ORDER BY in_grid DESC, on_leave, in_hours DESC, {_ROLE_ORDER}, m.name, m.id
     LIMIT :limit"""

_WORKERS = f"""
    SELECT m.id, m.name, m.role, c.name AS community_name FROM grid_members m
      JOIN communities c ON c.id = m.community_id
     WHERE m.active AND (CAST(:community AS text) IS NULL OR c.code = :community)
       AND (CAST(:q AS text) IS NULL OR m.name LIKE '%' || :q || '%'
            OR EXISTS (SELECT 1 FROM worker_grids wg JOIN grids g ON g.id = wg.grid_id
                        WHERE wg.worker_id = m.id AND g.code LIKE :q || '%'))
       AND (CAST(:scope AS int[]) IS NULL OR m.community_id = ANY(:scope))
     ORDER BY c.name, {_ROLE_ORDER}, m.name, m.id LIMIT :limit"""


def _scope(scope: frozenset[int] | None) -> list[int] | None:
    return None if scope is None else sorted(scope)


def candidates(conn: Connection, incident_id: int, scope: frozenset[int] | None,
               limit: int) -> list[dict]:
    """The workers who may take incident ``incident_id``, best first (see above)."""
    rows = conn.execute(text(_CANDIDATES), {"id": incident_id, "scope": _scope(scope),
                                            "limit": limit})
    return [dict(r._mapping) for r in rows]


def workers(conn: Connection, scope: frozenset[int] | None, community: str | None,
            q: str | None, limit: int) -> list[dict]:
    """(id, name, role, community_name) of the active workers within ``scope``: of one
    community (a code), and/or whose name contains ``q`` or who serve a grid whose code
    starts with it."""
    rows = conn.execute(text(_WORKERS), {"scope": _scope(scope), "community": community,
                                         "q": q, "limit": limit})
    return [dict(r._mapping) for r in rows]


def community_seen(conn: Connection, community: str, scope: frozenset[int] | None) -> bool:
    """Is there a community of this code within ``scope``?"""
    return conn.execute(text(
        "SELECT EXISTS (SELECT 1 FROM communities WHERE code = :c AND"
        " (CAST(:scope AS int[]) IS NULL OR id = ANY(:scope)))"),
        {"c": community, "scope": _scope(scope)}).scalar()


def names(conn: Connection, ids: list[int]) -> dict[int, str]:
    """Worker id → name, for the ids given."""
    rows = conn.execute(text("SELECT id, name FROM grid_members WHERE id = ANY(:ids)"),
                        {"ids": ids})
    return dict(rows.all())
