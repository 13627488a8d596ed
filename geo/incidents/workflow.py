"""The incident workflow (DESIGN.md "Incident workflow"), enforced here and nowhere else.

``reported → accepted → dispatched → in_progress → resolved → closed``, with ``rejected``
from reported, ``returned`` from dispatched/in_progress back to the dispatcher, and
``reopened`` from resolved when verification fails. Besides the status changes:

- ``note``: a remark in the history, in any status;
- ``move``: to another current grid (the boundary candidate by default), re-routed there;
- ``merge``: into another open incident (a duplicate); closed, pointing at the survivor;
- ``dispatch`` may name the assignee (a grid worker); otherwise the routed one stays;
- ``reassign`` (改派): to another worker (``assignee``), dispatched again;
- ``prioritise``: a new ``priority``; the deadlines are computed again from the report time
  with the category's limits (an urgent one's shortened by ``categories.urgent_factor``).
- ``escalate``, ``transfer``, ``supervise``, ``extend_request``/``_approve``/``_refuse``:
  departments as assignees, 督办 and 延期 (``geo.incidents.escalation``).

Every action writes one ``incident_events`` row (merges write one on each incident), and
takes the incident's row lock first, so two dispatchers acting at once are serialised and
the second meets the new status: an action that is no longer allowed raises
``IllegalTransition`` (HTTP 409) listing the actions that are.

From the field app an action may also carry (``geo.incidents.field_input``) a client id
(a repeat, even one racing the first, is answered with the first's event and changes
nothing: the repeat is looked up under the row lock the first held), a GPS fix (its
distance to the incident recorded, ``far`` flagged), the status the phone saw (moved on:
409 with ``conflict``) and photos (counted here: resolving in a category with
``evidence_required`` needs one; stored by ``geo.field``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Connection

from geo.core import params
from geo.core.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from geo.core.statuses import FINISHED, OPEN
from geo.incidents import escalation, field_input, intake, verification
from geo.incidents.store import workflow as flow_store

# action → (statuses it is allowed from, status it leads to; None = unchanged)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "accept": (("reported",), "accepted"),
    "reject": (("reported",), "rejected"),
    "dispatch": (("accepted", "returned", "reopened"), "dispatched"),
    "start": (("dispatched",), "in_progress"),
    "resolve": (("in_progress",), "resolved"),
    "return": (("dispatched", "in_progress"), "returned"),
    "close": (("resolved",), "closed"),
    "reopen": (("resolved",), "reopened"),
    "move": (OPEN, None),
    "merge": (OPEN, "closed"),
    "note": (OPEN + ("resolved",) + FINISHED, None),
    # Verification (核查) by someone other than the resolver (issue 21; see
    # geo.incidents.verification): passed → closed; failed → 返工, reopened and counted.
    "verify": (("resolved",), "closed"),
    "rework": (("resolved",), "reopened"),
    "reassign": (("dispatched", "in_progress"), "dispatched"),
    "prioritise": (OPEN, None),
    # Escalation, 督办 and 延期 (issue 21; geo.incidents.escalation).
    "escalate": (("accepted", "dispatched", "in_progress", "returned", "reopened"),
                 "dispatched"),
    "transfer": (("dispatched", "in_progress"), "dispatched"),
    "supervise": (OPEN, None),
    "extend_request": (("dispatched", "in_progress"), None),
    "extend_approve": (OPEN, None),
    "extend_refuse": (OPEN, None),
}
NOTE_REQUIRED = ("reject", "return", "reopen", "merge", "rework", *escalation.NOTE_REQUIRED)
# What a grid worker (role member) may do, on incidents assigned to them.
WORKER_ACTIONS = ("start", "resolve", "return", "note", "escalate", "extend_request")
# What a department's staff may do, on incidents assigned to their department.
DEPARTMENT_ACTIONS = (*WORKER_ACTIONS, "transfer")
ACTION_FIELDS = ("action", "note", "assignee", "grid", "into", "priority", *field_input.FIELDS,
                 *escalation.FIELDS)
PRIORITIES = (1, 2, 3)
MAX_NOTE = 2000
FAR_M = 200.0  # the default of RESOLVE_FAR_METERS


@dataclass(frozen=True)
class Actor:
    name: str
    user_id: int | None
    scope: frozenset[int] | None  # community ids; None = all
    dispatcher: bool  # may take every action
    worker_id: int | None = None  # the grid member a worker account is
    department_id: int | None = None  # the department a department account works for


@dataclass(frozen=True)
class Done:
    """An action applied (or found applied: ``repeated``): its event and what it changed."""

    event_id: int
    repeated: bool
    action: str
    from_status: str
    to_status: str
    assignee_id: int | None  # after the action


def allowed(status: str, actor: Actor, assignee_id: int | None,
            department_id: int | None = None, *, pending: bool = False,
            overdue: bool = False) -> list[str]:
    """The actions ``actor`` may take on an incident in ``status``, in workflow order
    (``department_id``: the incident's department; ``pending``: an extension request
    waits; ``overdue``: past its deadline)."""
    if actor.dispatcher:
        names = TRANSITIONS
    elif actor.worker_id is not None and actor.worker_id == assignee_id:
        names = WORKER_ACTIONS
    elif actor.department_id is not None and actor.department_id == department_id:
        names = DEPARTMENT_ACTIONS
    else:
        return []
    skip = {"transfer"} if department_id is None else set()
    if not actor.dispatcher and status not in ("dispatched", "in_progress"):
        skip.add("escalate")  # a worker or department escalates the work it has in hand
    skip |= {"extend_request"} if pending else {"extend_approve", "extend_refuse"}
    skip |= set() if overdue else {"supervise"}
    return [a for a in names if status in TRANSITIONS[a][0] and a not in skip]


def check_action(body, photos: int = 0) -> dict:
    """A checked action request; ``photos``: how many (checked) photos come with it."""
    if not isinstance(body, dict):
        raise InvalidInput("send a JSON object: {\"action\": ..., \"note\": ...}")
    params.check_fields(body, ACTION_FIELDS)
    action = body.get("action")
    if action not in TRANSITIONS:
        raise InvalidInput(f"'action' must be one of {', '.join(TRANSITIONS)}", param="action")
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE
                             or "\x00" in note):
        raise InvalidInput(f"'note' must be text of at most {MAX_NOTE} characters",
                           param="note")
    note = (note or "").strip() or None
    if action in NOTE_REQUIRED and not note:
        raise InvalidInput(f"'{action}' needs a note saying why", param="note")
    if action == "note" and not note:
        raise InvalidInput("'note' is empty", param="note")
    out = {"action": action, "note": note}
    for key, wanted in (("assignee", int), ("into", int), ("grid", str), ("priority", int)):
        value = body.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, wanted) or (
                wanted is str and not value.isdigit()):
            kind = {"assignee": "a grid worker id", "into": "an incident id",
                    "grid": "a grid code", "priority": "1 (urgent), 2 or 3"}[key]
            raise InvalidInput(f"'{key}' must be {kind}", param=key)
        out[key] = value
    _check_extra(out)
    return {**out, **escalation.check(body, action), **field_input.check(body),
            "photos": photos}


def act(conn: Connection, incident_id: int, request: dict, actor: Actor, *,
        far_m: float = FAR_M) -> Done:
    """Apply a checked action (``check_action``) in the caller's transaction."""
    row = flow_store.lock(conn, incident_id)
    if row is None or (actor.scope is not None and row.community_id not in actor.scope):
        raise NotFound(f"no incident {incident_id} among the communities you may see")
    action = request["action"]
    if (first := _repeat(conn, incident_id, request.get("client_id"))) is not None:
        return Done(first.id, True, first.action, first.from_status or row.status,
                    first.to_status or row.status, row.assignee_id)
    permitted = allowed(row.status, actor, row.assignee_id, row.department_id,
                        pending=row.extension_pending, overdue=row.overdue)
    permitted = verification.permitted(conn, row, actor, action, permitted,
                                       resident=actor is RESIDENT)
    _check_allowed(incident_id, action, row.status, permitted, request, actor)
    if action == "resolve" and row.evidence_required and not request.get("photos"):
        raise InvalidInput(f"category {row.category} needs at least one photo as evidence "
                           "to resolve: send it in 'photos' (multipart)", param="photos")
    to_status = TRANSITIONS[action][1]
    details: dict = {}
    sets = {}
    if action == "dispatch":
        assignee = request.get("assignee", row.assignee_id)
        if assignee is None and row.routed_to != "community_office":
            raise InvalidInput("no worker is assigned: name one with 'assignee'",
                               param="assignee")
        if assignee is not None and assignee != row.assignee_id:
            _check_worker(conn, assignee, actor)
            sets["assignee_id"] = assignee
            sets["routed_to"] = "manual"
            sets["department_id"] = None  # back from a department to a worker
            details.update(assignee_from=row.assignee_id, assignee_to=assignee)
    elif action == "move":
        details.update(_move(conn, row, request.get("grid"), actor, sets))
    elif action == "merge":
        details.update(_merge(conn, row, request.get("into"), actor))
        sets["merged_into_id"] = details["into"]
    elif action in _EXTRA:
        details.update(_EXTRA[action](conn, row, request, actor, sets))
    elif action in ESCALATION:
        details.update(_escalation(conn, row, request, actor, sets))
    if to_status in FINISHED:
        sets["closed_at"] = flow_store.NOW
    if action == "reopen":
        sets["closed_at"] = None
    _update(conn, incident_id, to_status, sets)
    verification.after(conn, incident_id, action)
    fix = _fix(conn, incident_id, request.get("fix"), far_m, details)
    event_id = _event(conn, incident_id, actor, action, row.status, to_status or row.status,
                      request["note"], details, client_id=request.get("client_id"), fix=fix)
    return Done(event_id, False, action, row.status, to_status or row.status,
                sets.get("assignee_id", row.assignee_id))


