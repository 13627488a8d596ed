"""Where a redraw sends each open incident of the community, and to whom.

One rule, used by the impact report (what *would* happen) and by publishing (what does):

- An open incident a dispatcher **moved** by hand keeps its grid code when the new grids
  still have it.
- Otherwise it is located again by the assignment rule of :mod:`geo.places.assign` (covered,
  lowest code on an edge; else snapped within ``ASSIGN_SNAP_METERS``; else out of area)
  against the new grids.
- Its worker stays when its grid code stays. When the code changes it is routed again by
  the rule of :mod:`geo.incidents.routing` for the new grid: the workers of a grid code are the
  ones publishing carries over to its new version (the current grid's workers of that
  code); a new code has none yet, so such incidents become ``unassigned``.

Closed incidents are never moved: they stay in the grid version they arrived in.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from geo.core.statuses import OPEN_SQL
from geo.incidents.routing import assignee_rule
from geo.places.assign import locate_sql
from geo.plans.side import Side, grids_sql

_MOVES = """
    WITH side AS MATERIALIZED ({side})
    SELECT i.id, i.status, i.category, l.grid_id AS grid_from, gf.code AS code_from,
           l.state AS state_from, i.assignee_id AS assignee_from, i.routed_to AS routed_from,
           sg.code AS code_to, dest.state AS state_to, dest.distance_m,
           CASE WHEN sg.code IS NOT DISTINCT FROM gf.code THEN i.assignee_id
                ELSE a.assignee_id END AS assignee_to,
           CASE WHEN sg.code IS NOT DISTINCT FROM gf.code THEN i.routed_to
                WHEN s.route_to = 'community_office' THEN 'community_office'
                ELSE coalesce(a.routed_to, 'unassigned') END AS routed_to
      FROM incidents i
      JOIN incident_locations l ON l.incident_id = i.id
      LEFT JOIN grids gf ON gf.id = l.grid_id
     CROSS JOIN LATERAL (SELECT coalesce((SELECT c.route_to FROM categories c
                                           WHERE c.code = i.category), 'grid') AS route_to) s
     CROSS JOIN LATERAL (
            (SELECT m.id AS grid_id, 'moved' AS state, NULL::float8 AS distance_m
               FROM side m WHERE l.state = 'moved' AND m.code = gf.code ORDER BY m.id LIMIT 1)
            UNION ALL
            (SELECT r.grid_id, r.state, r.distance_m FROM ({locate}) r)
            LIMIT 1) dest
      LEFT JOIN side sg ON sg.id = dest.grid_id
      LEFT JOIN LATERAL (SELECT cg.id AS grid_id FROM grids cg
                          WHERE cg.code = sg.code AND cg.valid_to IS NULL) loc ON TRUE
      LEFT JOIN LATERAL ({assignee}) a ON sg.code IS DISTINCT FROM gf.code
     WHERE i.status IN {open} AND l.community_id = :side_cid AND i.geom IS NOT NULL
     ORDER BY i.id
"""


@dataclass(frozen=True)
class Move:
    """One open incident: where it is and where the new grids put it."""

    id: int
    status: str
    category: str
    grid_from: int | None
    code_from: str | None
    state_from: str
    assignee_from: int | None
    routed_from: str | None
    code_to: str | None
    state_to: str
    distance_m: float | None
    assignee_to: int | None
    routed_to: str | None

    @property
    def changes_grid(self) -> bool:
        return self.code_to != self.code_from

    @property
    def changes_worker(self) -> bool:
        return self.assignee_to != self.assignee_from


def moves(conn: Connection, after: Side, snap_meters: float) -> list[Move]:
    """Every open, located incident of the community with its destination under ``after``."""
    side, params = grids_sql(after)
    sql = _MOVES.format(side=side, open=OPEN_SQL, assignee=assignee_rule(),
                        locate=locate_sql("i.geom", grids="side g", version="TRUE"))
    rows = conn.execute(text(sql), {**params, "snap": snap_meters})
    return [Move(**r._mapping) for r in rows]
