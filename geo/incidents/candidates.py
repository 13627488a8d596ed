"""The dispatcher's choice of a worker: who can take an incident, and in what state now.

Each candidate carries ``duty``: ``on_leave`` (with the leave's substitute, if one is
named), ``on_duty`` (in duty hours by their schedule) or ``off_hours``; and ``in_grid``
(serving the incident's grid, listed first) and ``open_work`` (open incidents they hold).
"""

from __future__ import annotations

from sqlalchemy import Connection

from geo.core.errors import NotFound
from geo.incidents.store import candidates as store
from geo.incidents.store import reads

MAX_CANDIDATES = 300
MAX_WORKERS = 2000


def candidates(conn: Connection, incident_id: int, scope: frozenset[int] | None) -> dict:
    """``{"incident": id, "assignee_id", "candidates": [...]}``; NotFound outside ``scope``."""
    found = reads.incident(conn, incident_id, scope, with_reporter=False)
    if found is None:
        raise NotFound(f"no incident {incident_id} among the communities you may see")
    rows = store.candidates(conn, incident_id, scope, MAX_CANDIDATES)
    for row in rows:
        row["duty"] = ("on_leave" if row["on_leave"] else
                       "on_duty" if row["in_hours"] else "off_hours")
        row["substitute"] = ({"id": row["substitute_id"], "name": row["substitute_name"]}
                             if row["substitute_id"] else None)
        for key in ("on_leave", "in_hours", "substitute_id", "substitute_name"):
            del row[key]
    return {"incident": incident_id, "assignee_id": found["assignee_id"],
            "candidates": rows}


def workers(conn: Connection, scope: frozenset[int] | None) -> list[dict]:
    """The active workers of ``scope`` (a queue's assignee filter, bulk assigning)."""
    return store.workers(conn, scope, MAX_WORKERS)