# Verification (核查) and resident call-back (回访) (issue 21 parts 3–4).
RESIDENT = Actor("public", None, None, dispatcher=False)  # the reporter, by their reference


ESCALATION = ("escalate", "transfer", "supervise", "extend_request", "extend_approve",
              "extend_refuse")


def _escalation(conn: Connection, row, request: dict, actor: Actor, sets: dict) -> dict:
    """The details of an escalation, 督办 or 延期 action (``geo.incidents.escalation``)."""
    action = request["action"]
    if action == "escalate":
        return escalation.escalate(conn, row, request, sets)
    if action == "transfer":
        return escalation.transfer(conn, row, request, sets)
    if action == "supervise":
        return escalation.supervise(conn, row, actor.scope)
    if action == "extend_request":
        return escalation.extend_request(conn, row, request, actor.name)
    return escalation.extend_decide(conn, row, request, actor.name, sets,
                                    approve=action == "extend_approve")


def _repeat(conn: Connection, incident_id: int, client_id):
    """The event a repeated client id made first (looked up under the row lock), or None."""
    if client_id is None:
        return None
    first = flow_store.event_by_client_id(conn, client_id)
    if first is not None and first.incident_id != incident_id:
        raise InvalidInput(f"client_id {client_id} was used for another incident's action",
                           param="client_id")
    return first


