"""Escalation (吹哨报到), supervision (督办) and extensions (延期): the workflow's actions that
change who works an incident or when it is due (``geo.incidents.workflow`` calls these under
the incident's row lock and records the event).

- ``escalate`` (to ``community``, ``street`` or ``department``, with a reason): the incident
  leaves its grid worker. To the community or street office it is routed there (no worker);
  to a department (``department``, else the dispatch catalogue's for the category in the
  incident's street) the department becomes the assignee, with new deadlines from now: the
  catalogue entry's hours, else the category's, on the category's clock.
- ``transfer`` (department → department, with a reason): the same, to another department.
- ``supervise`` (督办): a street-level dispatcher (not limited, or limited to communities that
  cover the incident's whole street) marks an overdue incident with a note; counted.
- ``extend_request``: the assignee asks for a new deadline (``due_at``, later than the present
  one and in the future) with a reason; one pending request at a time. ``extend_approve``
  moves the deadline there; ``extend_refuse`` (with a note) leaves it. Both recorded.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from geo.core.errors import Forbidden, IllegalTransition, InvalidInput
from geo.incidents import intake
from geo.incidents.store import escalation as store

TARGETS = ("community", "street", "department")
FIELDS = ("to", "department", "due_at")
NOTE_REQUIRED = ("escalate", "transfer", "supervise", "extend_request", "extend_refuse")


def check(body: dict, action: str) -> dict:
    """The escalation fields of an action request, checked."""
    out: dict = {}
    to = body.get("to")
    if action == "escalate":
        if to not in TARGETS:
            raise InvalidInput(f"'to' must be one of {', '.join(TARGETS)}", param="to")
        out["to"] = to
    dept = body.get("department")
    if dept is not None:
        if isinstance(dept, bool) or not isinstance(dept, int):
            raise InvalidInput("'department' must be a department id", param="department")
        out["department"] = dept
    if action == "transfer" and dept is None:
        raise InvalidInput("'transfer' needs the 'department' to transfer to",
                           param="department")
    due = body.get("due_at")
    if action == "extend_request":
        out["due_at"] = _moment(due)
    return out


def _moment(value) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput("'due_at' must be an ISO 8601 time with its offset, e.g. "
                           "2026-12-10T17:00:00+08:00", param="due_at")
    return moment


def escalate(conn: Connection, row, request: dict, sets: dict) -> dict:
    to = request["to"]
    details = {"to": to, "assignee_from": row.assignee_id,
               "department_from": row.department_id}
    if to != "department":
        sets.update(assignee_id=None, department_id=None,
                    routed_to="community_office" if to == "community" else "street_office")
        return details
    street = store.street_of(conn, row.community_id)
    entry = store.catalogue_for(conn, row.category, street.street_code if street else None)
    dept = request.get("department")
    if dept is None:
        if entry is None:
            raise InvalidInput(f"the dispatch catalogue names no department for category "
                               f"{row.category}: name one with 'department'",
                               param="department")
        dept = entry.department_id
    elif entry is not None and entry.department_id != dept:
        entry = None  # the catalogue's time limits are its department's
    return {**details, **_to_department(conn, row, dept, entry, sets, request)}


def transfer(conn: Connection, row, request: dict, sets: dict) -> dict:
    if row.department_id is None:
        raise IllegalTransition("the incident is not with a department: escalate it instead",
                                details={"status": row.status})
    dept = request["department"]
    if dept == row.department_id:
        raise InvalidInput("the incident is with that department already", param="department")
    street = store.street_of(conn, row.community_id)
    entry = store.catalogue_for(conn, row.category, street.street_code if street else None)
    if entry is not None and entry.department_id != dept:
        entry = None
    return {"department_from": row.department_id,
            **_to_department(conn, row, dept, entry, sets, request)}


def _to_department(conn: Connection, row, dept_id: int, entry, sets: dict,
                   request: dict) -> dict:
    dept = store.department(conn, dept_id)
    if dept is None or not dept.active:
        raise InvalidInput(f"no active department {dept_id}", param="department")
    limits = store.category_limits(conn, row.category)
    response_h = (entry and entry.response_hours) or limits.response_hours
    resolve_h = (entry and entry.resolve_hours) or limits.resolve_hours
    cal = request.get("calendar") or intake.calendar(conn, intake.Rules())
    category = intake.Category(row.category, response_h, resolve_h, limits.clock, "grid")
    now = store.deadlines(conn, row.id).now
    response, due = intake.due_times(cal, category, [now])
    sets.update(assignee_id=None, department_id=dept.id, routed_to="department",
                response_due_at=_utc(response[0]), due_at=_utc(due[0]))
    return {"department_to": dept.id, "department_name": dept.name,
            "due_at": sets["due_at"].isoformat(),
            "catalogue": entry is not None}


def _utc(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(float(epoch), dt.UTC)


def supervise(conn: Connection, row, scope) -> dict:
    street = store.street_of(conn, row.community_id)
    whole = set(street.communities or []) if street and street.street_code else {
        row.community_id}
    if scope is not None and not whole <= set(scope):
        raise Forbidden("督办 is the street's: your account is limited to part of the "
                        "incident's street")
    state = store.deadlines(conn, row.id)
    if not state.overdue:
        raise InvalidInput("only an overdue incident can be marked 督办", param="action")
    return {"count": store.supervised(conn, row.id) + 1}


def extend_request(conn: Connection, row, request: dict, actor_name: str) -> dict:
    state = store.deadlines(conn, row.id)
    due_to = request["due_at"]
    if due_to <= state.now or (state.due_at is not None and due_to <= state.due_at):
        raise InvalidInput("the new deadline must be later than the present one "
                           f"({state.due_at.isoformat() if state.due_at else 'none'}) and "
                           "in the future", param="due_at")
    if store.pending_extension(conn, row.id) is not None:
        raise IllegalTransition("an extension request is already waiting for a decision",
                                details={"status": row.status})
    ext = store.request_extension(conn, row.id, actor_name, state.due_at, due_to,
                                  request["note"])
    return {"extension_id": ext, "due_from": _iso(state.due_at), "due_to": due_to.isoformat()}


def extend_decide(conn: Connection, row, request: dict, actor_name: str, sets: dict,
                  approve: bool) -> dict:
    ext = store.pending_extension(conn, row.id)
    if ext is None:
        raise IllegalTransition("no extension request is waiting for a decision",
                                details={"status": row.status})
    store.decide_extension(conn, ext.id, "approved" if approve else "refused", actor_name,
                           request["note"])
    if approve:
        sets["due_at"] = ext.due_to
    return {"extension_id": ext.id, "due_from": _iso(ext.due_from),
            "due_to": _iso(ext.due_to), "approved": approve}


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
