"""SQL of publishing a plan (:mod:`geo.plans.publish`), all in the caller's transaction.

Set-based throughout: the comparison of the current grids with the plan's is one temporary
table (``publish_diff``), and every consequence (grid versions closed and opened, people
and organisations following their grid code, open incidents moved, one ``regrid`` event
each) is one ``UPDATE``/``INSERT ... FROM`` over it, never a statement per row. Both
temporary tables are dropped at commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, text

from geo.core.statuses import OPEN_SQL


def lock_community(conn: Connection, community_id: int) -> None:
    """Take the community's row lock: two publishes for one community run one by one."""
    conn.execute(text("SELECT id FROM communities WHERE id = :c FOR UPDATE"),
                 {"c": community_id})


def lock_open_incidents(conn: Connection, community_id: int) -> None:
    """Take the row locks of the community's open incidents and their locations, before
    their moves are worked out: a dispatch committed meanwhile is waited for and then seen,
    a later one waits for the publish (no assignee or grid written over unseen)."""
    conn.execute(text(f"""
        SELECT i.id FROM incidents i JOIN incident_locations l ON l.incident_id = i.id
         WHERE l.community_id = :c AND i.status IN {OPEN_SQL}
         ORDER BY i.id FOR UPDATE OF i, l"""), {"c": community_id})


def today(conn: Connection) -> dt.date:
    """The database's date: the day the new grid versions are valid from."""
    return conn.execute(text("SELECT CURRENT_DATE")).scalar_one()


# The current grids of the community against the plan's, by code. Same boundary (exact,
# or within the layer import's redraw tolerance) = same version.
_DIFF = """
    CREATE TEMP TABLE publish_diff ON COMMIT DROP AS
    SELECT coalesce(p.code, g.code) AS code, g.id AS old_id, p.id AS plan_grid_id,
           CASE WHEN p.id IS NULL THEN 'removed'
                WHEN g.id IS NULL THEN 'added'
                WHEN g.geom = p.geom OR ST_HausdorffDistance(g.geom, p.geom) <= :tol
                     THEN CASE WHEN g.name = p.name THEN 'unchanged' ELSE 'renamed' END
                ELSE 'redrawn' END AS action
      FROM (SELECT * FROM grids WHERE community_id = :c AND valid_to IS NULL) g
      FULL JOIN (SELECT * FROM plan_grids WHERE plan_id = :p) p ON p.code = g.code
"""

_STEPS = (
    # renamed in place: the boundary version is the same
    """UPDATE grids g SET name = p.name FROM publish_diff d JOIN plan_grids p
        ON p.id = d.plan_grid_id WHERE d.action = 'renamed' AND g.id = d.old_id""",
    """UPDATE grids g SET valid_to = CURRENT_DATE FROM publish_diff d
        WHERE d.action IN ('redrawn', 'removed') AND g.id = d.old_id""",
    """INSERT INTO grids (code, name, community_id, geom, valid_from, plan_id)
       SELECT p.code, p.name, :c, p.geom, CURRENT_DATE, :p
         FROM publish_diff d JOIN plan_grids p ON p.id = d.plan_grid_id
        WHERE d.action IN ('redrawn', 'added')""",
)

# People and organisations serve a grid code, not one version of its boundary.
_FOLLOW = """
    UPDATE {table} t SET {column} = g.id
      FROM publish_diff d JOIN grids g ON g.code = d.code AND g.valid_to IS NULL
     WHERE d.action = 'redrawn' AND t.{column} = d.old_id
"""


def replace_grids(conn: Connection, community_id: int, plan_id: int,
                  tolerance: float) -> list[tuple[str, str]]:
    """Make the plan's grids the community's current version (renamed in place, redrawn
    and removed closed, redrawn and added opened; workers, party organisations and serving
    members follow their code). ``(code, action)`` per code, by code."""
    params = {"c": community_id, "p": plan_id, "tol": tolerance}
    conn.execute(text(_DIFF), params)
    for step in _STEPS:
        conn.execute(text(step), params)
    for table, column in (("worker_grids", "grid_id"), ("party_orgs", "grid_id"),
                          ("party_members", "serving_grid_id")):
        conn.execute(text(_FOLLOW.format(table=table, column=column)))
    return [(code, action) for code, action in
            conn.execute(text("SELECT code, action FROM publish_diff ORDER BY code"))]