def _check_allowed(incident_id: int, action: str, status: str, permitted: list[str],
                   request: dict, actor: Actor) -> None:
    seen = request.get("seen_status")
    if action in permitted and (seen is None or seen == status):
        return
    if not permitted and not actor.dispatcher:
        raise Forbidden(f"incident {incident_id} is not assigned to you")
    details = {"status": status, "allowed": permitted}
    if seen is not None and seen != status:
        raise IllegalTransition(
            f"the incident is {status} now, not {seen} as you saw it: look again before "
            f"acting (allowed now: {', '.join(permitted) or 'nothing'})",
            details={**details, "conflict": True})
    raise IllegalTransition(
        f"cannot {action} an incident that is {status}; allowed: "
        f"{', '.join(permitted) or 'nothing'}", details=details)


def _fix(conn: Connection, incident_id: int, fix, far_m: float, details: dict):
    """(fix, distance in metres) of the action, flagging ``far`` in the details; or None."""
    if fix is None:
        return None
    distance = flow_store.distance_m(conn, incident_id, fix.lon, fix.lat)
    details["far"] = distance is not None and distance > far_m
    return fix, distance


def _check_worker(conn: Connection, member_id: int, actor: Actor) -> None:
    row = flow_store.worker(conn, member_id)
    if row is None or (actor.scope is not None and row.community_id not in actor.scope):
        raise InvalidInput(f"no grid worker {member_id} among your communities",
                           param="assignee")
    if not row.active:
        raise InvalidInput(f"grid worker {member_id} is no longer active", param="assignee")


def _move(conn: Connection, row, grid_code: str | None, actor: Actor, sets: dict) -> dict:
    """Re-home the incident in another current grid and re-route it there."""
    if grid_code is None:
        if row.boundary_grid_id is None:
            raise InvalidInput("name the grid to move to: 'grid' (a grid code)", param="grid")
        target = flow_store.current_grid(conn, grid_id=row.boundary_grid_id)
    else:
        target = flow_store.current_grid(conn, code=grid_code)
    if target is None or (actor.scope is not None and target.community_id not in actor.scope):
        raise InvalidInput(f"no current grid {grid_code or row.boundary_grid_id} among your "
                           "communities", param="grid")
    if target.id == row.grid_id:
        raise InvalidInput(f"the incident is already in grid {target.code}", param="grid")
    route_to = flow_store.route_to(conn, row.category) or "grid"
    routed = flow_store.assignee(conn, target.id, route_to)
    flow_store.relocate(conn, row.id, target.id, target.community_id)
    sets["assignee_id"] = routed.assignee_id if routed else None
    sets["routed_to"] = ("community_office" if route_to == "community_office"
                         else routed.routed_to if routed else "unassigned")
    sets["boundary_grid_id"] = row.grid_id if row.boundary_grid_id == target.id else None
    sets["boundary_distance_m"] = None  # the old grid stays a candidate, distance unknown
    return {"grid_from": row.grid_id, "grid_to": target.id, "assignee_from": row.assignee_id,
            "assignee_to": sets["assignee_id"]}


