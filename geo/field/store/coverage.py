"""SQL of the supervisors' patrol coverage (``geo.field.coverage``): per current grid and per
worker of the caller's communities, over a period."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

# Per current grid in scope: when it was last walked up to :as_of (a patrol that walked it
# from before :as_of on counts as of :as_of at the latest), and over [t0, t1) the patrols
# that walked it, their points in it and the length of their tracks inside it (finished
# patrols have a track; a walking one adds its points but no distance yet).
_GRIDS = """
    WITH g AS (
        SELECT g.id, g.code, g.name, g.geom, c.code AS community_code,
               c.name AS community_name
          FROM grids g JOIN communities c ON c.id = g.community_id
         WHERE g.valid_to IS NULL
           AND (CAST(:scope AS int[]) IS NULL OR g.community_id = ANY(:scope))
           AND (CAST(:community AS text) IS NULL OR c.code = :community))
    SELECT g.id, g.code, g.name, g.community_code, g.community_name, w.last_at,
           coalesce(p.patrols, 0) AS patrols, coalesce(p.points, 0) AS points,
           coalesce(p.distance_m, 0) AS distance_m {geometry}
      FROM g
      LEFT JOIN LATERAL (
            SELECT max(least(pg.last_at, :as_of)) AS last_at FROM patrol_grids pg
             WHERE pg.grid_id = g.id AND pg.first_at < :as_of) w ON true
      LEFT JOIN LATERAL (
            SELECT count(*) AS patrols, sum(pg.points) AS points,
                   sum(CASE WHEN pt.track IS NULL THEN 0
                       ELSE ST_Length(ST_Intersection(pt.track, g.geom)::geography) END)
                       AS distance_m
              FROM patrol_grids pg JOIN patrols pt ON pt.id = pg.patrol_id
             WHERE pg.grid_id = g.id AND pg.first_at < :t1 AND pg.last_at >= :t0) p ON true
     ORDER BY g.code
"""
# Simplified for drawing on the page (about 1 m): a grid is a few dozen vertices.
GEOMETRY = ", ST_AsGeoJSON(ST_SimplifyPreserveTopology(g.geom, 0.00001), 6) AS geometry"


def grids(conn: Connection, *, scope: list[int] | None, community: str | None,
          t0: dt.datetime, t1: dt.datetime, as_of: dt.datetime, geometry: bool) -> list[dict]:
    """One row per current grid in scope (code order)."""
    conn.exec_driver_sql("SET LOCAL statement_timeout = '30s'")
    sql = _GRIDS.format(geometry=GEOMETRY if geometry else "")
    return [dict(r) for r in conn.execute(text(sql), {
        "scope": scope, "community": community, "t0": t0, "t1": t1,
        "as_of": as_of}).mappings()]


# Workers of the scope who patrolled in [t0, t1), and those who could have: active, with
# an active account linked (users.grid_member_id). Time counts finished patrols only.
_WORKERS = """
    SELECT m.id, m.name, m.role, c.code AS community_code, c.name AS community_name,
           count(p.id) AS patrols, count(p.finished_at) AS finished,
           coalesce(sum(p.distance_m), 0) AS distance_m,
           coalesce(sum(extract(epoch FROM p.finished_at - p.started_at)), 0) AS seconds,
           max(p.started_at) AS last_started_at
      FROM grid_members m
      LEFT JOIN communities c ON c.id = m.community_id
      LEFT JOIN patrols p ON p.member_id = m.id AND p.started_at >= :t0
                         AND p.started_at < :t1
     WHERE (CAST(:scope AS int[]) IS NULL OR m.community_id = ANY(:scope))
       AND (CAST(:community AS text) IS NULL OR c.code = :community)
       AND (p.id IS NOT NULL OR (m.active AND EXISTS (
            SELECT 1 FROM users u WHERE u.grid_member_id = m.id AND u.active)))
     GROUP BY m.id, c.code, c.name
     ORDER BY c.code NULLS LAST, m.name, m.id
"""


def workers(conn: Connection, *, scope: list[int] | None, community: str | None,
            t0: dt.datetime, t1: dt.datetime) -> list[dict]:
    return [dict(r) for r in conn.execute(text(_WORKERS), {
        "scope": scope, "community": community, "t0": t0, "t1": t1}).mappings()]


def communities(conn: Connection, scope: list[int] | None) -> list[dict]:
    """(code, name) of the communities in scope, for the page's choice."""
    return [dict(r) for r in conn.execute(text(
        "SELECT code, name FROM communities WHERE CAST(:scope AS int[]) IS NULL"
        " OR id = ANY(:scope) ORDER BY code"), {"scope": scope}).mappings()]
