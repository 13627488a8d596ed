"""Departments and resident units: checked values → rows with the communities (or the
streets' communities) and categories resolved, for one unit or a whole file."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from geo.core.errors import InvalidInput, NotFound
from geo.people.store import departments as store
from geo.people.store import refs


def _row(values: dict, areas: dict, categories: set[str], scope) -> dict:
    wanted = [*values["communities"], *values["streets"]]
    if missing := [c for c in wanted if c not in areas]:
        raise InvalidInput(f"no community or street {', '.join(missing)} in your "
                           "communities", param="communities")
    if scope is not None and not wanted:
        raise InvalidInput("name the communities or streets served (your account is "
                           "limited to some communities)", param="communities")
    if unknown := [c for c in values["categories"] if c not in categories]:
        raise InvalidInput(f"unknown categories {', '.join(unknown)}", param="categories")
    return {"name": values["name"], "kind": values["kind"],
            "contact_name": values["contact_name"], "contact_phone": values["contact_phone"],
            "community_ids": [cid for code in wanted for cid in areas[code]],
            "categories": values["categories"]}


def prepare(conn: Connection, checked: Sequence[dict | None], scope, *,
            keep_name: str | None = None) -> tuple[list[dict | None], dict[int, str]]:
    """Rows for ``checked`` units, and the reasons of those that cannot be written, by
    position; names must be new (``keep_name``: the unit's own, when changing it)."""
    good = [c for c in checked if c is not None]
    areas = refs.communities(conn, (x for c in good for x in c["communities"]),
                             (x for c in good for x in c["streets"]), scope)
    categories = refs.categories(conn, (x for c in good for x in c["categories"]))
    taken = store.existing_names(conn, [c["name"] for c in good]) - {keep_name}
    rows: list[dict | None] = []
    problems: dict[int, str] = {}
    for i, values in enumerate(checked):
        try:
            if values is not None and values["name"] in taken:
                raise InvalidInput(f"a department named {values['name']!r} exists already",
                                   param="name")
            rows.append(None if values is None else _row(values, areas, categories, scope))
            if values is not None:
                taken.add(values["name"])
        except InvalidInput as err:
            rows.append(None)
            problems[i] = str(err)
    return rows, problems


def write(conn: Connection, rows: Sequence[dict]) -> list[int]:
    return store.insert(conn, rows)


def find(conn: Connection, dept_id: int, scope) -> dict:
    found = store.one(conn, dept_id, scope)
    if found is None or not found["active"]:
        raise NotFound(f"no department {dept_id} in your communities")
    return found


def change(conn: Connection, dept_id: int, changes: dict, scope) -> tuple[dict, dict]:
    before = find(conn, dept_id, scope)
    merged = {"name": before["name"], "kind": before["kind"],
              "contact_name": before["contact_name"], "contact_phone": before["contact_phone"],
              "communities": list(before["communities"]), "streets": [],
              "categories": list(before["categories"]), **changes}
    rows, problems = prepare(conn, [merged], scope, keep_name=before["name"])
    if problems:
        raise InvalidInput(problems[0], param=next(iter(changes), None))
    row = rows[0]
    store.update(conn, dept_id, {c: row[c] for c in store.COLUMNS})
    if {"communities", "streets", "categories"} & set(changes):
        store.set_links(conn, [dept_id], [row["community_ids"]], [row["categories"]])
    return before, find(conn, dept_id, scope)


def retire(conn: Connection, dept_id: int, scope) -> dict:
    before = find(conn, dept_id, scope)
    store.update(conn, dept_id, {"active": False})
    return before
