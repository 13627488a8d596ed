"""In-app notifications of a grid worker (an account linked to a grid member by
``users.grid_member_id``), written in the transaction of the change they tell of.

- ``new_task``: an incident dispatched to the worker (or re-dispatched to another worker:
  the new one is told);
- ``returned``: a task dispatched to the worker again after it was returned (by them or
  by another worker) — the dispatcher sent it back to the field, so it is theirs again;
- ``reopened``: their resolved task reopened (verification failed);
- ``due_soon``: an open task of theirs whose deadline is within ``DUE_SOON`` — made by the
  scheduler loop (``make_due_soon``), once per task and deadline (the unique key).

Texts are not stored: the API words each kind in the reader's language.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from geo.field.store import notifications as store
from geo.incidents.workflow import Done

DUE_SOON = dt.timedelta(hours=2)


def after_action(conn: Connection, incident_id: int, done: Done) -> int:
    """The notifications an applied action makes; how many."""
    kind = _kind(done)
    if kind is None or done.assignee_id is None:
        return 0
    return store.for_worker(conn, done.assignee_id, kind, incident_id)


def _kind(done: Done) -> str | None:
    if done.action == "dispatch":
        return "returned" if done.from_status == "returned" else "new_task"
    if done.action == "reopen":
        return "reopened"
    return None


def make_due_soon(conn: Connection, within: dt.timedelta = DUE_SOON) -> int:
    """A ``due_soon`` notification for each open task due within ``within`` that has none
    for its deadline yet; how many were made."""
    return store.due_soon(conn, within)


def items(conn: Connection, user_id: int, limit: int = 100) -> dict:
    """``{"unread": n, "items": [...]}``: the account's latest notifications, newest first."""
    rows = store.latest(conn, user_id, limit)
    return {"unread": store.unread(conn, user_id),
            "items": [{"id": r.id, "kind": r.kind, "incident_id": r.incident_id,
                       "created_at": r.created_at.isoformat(),
                       "read_at": r.read_at.isoformat() if r.read_at else None,
                       "details": r.details or {}} for r in rows]}


def mark_read(conn: Connection, user_id: int, ids: list[int] | None) -> int:
    """Mark the account's notifications ``ids`` (None: all) read; how many changed."""
    return store.mark_read(conn, user_id, ids)
