"""SQL of publishing a plan (:mod:`geo.plans.publish`), all in the caller's transaction.

Set-based throughout: the comparison of the current grids with the plan's is one temporary
table (``publish_diff``), and every consequence (grid versions closed and opened, people
and organisations following their grid code) is one ``UPDATE``/``INSERT ... FROM`` over
it, never a statement per row; it is dropped at commit. What follows for incidents,
buildings and party members is the re-homing of :mod:`geo.boundaries.rehome`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text


def lock_community(conn: Connection, community_id: int) -> None:
    """Take the community's row lock: two publishes for one community run one by one."""
    conn.execute(text("SELECT id FROM communities WHERE id = :c FOR UPDATE"),
                 {"c": community_id})


def today(conn: Connection) -> dt.date:
    """The database's date: the day the new grid versions are valid from, unless the
    publish was scheduled for another (:mod:`geo.boundaries.schedule`)."""
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
    """UPDATE grids g SET valid_to = :valid FROM publish_diff d
        WHERE d.action IN ('redrawn', 'removed') AND g.id = d.old_id""",
    """INSERT INTO grids (code, name, community_id, geom, valid_from, plan_id)
       SELECT p.code, p.name, :c, p.geom, :valid, :p
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
                  tolerance: float, valid: dt.date) -> list[tuple[str, str]]:
    """Make the plan's grids the community's current version from ``valid`` (renamed in
    place, redrawn and removed closed, redrawn and added opened; workers, party
    organisations and serving members follow their code). ``(code, action)`` per code."""
    params = {"c": community_id, "p": plan_id, "tol": tolerance, "valid": valid}
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


def versions_changed(conn: Connection, plan_id: int) -> tuple[list[int], list[int]]:
    """(closed, opened) grid version ids of the publish (after :func:`replace_grids`)."""
    closed = conn.execute(text("SELECT old_id FROM publish_diff WHERE action IN"
                               " ('redrawn', 'removed') ORDER BY old_id")).scalars().all()
    opened = conn.execute(text("""
        SELECT g.id FROM publish_diff d JOIN grids g ON g.code = d.code AND g.valid_to IS NULL
         WHERE d.action IN ('redrawn', 'added') AND g.plan_id = :p ORDER BY g.id"""),
        {"p": plan_id}).scalars().all()
    return list(closed), list(opened)


def mark_published(conn: Connection, plan_id: int) -> None:
    conn.execute(text("UPDATE plans SET status = 'published', published_at = now()"
                      " WHERE id = :id"), {"id": plan_id})