def workers_of_removed(conn: Connection) -> list[dict]:
    """Active workers of the grid codes the publish removed (after :func:`replace_grids`)."""
    rows = conn.execute(text("""
        SELECT m.id, m.name, m.role, d.code AS grid_code
          FROM publish_diff d JOIN worker_grids_now wg ON wg.grid_id = d.old_id
          JOIN grid_members m ON m.id = wg.worker_id
         WHERE d.action = 'removed' AND m.active ORDER BY d.code, m.id"""))
    return [dict(r._mapping) for r in rows]


_APPLY_MOVES = (
    """CREATE TEMP TABLE publish_moves ON COMMIT DROP AS
       SELECT m.*, g.id AS grid_to
         FROM unnest(CAST(:ids AS bigint[]), CAST(:codes AS text[]), CAST(:states AS text[]),
                     CAST(:dist AS float8[]), CAST(:assignees AS int[]),
                     CAST(:routed AS text[]), CAST(:changed AS bool[]),
                     CAST(:grids_from AS int[]), CAST(:assignees_from AS int[]))
              AS m(id, code_to, state, distance_m, assignee_to, routed_to, changed,
                   grid_from, assignee_from)
         LEFT JOIN grids g ON g.code = m.code_to AND g.valid_to IS NULL""",
    """UPDATE incident_locations l
          SET grid_id = m.grid_to, state = m.state, snap_distance_m = m.distance_m,
              located_at = now()
         FROM publish_moves m
        WHERE l.incident_id = m.id
          AND (l.grid_id, l.state) IS DISTINCT FROM (m.grid_to, m.state)""",
    """UPDATE incidents i
          SET assignee_id = m.assignee_to, routed_to = m.routed_to, updated_at = now(),
              boundary_grid_id = NULL, boundary_distance_m = NULL
         FROM publish_moves m WHERE i.id = m.id AND m.changed""",
    # the boundary hint of other open incidents follows its grid code to the new row
    """UPDATE incidents i SET boundary_grid_id = g.id
         FROM publish_diff d LEFT JOIN grids g ON g.code = d.code AND g.valid_to IS NULL
        WHERE d.action IN ('redrawn', 'removed') AND i.boundary_grid_id = d.old_id""",
)

# One event per incident whose grid or worker changed, for the whole community at once.
_EVENTS = """
    INSERT INTO incident_events (incident_id, at, actor, user_id, action, from_status,
                                 to_status, note, details)
    SELECT i.id, now(), :actor, :user_id, 'regrid', i.status, i.status, :note,
           jsonb_build_object('plan_id', CAST(:plan AS int), 'grid_from', m.grid_from,
                              'grid_to', m.grid_to, 'assignee_from', m.assignee_from,
                              'assignee_to', m.assignee_to)
      FROM publish_moves m JOIN incidents i ON i.id = m.id
     WHERE m.changed
     ORDER BY i.id
"""

MOVE_COLUMNS = ("ids", "codes", "states", "dist", "assignees", "routed", "changed",
                "grids_from", "assignees_from")


def move_incidents(conn: Connection, columns: dict[str, Sequence], *, plan_id: int,
                   actor: str, user_id: int | None, note: str) -> None:
    """Apply the moves (one list per name of :data:`MOVE_COLUMNS`, an incident per index):
    new location rows, new workers where ``changed``, boundary hints following their code,
    and a ``regrid`` event for every changed incident."""
    conn.execute(text(_APPLY_MOVES[0]), {k: list(columns[k]) for k in MOVE_COLUMNS})
    for step in _APPLY_MOVES[1:]:
        conn.execute(text(step))
    conn.execute(text(_EVENTS), {"actor": actor, "user_id": user_id, "note": note,
                                 "plan": plan_id})


def mark_published(conn: Connection, plan_id: int) -> None:
    conn.execute(text("UPDATE plans SET status = 'published', published_at = now()"
                      " WHERE id = :id"), {"id": plan_id})
