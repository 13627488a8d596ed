"""A grid worker's tasks: the open incidents assigned to them or located in the grids they
serve now; overdue first, then by deadline, each with what the worker may do to it now.
A grid chief's also hold the resolved work of their grids that the chief verifies (待核查:
``verify``/``rework``, or ``verify_refused`` with the reason — their own work, say).

Who is a worker: an account whose ``users.grid_member_id`` names an active grid member.
A worker reads the incidents of their tasks and no other (``relation``); the reporter's
name and phone only on those assigned to them (the caller audits that read).
"""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import Connection

from geo.core.errors import Forbidden
from geo.field.store import tasks as store
from geo.incidents import verification, workflow

TIMES = ("reported_at", "due_at", "response_due_at", "updated_at")


def worker(conn: Connection, member_id: int | None) -> dict:
    """``{id, name}`` of the account's grid member; Forbidden if there is none (active)."""
    row = store.worker(conn, member_id) if member_id is not None else None
    if row is None or not row.active:
        raise Forbidden("your account is not linked to an active grid worker "
                        "(users.grid_member_id)")
    return {"id": row.id, "name": row.name}


def my_tasks(conn: Connection, actor: workflow.Actor, lon: float | None = None,
             lat: float | None = None) -> list[dict]:
    """The worker's tasks (``actor.worker_id``), within ``actor.scope``; ``distance_m``
    from (lon, lat) when given."""
    scope = None if actor.scope is None else sorted(actor.scope)
    rows = store.tasks(conn, actor.worker_id, scope, lon, lat)
    return [_verifying(conn, _task(row._mapping, actor), row, actor) if row.to_verify
            else _task(row._mapping, actor) for row in rows]


def verify_actions(conn: Connection, row, actor: workflow.Actor) -> tuple[list[str], str | None]:
    """(the verification decisions ``actor`` may take on the resolved incident ``row``, the
    reason they may not): ``verification.check`` decides."""
    try:
        verification.check(conn, row, actor)
    except Forbidden as refused:
        return [], refused.message
    return ["verify", "rework"], None


def _verifying(conn: Connection, task: dict, row, actor: workflow.Actor) -> dict:
    incident = SimpleNamespace(id=row.id, category=row.category, grid_id=row.grid_id,
                               assignee_id=row.assignee_id, department_id=row.department_id)
    task["actions"], task["verify_refused"] = verify_actions(conn, incident, actor)
    return task


def _task(row, actor: workflow.Actor) -> dict:
    out = {k: row[k] for k in ("id", "category", "category_name_en", "status", "priority",
                               "description", "address", "lon", "lat", "overdue",
                               "distance_m", "evidence_required")}
    out.update({k: row[k].isoformat() if row[k] else None for k in TIMES})
    out["grid"] = ({"id": row["grid_id"], "code": row["grid_code"], "name": row["grid_name"]}
                   if row["grid_id"] else None)
    out["assigned_to_me"] = row["assignee_id"] == actor.worker_id
    out["to_verify"] = row["to_verify"]
    out["actions"] = workflow.allowed(row["status"], actor, row["assignee_id"])
    return out


def relation(conn: Connection, incident_id: int, member_id: int | None) -> str | None:
    """How an incident is the worker's: ``assigned``, ``grid`` or None (not theirs)."""
    return None if member_id is None else store.relation(conn, incident_id, member_id)


def grids(conn: Connection, member_id: int) -> str:
    """The worker's current grids, GeoJSON text (for the app's offline map)."""
    return store.grids_geojson(conn, member_id)
