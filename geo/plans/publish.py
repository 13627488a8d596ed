"""Publishing a plan: its grids become the community's current version, in one transaction.

Steps, all in the caller's transaction (a crash anywhere leaves the previous version in
force, since nothing is committed until the caller commits):

1. Lock the community row: two publishes for one community run one after the other. Lock
   its open incidents (``FOR UPDATE``): a manual dispatch is never overwritten unseen.
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

from sqlalchemy import Connection

from geo.core.errors import Conflict
from geo.layers.store.upsert import REDRAW_TOLERANCE
from geo.places.assign import assign_buildings
from geo.plans import moves as planmoves
from geo.plans.check import ERROR, Rules, check
from geo.plans.drafts import PlanRef
from geo.plans.side import Side
from geo.plans.store import publish as store
from geo.plans.store.sides import time_limit


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
    time_limit(conn, "5min")
    store.lock_community(conn, plan.community_id)
    store.lock_open_incidents(conn, plan.community_id)
    side = Side(plan.community_id, plan_id=plan.id)
    report = check(conn, side, plan.community_code, rules)
    if not report["ok"]:
        errors = [f for f in report["findings"] if f["severity"] == ERROR]
        raise Conflict(f"plan {plan.id} has {report['errors']} error(s) and cannot be "
                       f"published; first: {errors[0]['message']}",
                       details={"errors": report["errors"], "findings": errors})
    moves = planmoves.moves(conn, side, snap_meters)
    today = store.today(conn)
    grids = _replace_grids(conn, plan)
    workers = store.workers_of_removed(conn)
    reassigned = assign_buildings(conn, [plan.community_id])
    moved = _move_incidents(conn, plan, moves, actor, user_id)
    store.mark_published(conn, plan.id)
    return Published(plan.id, plan.community_code, today, grids, reassigned, moved, workers,
                     report["warnings"], open_incidents=len(moves))


def _replace_grids(conn: Connection, plan: PlanRef) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {k: [] for k in ("added", "redrawn", "renamed", "removed",
                                                 "unchanged")}
    for code, action in store.replace_grids(conn, plan.community_id, plan.id,
                                            REDRAW_TOLERANCE):
        out[action].append(code)
    return out


def _move_incidents(conn: Connection, plan: PlanRef, moves: list[planmoves.Move],
                    actor: str, user_id: int | None) -> list[dict]:
    changed = [m.changes_grid or m.changes_worker for m in moves]
    store.move_incidents(conn, {
        "ids": [m.id for m in moves], "codes": [m.code_to for m in moves],
        "states": [m.state_to for m in moves], "dist": [m.distance_m for m in moves],
        "assignees": [m.assignee_to for m in moves], "routed": [m.routed_to for m in moves],
        "changed": changed, "grids_from": [m.grid_from for m in moves],
        "assignees_from": [m.assignee_from for m in moves]},
        plan_id=plan.id, actor=actor, user_id=user_id,
        note=f"网格调整：方案 {plan.id} 发布 (redraw plan {plan.id} published)")
    return [{"id": m.id, "from_grid": m.code_from, "to_grid": m.code_to,
             "located": m.state_to, "assignee_from": m.assignee_from,
             "assignee_to": m.assignee_to, "routed_to": m.routed_to}
            for m, c in zip(moves, changed, strict=True) if c]
