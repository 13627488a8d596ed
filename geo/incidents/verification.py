"""Verification (核查): who may pass (``verify`` → closed) or fail (``rework`` → 返工,
reopened and counted) an incident's resolved work.

Each category names its verifier (``categories.verify_by``): a ``dispatcher``, the chief of
the incident's grid (``grid_chief``), or the ``reporter`` — the resident who reported it on
the public map confirms on their report's page (an incident not reported there has no
resident to ask: a dispatcher verifies it). ``close`` and ``reopen`` from resolved are the
older names of ``verify`` and ``rework`` and obey the same rules.

Never the resolver: the grid worker the work was assigned to, the department it was
escalated to, or the account that recorded the resolution unless a dispatcher recorded it
for the assignee (a clerk taking the worker's call) is refused with 403 and the reason.
"""

from __future__ import annotations

from sqlalchemy import Connection

from geo.core.errors import Forbidden
from geo.incidents.store import verification as store

ACTIONS = ("verify", "rework", "close", "reopen")  # the decisions of a verification
REWORK = ("rework", "reopen")  # a failed verification: 返工, counted


def permitted(conn: Connection, row, actor, action: str, allowed: list[str], *,
              resident: bool = False) -> list[str]:
    """``allowed`` (the workflow's actions for ``actor``) with the verification decision
    ``action`` when the actor may take it (a grid chief's is not among a worker's actions);
    Forbidden, with the reason, when they may not."""
    if action not in ACTIONS or row.status != "resolved":
        return allowed
    check(conn, row, actor, resident=resident)
    return allowed if action in allowed else [*allowed, action]


def check(conn: Connection, row, actor, *, resident: bool = False) -> None:
    """Refuse (Forbidden, with the reason) unless ``actor`` may verify the resolved incident
    ``row`` (the workflow's locked row); ``resident``: the reporter, by their reference."""
    verify_by = store.verify_by(conn, row.category)
    if verify_by == "reporter" and not store.has_reference(conn, row.id):
        verify_by = "dispatcher"
    if resident:
        if verify_by != "reporter":
            raise Forbidden(f"category {row.category} is verified by staff, not by the "
                            "reporting resident")
        return
    _not_the_resolver(conn, row, actor)
    if verify_by == "reporter":
        raise Forbidden(f"category {row.category} is verified by the reporting resident on "
                        "their report's page")
    if verify_by == "grid_chief" and not (
            actor.worker_id is not None and store.is_grid_chief(conn, actor.worker_id,
                                                                row.grid_id)):
        raise Forbidden(f"category {row.category} is verified by the chief of the "
                        "incident's grid")
    if verify_by == "dispatcher" and not actor.dispatcher:
        raise Forbidden(f"category {row.category} is verified by a dispatcher")


def _not_the_resolver(conn: Connection, row, actor) -> None:
    department = getattr(row, "department_id", None)
    if (actor.worker_id is not None and actor.worker_id == row.assignee_id) or (
            department is not None and getattr(actor, "department_id", None) == department):
        raise Forbidden("the work was assigned to you: someone other than the resolver "
                        "verifies it")
    if not actor.dispatcher and actor.user_id is not None and (
            actor.user_id == store.resolver(conn, row.id)):
        raise Forbidden("you recorded the resolution: someone other than the resolver "
                        "verifies it")


def after(conn: Connection, incident_id: int, action: str) -> None:
    """What a verification decision changes besides the status: 返工 is counted."""
    if action in REWORK:
        store.count_rework(conn, incident_id)