def _merge(conn: Connection, row, into: int | None, actor: Actor) -> dict:
    target_id = into if into is not None else row.duplicate_of_id
    if target_id is None:
        raise InvalidInput("name the incident to merge into: 'into'", param="into")
    if target_id == row.id:
        raise InvalidInput("an incident cannot be merged into itself", param="into")
    target = flow_store.lock_target(conn, target_id)
    if target is None or (actor.scope is not None and target.community_id not in actor.scope):
        raise InvalidInput(f"no incident {target_id} among your communities", param="into")
    if target.status not in OPEN + ("resolved",):
        raise InvalidInput(f"incident {target_id} is {target.status}: merge into open work",
                           param="into")
    _event(conn, target.id, actor, "merged_in", target.status, target.status,
           f"合并了事件 {row.id}", {"from": row.id})
    return {"into": target.id}


def _update(conn: Connection, incident_id: int, status: str | None, sets: dict) -> None:
    flow_store.update(conn, incident_id, sets if status is None else {"status": status, **sets})


def _event(conn: Connection, incident_id: int, actor: Actor, action: str, from_status: str,
           to_status: str, note: str | None, details: dict, *, client_id=None,
           fix=None) -> int:
    event_id = flow_store.event(conn, incident_id, actor.name, actor.user_id, action,
                                from_status, to_status, note,
                                _json(details) if details else None, client_id=client_id,
                                fix=fix)
    if event_id is None:  # the unique index: the same client id, on another incident
        raise InvalidInput(f"client_id {client_id} was used for another action",
                           param="client_id")
    return event_id


def _json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False)


def _check_extra(out: dict) -> None:
    """The fields ``reassign`` and ``prioritise`` need."""
    if out.get("priority") is not None and out["priority"] not in PRIORITIES:
        raise InvalidInput("'priority' must be 1 (urgent), 2 or 3", param="priority")
    if out["action"] == "reassign" and out.get("assignee") is None:
        raise InvalidInput("'reassign' needs the grid worker: 'assignee'", param="assignee")
    if out["action"] == "prioritise" and out.get("priority") is None:
        raise InvalidInput("'prioritise' needs the new 'priority' (1 urgent, 2, 3)",
                           param="priority")


def _reassign(conn: Connection, row, request: dict, actor: Actor, sets: dict) -> dict:
    """Give a dispatched (or started) incident to another worker, who starts it afresh."""
    assignee = request["assignee"]
    if assignee == row.assignee_id:
        raise InvalidInput(f"the incident is already assigned to worker {assignee}",
                           param="assignee")
    _check_worker(conn, assignee, actor)
    sets["assignee_id"] = assignee
    sets["routed_to"] = "manual"
    return {"assignee_from": row.assignee_id, "assignee_to": assignee}


def _prioritise(conn: Connection, row, request: dict, actor: Actor, sets: dict) -> dict:
    """A new priority, and the deadlines it gives (from the report time, by the category's
    limits and ``request["calendar"]``, the working calendar)."""
    basis = flow_store.deadline_basis(conn, row.id)
    priority = request["priority"]
    if priority == basis.priority:
        raise InvalidInput(f"the incident already has priority {priority}", param="priority")
    details = {"priority_from": basis.priority, "priority_to": priority}
    sets["priority"] = priority
    if basis.response_hours is not None:  # its category is still in the table
        category = intake.Category(basis.category, basis.response_hours, basis.resolve_hours,
                                   basis.clock, basis.route_to, basis.urgent_factor)
        response, due = intake.due_times(request["calendar"], category,
                                         [basis.reported_at], [priority])
        sets["due_at"] = dt.datetime.fromtimestamp(float(due[0]), dt.UTC)
        sets["response_due_at"] = dt.datetime.fromtimestamp(float(response[0]), dt.UTC)
        details.update(due_from=_iso(basis.due_at), due_to=sets["due_at"].isoformat())
    return details


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


# Actions beside the status steps, each a function that fills ``sets`` and says what changed.
_EXTRA = {"reassign": _reassign, "prioritise": _prioritise}
