"""Boundary changes on a later day: scheduled, seen by ``at=``, applied when due, cancellable.

- **Scheduling**: a plan published, or a grids or communities layer imported, with
  ``effective`` (a date in the city's time zone, ``TIMEZONE``) after today is not
  applied: it is stored as a ``boundary_changes`` row with the grids (or communities, with
  their streets) it will put in force (a plan becomes ``scheduled`` and can no longer be
  edited). A community has at most one pending change of its grids and one of its own
  boundary: a second one is refused (cancel the first).
- **Until the day**, everything answers the current grids and communities; a question
  about a day (``at=``, OGC ``datetime``) on or after ``effective`` answers the scheduled
  ones (:data:`geo.places.assign.GRIDS_AT`, :data:`geo.places.assign.COMMUNITIES_AT`).
- **On the day**, :func:`apply_one` for each of :func:`due` (``flask boundaries
  apply-due``, run by the scheduler loop of ``scripts/run.sh``) applies every change whose
  day has come, one transaction each, with the versions dated from ``effective`` and the
  same re-homing and audit as a change made by hand. A lease (a PostgreSQL advisory lock
  held by the applying transaction) lets one worker at a time apply, and a change is
  applied once: it is locked, checked to be still scheduled, applied and marked in one
  transaction. A change whose application fails (its plan no longer passes the checks)
  stays scheduled with the error in its report, and is tried again on the next run.
- **Cancelling**, until it is applied, marks it cancelled (a plan becomes a draft again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from geo.boundaries.store import schedule as store
from geo.core.errors import Conflict, InvalidInput, NotFound


@dataclass(frozen=True)
class ScheduledChange:
    id: int
    kind: str  # plan | grids | communities
    status: str  # scheduled | applied | cancelled
    effective: dt.date
    plan_id: int | None
    community_id: int | None
    source: str | None
    options: dict | None
    created_by: str
    user_id: int | None
    created_at: dt.datetime
    applied_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancelled_by: str | None
    report: dict | None

    def answer(self) -> dict:
        return {k: v.isoformat() if isinstance(v, dt.date) else v
                for k, v in asdict(self).items() if k not in ("user_id", "options")}


Applier = Callable[[Connection, ScheduledChange], dict]


def local_today(timezone: str) -> dt.date:
    """Today in the city's time zone (``TIMEZONE``): the day changes take effect on."""
    return dt.datetime.now(ZoneInfo(timezone)).date()


def later(effective: dt.date | None, today: dt.date) -> bool:
    """Whether ``effective`` asks for a change on a later day (else: now). A past day is
    refused: history is not rewritten."""
    if effective is None or effective == today:
        return False
    if effective < today:
        raise InvalidInput(f"effective {effective.isoformat()} is in the past (today is "
                           f"{today.isoformat()}); a change takes effect today or later",
                           param="effective")
    return True


def schedule_plan(conn: Connection, plan_id: int, community_id: int, effective: dt.date,
                  *, actor: str, user_id: int | None) -> ScheduledChange:
    """Schedule a checked plan for ``effective``; the plan becomes ``scheduled``."""
    change = store.insert_change(conn, "plan", effective, plan_id=plan_id,
                                 community_id=community_id, source=f"plan {plan_id}",
                                 options={}, actor=actor, user_id=user_id)
    store.copy_plan_grids(conn, change, plan_id, community_id)
    _refuse_overlap(conn, change)
    store.set_plan_status(conn, plan_id, "scheduled")
    return get(conn, change)


def schedule_layer(conn: Connection, effective: dt.date, *, source: str, options: dict,
                   actor: str, kind: str = "grids") -> ScheduledChange:
    """Schedule the staged grids or communities layer (``layer_stage``) for ``effective``."""
    change = store.insert_change(conn, kind, effective, plan_id=None, community_id=None,
                                 source=source[-500:], options=options, actor=actor,
                                 user_id=None)
    store.copy_layer_stage(conn, change, kind)
    _refuse_overlap(conn, change, kind)
    return get(conn, change)


def _refuse_overlap(conn: Connection, change_id: int, kind: str = "grids") -> None:
    pending = store.pending_codes if kind == "communities" else store.pending_in
    others = pending(conn, change_id)
    if others:
        raise Conflict(f"scheduled change {others[0]} already changes these {kind}; cancel "
                       "it first (one pending change per community)",
                       details={"scheduled": others})


def get(conn: Connection, change_id: int, *, lock: bool = False) -> ScheduledChange:
    row = store.one(conn, change_id, lock=lock)
    if row is None:
        raise NotFound(f"no scheduled change {change_id}")
    return ScheduledChange(**row._mapping)


def of_plan(conn: Connection, plan_id: int) -> ScheduledChange | None:
    row = store.of_plan(conn, plan_id)
    return None if row is None else ScheduledChange(**row._mapping)


def changes(conn: Connection, status: str | None = None) -> list[ScheduledChange]:
    return [ScheduledChange(**r._mapping) for r in store.listed(conn, status)]


def cancel(conn: Connection, change_id: int, *, actor: str) -> ScheduledChange:
    """Cancel a change not yet applied (its plan becomes a draft again)."""
    change = get(conn, change_id, lock=True)
    if change.status != "scheduled":
        raise Conflict(f"change {change_id} is {change.status}; only a scheduled change "
                       "can be cancelled")
    store.mark_cancelled(conn, change_id, actor)
    if change.plan_id is not None:
        store.set_plan_status(conn, change.plan_id, "draft")
    return get(conn, change_id)


def due(conn: Connection, today: dt.date) -> list[int]:
    """Ids of the scheduled changes due by ``today``, oldest day first."""
    return [row.id for row in store.due(conn, today)]


def apply_one(conn: Connection, change_id: int, today: dt.date,
              appliers: Mapping[str, Applier]) -> dict | None:
    """Apply one due change in the caller's transaction (commit after each): take the
    lease, lock the change, apply it (``appliers[kind]``) and mark it applied. None when
    another worker holds the lease or the change is no longer due and scheduled (it was
    applied or cancelled meanwhile). A ``GridmapError`` of the applier propagates: roll
    back, then :func:`record_failure`."""
    if not store.take_lease(conn):
        return None
    change = get(conn, change_id, lock=True)
    if change.status != "scheduled" or change.effective > today:
        return None
    report = appliers[change.kind](conn, change)
    store.mark_applied(conn, change.id, report)
    return {"id": change.id, "kind": change.kind,
            "effective": change.effective.isoformat(), **report}


def record_failure(conn: Connection, change_id: int, message: str) -> dict:
    """Keep a change that failed to apply scheduled, with the error in its report."""
    change = get(conn, change_id, lock=True)
    store.set_report(conn, change_id, {"error": message})
    return {"id": change.id, "kind": change.kind,
            "effective": change.effective.isoformat(), "error": message}
