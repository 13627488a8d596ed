"""Publishing a plan: its grids become the community's current version, in one transaction.

Steps, all in the caller's transaction (a crash anywhere leaves the previous version in
force, since nothing is committed until the caller commits):

1. Lock the community row: two publishes for one community run one after the other.
2. Check the plan (:mod:`geo.plans.check`); any error refuses the publish (``Conflict``
   with the error findings).
3. Compare with the current grids by code: a grid whose boundary is the same keeps its
   row (a new name is set in place); a redrawn grid's row gets ``valid_to`` = the day and
   a new row is current from the day (``plan_id`` = the plan); codes the plan drops are
   closed; new codes are inserted. Workers, party organisations and in-service party
   members follow their grid code to its new row; the workers of dropped codes are listed
   for re-posting. The day is today, or the ``effective`` day of a scheduled publish.
4. Re-home (:func:`geo.boundaries.rehome.rehome`, the rule of every boundary change): open
   incidents located again and re-routed with a ``regrid`` event each, buildings
   re-assigned, resident party members serving their building's grid.
5. Mark the plan published. Grids whose code has no worker (a check warning) are named
   in the answer (``grids_without_worker``): their residents see no worker until one is
   posted. The buildings it reassigned are re-homing's count, those whose grid *code*
   changed (:func:`geo.boundaries.rehome.reassigned`, the impact's count too): a building
   of a redrawn grid that keeps its code gets the new version's row but is not counted.

Rolling back a redraw is publishing the previous version again: create a plan with
``source="version"`` and ``at`` = a day the old grids were in force, and publish it. That
is a new version; history is never rewritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection

from geo.boundaries import schedule as boundaryschedule
from geo.boundaries.rehome import Change, rehome
from geo.core.errors import Conflict
from geo.layers.store.upsert import REDRAW_TOLERANCE
from geo.plans import drafts
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
    without_worker: list[dict] = field(default_factory=list)

    def answer(self) -> dict:
        return {"plan": self.plan_id, "community": self.community, "status": "published",
                "valid_from": self.valid_from.isoformat(), "grids": self.grids,
                "buildings_reassigned": self.buildings_reassigned,
                "open_incidents": self.open_incidents,
                "incidents_moved": self.incidents, "workers_to_repost": self.workers_to_repost,
                "grids_without_worker": self.without_worker, "warnings": self.warnings}

    def audit(self) -> dict:
        return {"community": self.community, "valid_from": self.valid_from.isoformat(),
                **{k: len(v) for k, v in self.grids.items()},
                "buildings_reassigned": self.buildings_reassigned,
                "incidents_moved": len(self.incidents),
                "workers_to_repost": [w["id"] for w in self.workers_to_repost],
                "grids_without_worker": [g["code"] for g in self.without_worker]}


def publish(conn: Connection, plan: PlanRef, rules: Rules, *, actor: str,
            user_id: int | None, snap_meters: float,
            valid_from: dt.date | None = None) -> Published:
    """Publish a claimed draft (:func:`geo.plans.drafts.claim`), or a scheduled plan on its
    day (``valid_from``: the day the new versions start; default today); see above."""
    time_limit(conn, "5min")
    store.lock_community(conn, plan.community_id)
    report = _checked(conn, plan, rules)
    day = valid_from or store.today(conn)
    grids = _replace_grids(conn, plan, day)
    workers = store.workers_of_removed(conn)
    closed, opened = store.versions_changed(conn, plan.id)
    done = rehome(conn, Change(
        closed, opened, [plan.community_id], actor, user_id,
        note=f"网格调整：方案 {plan.id} 发布 (redraw plan {plan.id} published)",
        details={"plan_id": plan.id}), snap_meters)
    store.mark_published(conn, plan.id)
    return Published(plan.id, plan.community_code, day, grids, done.buildings,
                     done.incidents, workers, report["warnings"],
                     open_incidents=done.incidents_checked,
                     without_worker=[{"code": f["codes"][0], "name": f["name"]}
                                     for f in report["findings"] if f["kind"] == "no_worker"])


def schedule(conn: Connection, plan: PlanRef, rules: Rules, effective: dt.date, *,
             actor: str, user_id: int | None) -> boundaryschedule.ScheduledChange:
    """Check a claimed draft and schedule its publishing for ``effective`` (a later day:
    :mod:`geo.boundaries.schedule`); the checks run again on the day."""
    store.lock_community(conn, plan.community_id)
    _checked(conn, plan, rules)
    return boundaryschedule.schedule_plan(conn, plan.id, plan.community_id, effective,
                                          actor=actor, user_id=user_id)


def publish_scheduled(conn: Connection, change: boundaryschedule.ScheduledChange,
                      rules: Rules, snap_meters: float) -> dict:
    """Publish a scheduled plan on its day (the applier of ``plan`` changes), versions
    dated from ``effective``, in the name of whoever scheduled it."""
    plan = drafts.ref(conn, change.plan_id, None)
    return publish(conn, plan, rules, actor=change.created_by, user_id=change.user_id,
                   snap_meters=snap_meters, valid_from=change.effective).answer()


def _checked(conn: Connection, plan: PlanRef, rules: Rules) -> dict:
    """The plan's check report; Conflict with the error findings when it has any."""
    report = check(conn, Side(plan.community_id, plan_id=plan.id), plan.community_code, rules)
    if not report["ok"]:
        errors = [f for f in report["findings"] if f["severity"] == ERROR]
        raise Conflict(f"plan {plan.id} has {report['errors']} error(s) and cannot be "
                       f"published; first: {errors[0]['message']}",
                       details={"errors": report["errors"], "findings": errors})
    return report


def _replace_grids(conn: Connection, plan: PlanRef, day: dt.date) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {k: [] for k in ("added", "redrawn", "renamed", "removed",
                                                 "unchanged")}
    for code, action in store.replace_grids(conn, plan.community_id, plan.id,
                                            REDRAW_TOLERANCE, day):
        out[action].append(code)
    return out
