"""Where open incidents go when grids change: one statement for a set of incidents.

The destination grids are a relation with ``id``, ``code`` and ``geom``: the current grids
(after a change, re-homing) or a redraw plan's grids (before publishing, the impact). The
rule is :mod:`geo.boundaries.moves`; this is its SQL.
"""

from __future__ import annotations

from sqlalchemy import Connection, Row, text

from geo.core.statuses import OPEN_SQL
from geo.incidents.routing import assignee_rule
from geo.places.assign import locate_sql

# ``dest``: a hand-moved incident keeps its grid code when the destination has it, else
# the location rule. ``loc``: the current grid of the destination code, whose workers the
# assignee rule picks from (people serve a code: they follow it to its new version). An
# incident routed by a responsibility overlay stays with the overlay's unit: the grid's
# redraw does not change who owns the facility.
_MOVES = """
    {with_side}
    SELECT i.id, i.status, i.category, l.grid_id AS grid_from, gf.code AS code_from,
           l.state AS state_from, i.assignee_id AS assignee_from, i.routed_to AS routed_from,
           sg.code AS code_to, dest.state AS state_to, dest.distance_m,
           CASE WHEN sg.code IS NOT DISTINCT FROM gf.code OR i.routed_to = 'overlay'
                THEN i.assignee_id ELSE a.assignee_id END AS assignee_to,
           CASE WHEN sg.code IS NOT DISTINCT FROM gf.code OR i.routed_to = 'overlay'
                THEN i.routed_to
                WHEN s.route_to = 'community_office' THEN 'community_office'
                ELSE coalesce(a.routed_to, 'unassigned') END AS routed_to
      FROM incidents i
      JOIN incident_locations l ON l.incident_id = i.id
      LEFT JOIN grids gf ON gf.id = l.grid_id
     CROSS JOIN LATERAL (SELECT coalesce((SELECT c.route_to FROM categories c
                                           WHERE c.code = i.category), 'grid') AS route_to) s
     CROSS JOIN LATERAL (
            (SELECT m.id AS grid_id, 'moved' AS state, NULL::float8 AS distance_m
               FROM {side} m WHERE l.state = 'moved' AND m.code = gf.code AND {side_version}
              ORDER BY m.id LIMIT 1)
            UNION ALL
            (SELECT r.grid_id, r.state, r.distance_m FROM ({locate}) r)
            LIMIT 1) dest
      LEFT JOIN {side} sg ON sg.id = dest.grid_id
      LEFT JOIN LATERAL (SELECT cg.id AS grid_id FROM grids cg
                          WHERE cg.code = sg.code AND cg.valid_to IS NULL) loc ON TRUE
      LEFT JOIN LATERAL ({assignee}) a ON sg.code IS DISTINCT FROM gf.code
     WHERE i.status IN {open} AND i.geom IS NOT NULL AND {scope}
     ORDER BY i.id
"""


def moves_sql(scope: str, side: str | None = None) -> str:
    """The moves of the open incidents matching ``scope`` (a condition on ``i``/``l``).

    ``side``: a subquery of destination grids (``id, code, geom``; a plan's); None for the
    current grids of the city (the grids table and its GiST index). Binds ``:snap``.
    """
    if side is None:
        parts = {"with_side": "", "side": "grids", "side_version": "m.valid_to IS NULL",
                 "locate": locate_sql("i.geom")}
    else:
        parts = {"with_side": f"WITH side AS MATERIALIZED ({side})", "side": "side",
                 "side_version": "TRUE",
                 "locate": locate_sql("i.geom", grids="side g", version="TRUE")}
    return _MOVES.format(**parts, scope=scope, open=OPEN_SQL, assignee=assignee_rule())


def incident_moves(conn: Connection, scope: str, params: dict, snap_meters: float,
                   side: str | None = None) -> list[Row]:
    """Rows of :func:`moves_sql` (``params`` binds what ``scope`` and ``side`` need)."""
    return conn.execute(text(moves_sql(scope, side)), {**params, "snap": snap_meters}).all()
