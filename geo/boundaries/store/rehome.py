"""The statements of re-homing (:mod:`geo.boundaries.rehome`), in the caller's transaction.

Which open incidents a change can move is one temporary table (``rehome_scope``); the
moves worked out for them are another (``rehome_moves``); every consequence is one
``UPDATE``/``INSERT ... FROM`` over them. Both tables are dropped at commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from geo.core.statuses import OPEN_SQL

# An open incident can only change grid if its grid version was closed, or if a new
# version lies within snapping distance (it may now cover, or be nearer than, the old
# one; an out-of-area point may now be inside). New versions probe the incidents' GiST
# index (grid-driven); the degree box is a bound on snap metres: a degree of longitude is
# more than 50 km below latitude 63°, so snap / 50,000 degrees holds every such point.
_SCOPE = f"""
    CREATE TEMP TABLE rehome_scope ON COMMIT DROP AS
    SELECT l.incident_id AS id FROM incident_locations l JOIN incidents i ON i.id = l.incident_id
     WHERE l.grid_id = ANY(:closed) AND i.status IN {OPEN_SQL}
    UNION
    SELECT x.id FROM grids n CROSS JOIN LATERAL (
        SELECT i.id FROM incidents i
         WHERE i.geom && ST_Expand(n.geom, :snap / 50000.0) AND i.status IN {OPEN_SQL}
           AND ST_DWithin(n.geom::geography, i.geom::geography, :snap)
        OFFSET 0) x
     WHERE n.id = ANY(:opened)
"""

SCOPE = "i.id IN (SELECT id FROM rehome_scope)"


def scope_and_lock(conn: Connection, closed: Sequence[int], opened: Sequence[int],
                   snap_meters: float) -> None:
    """Fill ``rehome_scope`` and take the row locks of those incidents and their
    locations: a dispatch committed meanwhile is waited for and then seen, a later one
    waits for the change (no assignee or grid written over unseen)."""
    conn.execute(text(_SCOPE), {"closed": list(closed), "opened": list(opened),
                                "snap": snap_meters})
    conn.execute(text("""
        SELECT i.id FROM incidents i JOIN incident_locations l ON l.incident_id = i.id
         WHERE i.id IN (SELECT id FROM rehome_scope) ORDER BY i.id FOR UPDATE OF i, l"""))


_MOVES_TABLE = """
    CREATE TEMP TABLE rehome_moves ON COMMIT DROP AS
    SELECT m.*, g.id AS grid_to
      FROM unnest(CAST(:ids AS bigint[]), CAST(:codes AS text[]), CAST(:states AS text[]),
                  CAST(:dist AS float8[]), CAST(:assignees AS int[]),
                  CAST(:routed AS text[]), CAST(:grids_from AS int[]),
                  CAST(:assignees_from AS int[]), CAST(:changed AS bool[]))
           AS m(id, code_to, state, distance_m, assignee_to, routed_to, grid_from,
                assignee_from, changed)
      LEFT JOIN grids g ON g.code = m.code_to AND g.valid_to IS NULL
