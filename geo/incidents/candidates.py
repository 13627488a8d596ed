"""The dispatcher's choice of a worker: who can take an incident, and in what state now.

Each candidate carries ``duty``: ``on_leave`` (with the leave's substitute, if one is
named), ``on_duty`` (in duty hours by their schedule) or ``off_hours``; and ``in_grid``
(serving the incident's grid, listed first) and ``open_work`` (open incidents they hold).
"""

from __future__ import annotations

from sqlalchemy import Connection

from geo.core.errors import InvalidInput, NotFound
from geo.incidents.store import candidates as store
from geo.incidents.store import reads

MAX_CANDIDATES = 300
MAX_COMMUNITY = 2000  # far above any community's roster
MAX_FOUND = 20  # a search's matches


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


def workers(conn: Connection, scope: frozenset[int] | None, community: str | None,
            q: str | None) -> list[dict]:
    """Active workers in ``scope``: of one community (a code; NotFound outside ``scope``;
    a community has a few hundred at most), or the first ``MAX_FOUND`` whose name holds
    ``q`` or who serve a grid whose code starts with it (a city has tens of thousands)."""
    if not community and not q:
        raise InvalidInput("name a 'community' (a 12-digit code) or search with 'q'",
                           param="community")
    if community and not store.community_seen(conn, community, scope):
        raise NotFound(f"no community {community} among the communities you may see")
    return store.workers(conn, scope, community or None, q or None,
                         MAX_COMMUNITY if community else MAX_FOUND)


def names(conn: Connection, ids: list[int]) -> dict[int, str]:
    """Worker id → name (the accounts page shows the linked workers by name)."""
    return store.names(conn, ids) if ids else {}
