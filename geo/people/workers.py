"""Grid workers: checked values (``geo.people.checks``) → rows to write, with every code
resolved within the caller's communities, for one worker (the API) or a whole file (the
import) alike; then the writes of ``geo.people.store.workers``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from geo.core.errors import Conflict, InvalidInput, NotFound
from geo.people.checks import hours as parse_hours
from geo.people.store import refs
from geo.people.store import workers as store


def _row(values: dict, grids: dict, accounts: dict) -> dict:
    """One checked worker → a row of ``store.COLUMNS`` + grid_ids + user_id."""
    missing = [c for c in values["grids"] if c not in grids]
    if missing:
        raise InvalidInput(f"no current grid {', '.join(missing)} in your communities",
                           param="grids")
    user_id = None
    if values.get("account"):
        found = accounts.get(values["account"])
        if found is None or found[1] != "member":
            raise InvalidInput(f"no staff account {values['account']!r} with role member",
                               param="account")
        user_id = found[0]
    start, end = values.get("duty_hours") or (None, None)
    return {"name": values["name"], "role": values["role"],
            "public_phone": values["public_phone"], "private_phone": values["private_phone"],
            "service_hours": values["hours"], "publish": values["publish"],
            "community_id": grids[values["grids"][0]][1],
            "consent_on": values["consent_on"] if values["publish"] else None,
            "duty_days": values["duty_days"], "duty_start": start, "duty_end": end,
            "grid_ids": [grids[c][0] for c in values["grids"]], "user_id": user_id}


def prepare(conn: Connection, checked: Sequence[dict | None], scope
            ) -> tuple[list[dict | None], dict[int, str]]:
    """Rows to write for ``checked`` (None where a row failed its checks), and the
    reasons of those that cannot be written, by position."""
    good = [c for c in checked if c is not None]
    grids = refs.grids(conn, (g for c in good for g in c["grids"]), scope)
    accounts = refs.member_accounts(conn, (c["account"] for c in good if c.get("account")))
    rows: list[dict | None] = []
    problems: dict[int, str] = {}
    for i, values in enumerate(checked):
        try:
            rows.append(None if values is None else _row(values, grids, accounts))
        except InvalidInput as err:
            rows.append(None)
            problems[i] = str(err)
    return rows, problems


def write(conn: Connection, rows: Sequence[dict]) -> list[int]:
    """Insert prepared rows; their ids."""
    ids = store.insert(conn, rows)
    store.link_accounts(conn, [(w, r["user_id"]) for w, r in zip(ids, rows, strict=True)
                               if r["user_id"]])
    return ids


def find(conn: Connection, worker_id: int, scope) -> dict:
    worker = store.one(conn, worker_id, scope)
    if worker is None:
        raise NotFound(f"no worker {worker_id} in your communities")
    return worker


def change(conn: Connection, worker_id: int, changes: dict, scope) -> tuple[dict, dict]:
    """Apply checked ``changes`` (partial) to a worker in ``scope``: (before, after)."""
    before = find(conn, worker_id, scope)
    if not before["active"]:
        raise Conflict(f"worker {worker_id} has left the roster")
    merged = {**_as_values(before), **changes}
    rows, problems = prepare(conn, [merged], scope)
    if problems:
        raise InvalidInput(problems[0], param=next(iter(changes), None))
    row = rows[0]
    store.update(conn, worker_id, {c: row[c] for c in store.COLUMNS})
    if "grids" in changes:
        keep = set(row["grid_ids"])
        store.end_grids(conn, worker_id, sorted(keep))
        current = {gid for gid, _ in refs.grids(conn, before["grids"], None).values()}
        store.add_grids(conn, [(worker_id, g) for g in row["grid_ids"] if g not in current])
    if changes.get("account"):
        store.link_accounts(conn, [(worker_id, row["user_id"])])
    return before, find(conn, worker_id, scope)


def _as_values(worker: dict) -> dict:
    """A stored worker in the shape of ``checks.check_worker``'s answer."""
    span = parse_hours(worker["duty_hours"]) if worker["duty_hours"] else None
    return {"name": worker["name"], "role": worker["role"], "grids": list(worker["grids"]),
            "public_phone": worker["public_phone"], "private_phone": worker["private_phone"],
            "hours": worker["hours"], "publish": worker["publish"],
            "consent_on": worker["consent_on"], "duty_days": worker["duty_days"],
            "duty_hours": span, "account": None}


def add_leave(conn: Connection, worker_id: int, leave: dict, scope) -> int:
    """Leave for a worker in ``scope``; the substitute must be another active worker in
    ``scope``."""
    find(conn, worker_id, scope)
    _check_substitute(conn, worker_id, leave["substitute"], scope)
    return store.add_leave(conn, worker_id, leave)


def _check_substitute(conn: Connection, worker_id: int, sub: int | None, scope) -> None:
    if sub is not None and (sub == worker_id or sub not in refs.workers(conn, [sub], scope)):
        raise InvalidInput(f"substitute {sub} is not another active worker of your "
                           "communities", param="substitute")


def find_leave(conn: Connection, worker_id: int, leave_id: int, scope) -> dict:
    leave = store.leave_one(conn, worker_id, leave_id, scope)
    if leave is None:
        raise NotFound(f"no leave {leave_id} of worker {worker_id} in your communities")
    return leave


def as_leave_values(leave: dict) -> dict:
    """A stored leave in the shape of ``checks.check_leave``'s input."""
    return {"from": leave["starts_on"], "to": leave["ends_on"],
            "substitute": leave["substitute_id"], "note": leave["note"]}


def change_leave(conn: Connection, worker_id: int, leave_id: int, leave: dict,
                 scope) -> dict:
    """Replace a leave's from/to/substitute/note with checked ``leave``; the leave after."""
    _check_substitute(conn, worker_id, leave["substitute"], scope)
    store.update_leave(conn, leave_id, leave)
    return find_leave(conn, worker_id, leave_id, scope)