"""

_APPLY = (
    """UPDATE incident_locations l
          SET grid_id = m.grid_to, state = m.state, snap_distance_m = m.distance_m,
              located_at = now()
         FROM rehome_moves m
        WHERE l.incident_id = m.id
          AND (l.grid_id, l.state) IS DISTINCT FROM (m.grid_to, m.state)""",
    """UPDATE incidents i
          SET assignee_id = m.assignee_to, routed_to = m.routed_to, updated_at = now(),
              boundary_grid_id = NULL, boundary_distance_m = NULL
         FROM rehome_moves m WHERE i.id = m.id AND m.changed""",
    # One history entry per incident moved, for the whole change at once.
    """INSERT INTO incident_events (incident_id, at, actor, user_id, action, from_status,
                                    to_status, note, details)
       SELECT i.id, now(), :actor, :user_id, 'regrid', i.status, i.status, :note,
              CAST(:details AS jsonb) || jsonb_build_object(
                  'grid_from', m.grid_from, 'grid_to', m.grid_to,
                  'assignee_from', m.assignee_from, 'assignee_to', m.assignee_to,
                  'located', m.state)
         FROM rehome_moves m JOIN incidents i ON i.id = m.id
        WHERE m.changed ORDER BY i.id""",
)

MOVE_COLUMNS = ("ids", "codes", "states", "dist", "assignees", "routed", "grids_from",
                "assignees_from", "changed")


def apply_moves(conn: Connection, columns: dict[str, Sequence], *, actor: str,
                user_id: int | None, note: str, details: str) -> None:
    """Apply the moves (one list per name of :data:`MOVE_COLUMNS`, an incident per index):
    every location row that differs (an incident whose grid code stays points at the
    code's new version), and for those ``changed`` (grid code or worker) the worker and
    one ``regrid`` event (``details``: JSON text merged into the event's details)."""
    conn.execute(text(_MOVES_TABLE), {k: list(columns[k]) for k in MOVE_COLUMNS})
    conn.execute(text(_APPLY[0]))
    conn.execute(text(_APPLY[1]))
    conn.execute(text(_APPLY[2]), {"actor": actor, "user_id": user_id, "note": note,
                                   "details": details})


def follow_boundary_hints(conn: Connection, closed: Sequence[int]) -> None:
    """The near-a-boundary hint of open incidents follows its grid code to the current
    version (or is cleared when the code is gone)."""
    conn.execute(text(f"""
        UPDATE incidents i
           SET boundary_grid_id = n.id,
               boundary_distance_m = CASE WHEN n.id IS NULL THEN NULL
                                          ELSE i.boundary_distance_m END
          FROM grids o LEFT JOIN grids n ON n.code = o.code AND n.valid_to IS NULL
         WHERE o.id = ANY(:closed) AND i.boundary_grid_id = o.id
           AND i.status IN {OPEN_SQL}"""), {"closed": list(closed)})


def party_members_follow_homes(conn: Connection, community_ids: Sequence[int] | None) -> int:
    """Party members living in a building serve its grid: after the buildings were
    re-assigned, a resident member whose serving grid is not the grid of their home
    building is set to it. Members with no home building (in service elsewhere) keep the
    grid they serve, which followed its code. The only statement here that writes
    ``party_members``. Returns the rows changed."""
    scope = "" if community_ids is None else "AND b.community_id = ANY(:cids)"
    return conn.execute(text(f"""
        UPDATE party_members p SET serving_grid_id = b.grid_id
          FROM buildings b
         WHERE b.id = p.home_building_id AND p.serving_grid_id IS NOT NULL
           AND b.grid_id IS NOT NULL AND p.serving_grid_id <> b.grid_id {scope}"""),
        {"cids": None if community_ids is None else list(community_ids)}).rowcount


# Out-of-area open incidents whose covering community (lowest code, the assignment rule's
# third step) is no longer the one recorded: after a communities layer. Those in a grid
# take its community, which a communities layer does not change (grids stay nested).
_COMMUNITY_MOVES = f"""
    WITH moved AS (
        SELECT l.incident_id AS id, l.community_id AS c_from, n.id AS c_to
          FROM incident_locations l JOIN incidents i ON i.id = l.incident_id
          LEFT JOIN LATERAL (SELECT c.id FROM communities c WHERE ST_Covers(c.geom, i.geom)
                              ORDER BY c.code LIMIT 1) n ON true
         WHERE l.grid_id IS NULL AND i.geom IS NOT NULL AND i.status IN {OPEN_SQL}
           AND l.community_id IS DISTINCT FROM n.id
         ORDER BY l.incident_id FOR UPDATE OF l, i),
    located AS (
        UPDATE incident_locations l SET community_id = m.c_to, located_at = now()
          FROM moved m WHERE l.incident_id = m.id),
    events AS (
        INSERT INTO incident_events (incident_id, at, actor, user_id, action, from_status,
                                     to_status, note, details)
        SELECT i.id, now(), :actor, :user_id, 'regrid', i.status, i.status, :note,
               CAST(:details AS jsonb) || jsonb_build_object(
                   'community_from', m.c_from, 'community_to', m.c_to,
                   'located', 'out_of_area')
          FROM moved m JOIN incidents i ON i.id = m.id ORDER BY i.id)
    SELECT m.id, f.code AS community_from, t.code AS community_to
      FROM moved m LEFT JOIN communities f ON f.id = m.c_from
      LEFT JOIN communities t ON t.id = m.c_to ORDER BY m.id
"""


def move_out_of_area(conn: Connection, *, actor: str, user_id: int | None, note: str,
                     details: str) -> list[dict]:
    """Open out-of-area incidents follow the communities covering them now, each with a
    ``regrid`` event (``details``: JSON text merged into it); returns those moved."""
    rows = conn.execute(text(_COMMUNITY_MOVES), {"actor": actor, "user_id": user_id,
                                                 "note": note, "details": details})
    return [dict(r._mapping) for r in rows]


def building_codes(conn: Connection,
                   communities: Sequence[int] | None) -> dict[int, str | None]:
    """Building id → the code of the grid it is assigned to, for the buildings of
    ``communities`` (None: all)."""
    where = "" if communities is None else " WHERE b.community_id = ANY(:c)"
    return dict(conn.execute(text(
        "SELECT b.id, g.code FROM buildings b LEFT JOIN grids g ON g.id = b.grid_id" + where),
        {"c": list(communities or ())}).all())
