"""Publishing a plan: its grids become the community's current version, in one transaction.

Steps, all in the caller's transaction (a crash anywhere leaves the previous version in
force, since nothing is committed until the caller commits):

1. Lock the community row: two publishes for one community run one after the other.
2. Check the plan (:mod:`geo.plans.check`); any error refuses the publish (``Conflict``
   with the error findings).
3. Work out where every open incident goes (:mod:`geo.plans.moves`), before anything moves.
4. Compare with the current grids by code: a grid whose boundary is the same keeps its
   row (a new name is set in place); a redrawn grid's row gets ``valid_to`` = today and a
   new row is current from today (``plan_id`` = the plan); codes the plan drops are closed;
   new codes are inserted. Workers, party organisations and serving party members follow
   their grid code to its new row; the workers of dropped codes are listed for re-posting.
5. Re-assign the community's buildings (:func:`geo.places.assign.assign_buildings`).
6. Move the open incidents: new location row, new worker where the grid code changed, and
   one ``incident_events`` row (action ``regrid``) for each incident whose grid or worker
   changed. Boundary hints pointing at closed rows follow their code.
7. Mark the plan published.

Rolling back a redraw is publishing the previous version again: create a plan with
``source="version"`` and ``at`` = a day the old grids were in force, and publish it. That
is a new version; history is never rewritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geo.core.errors import Conflict
from geo.layers.store.upsert import REDRAW_TOLERANCE
from geo.places.assign import assign_buildings
from geo.plans import moves as planmoves
from geo.plans.check import ERROR, Rules, check
from geo.plans.drafts import PlanRef
from geo.plans.side import Side


@dataclass
class Published:
    """What a publish did."""

    plan_id: int
    community: str
    valid_from: dt.date
    grids: dict[str, list[str]]
    buildings_reassigned: int
    incidents: list[dict]
    workers_to_repost: list[dict]
    warnings: int
    open_incidents: int = 0

    def answer(self) -> dict:
        return {"plan": self.plan_id, "community": self.community, "status": "published",
                "valid_from": self.valid_from.isoformat(), "grids": self.grids,
                "buildings_reassigned": self.buildings_reassigned,
                "open_incidents": self.open_incidents,
                "incidents_moved": self.incidents, "workers_to_repost": self.workers_to_repost,
                "warnings": self.warnings}

    def audit(self) -> dict:
        return {"community": self.community, "valid_from": self.valid_from.isoformat(),
                **{k: len(v) for k, v in self.grids.items()},
                "buildings_reassigned": self.buildings_reassigned,
                "incidents_moved": len(self.incidents),
                "workers_to_repost": [w["id"] for w in self.workers_to_repost]}


def publish(conn: Connection, plan: PlanRef, rules: Rules, *, actor: str,
            user_id: int | None, snap_meters: float) -> Published:
    """Publish a claimed draft (:func:`geo.plans.drafts.claim`); see the module docstring."""
    conn.execute(text("SET LOCAL statement_timeout = '5min'"))
    conn.execute(text("SELECT id FROM communities WHERE id = :c FOR UPDATE"),
                 {"c": plan.community_id})
    side = Side(plan.community_id, plan_id=plan.id)
    report = check(conn, side, plan.community_code, rules)
    if not report["ok"]:
        errors = [f for f in report["findings"] if f["severity"] == ERROR]
        raise Conflict(f"plan {plan.id} has {report['errors']} error(s) and cannot be "
                       f"published; first: {errors[0]['message']}",
                       details={"errors": report["errors"], "findings": errors})
    moves = planmoves.moves(conn, side, snap_meters)
    today = conn.execute(text("SELECT CURRENT_DATE")).scalar_one()
    grids = _replace_grids(conn, plan)
    workers = _workers_to_repost(conn)
    reassigned = assign_buildings(conn, [plan.community_id])
    moved = _move_incidents(conn, plan, moves, actor, user_id)
    conn.execute(text("UPDATE plans SET status = 'published', published_at = now()"
                      " WHERE id = :id"), {"id": plan.id})
    return Published(plan.id, plan.community_code, today, grids, reassigned, moved, workers,
                     report["warnings"], open_incidents=len(moves))


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


def _replace_grids(conn: Connection, plan: PlanRef) -> dict[str, list[str]]:
    params = {"c": plan.community_id, "p": plan.id, "tol": REDRAW_TOLERANCE}
    conn.execute(text(_DIFF), params)
    for step in _STEPS:
        conn.execute(text(step), params)
    for table, column in (("grid_members", "grid_id"), ("party_orgs", "grid_id"),
                          ("party_members", "serving_grid_id")):
        conn.execute(text(_FOLLOW.format(table=table, column=column)))
    out: dict[str, list[str]] = {k: [] for k in ("added", "redrawn", "renamed", "removed",
                                                 "unchanged")}
    for code, action in conn.execute(text("SELECT code, action FROM publish_diff ORDER BY code")):
        out[action].append(code)
    return out


def _workers_to_repost(conn: Connection) -> list[dict]:
    rows = conn.execute(text("""
        SELECT m.id, m.name, m.role, d.code AS grid_code
          FROM publish_diff d JOIN grid_members m ON m.grid_id = d.old_id
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


def _move_incidents(conn: Connection, plan: PlanRef, moves: list[planmoves.Move],
                    actor: str, user_id: int | None) -> list[dict]:
    changed = [m.changes_grid or m.changes_worker for m in moves]
    conn.execute(text(_APPLY_MOVES[0]), {
        "ids": [m.id for m in moves], "codes": [m.code_to for m in moves],
        "states": [m.state_to for m in moves], "dist": [m.distance_m for m in moves],
        "assignees": [m.assignee_to for m in moves], "routed": [m.routed_to for m in moves],
        "changed": changed, "grids_from": [m.grid_from for m in moves],
        "assignees_from": [m.assignee_from for m in moves]})
    for step in _APPLY_MOVES[1:]:
        conn.execute(text(step))
    note = f"网格调整：方案 {plan.id} 发布 (redraw plan {plan.id} published)"
    conn.execute(text(_EVENTS), {"actor": actor, "user_id": user_id, "note": note,
                                 "plan": plan.id})
    return [{"id": m.id, "from_grid": m.code_from, "to_grid": m.code_to,
             "located": m.state_to, "assignee_from": m.assignee_from,
             "assignee_to": m.assignee_to, "routed_to": m.routed_to}
            for m, c in zip(moves, changed, strict=True) if c]
