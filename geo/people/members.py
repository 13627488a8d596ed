"""Party members and organisations: checked values → rows with codes resolved within the
caller's communities (one member or a file alike), the writes, and 双报到 decisions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from geo.core.errors import Conflict, InvalidInput, NotFound
from geo.people import party
from geo.people.store import party as store
from geo.people.store import refs


def _row(values: dict, grids: dict, buildings: dict, orgs: dict) -> dict:
    grid = building = None
    if values["serving_grid"]:
        grid = grids.get(values["serving_grid"])
        if grid is None:
            raise InvalidInput(f"no current grid {values['serving_grid']} in your "
                               "communities", param="serving_grid")
    if values["home_building"]:
        building = buildings.get(values["home_building"])
        if building is None:
            raise InvalidInput(f"no building {values['home_building']} in your communities",
                               param="home_building")
    if values["org"] is not None and values["org"] not in orgs:
        raise InvalidInput(f"no party organisation {values['org']} in your communities",
                           param="org")
    return {"name": values["name"], "kind": values["kind"], "work_unit": values["work_unit"],
            "home_building_id": building and building[0], "serving_grid_id": grid and grid[0],
            "org_id": values["org"], "phone": values["phone"],
            "registered_on": values["registered_on"], "left_on": values["left_on"],
            "community_id": (grid or building)[1]}


def prepare(conn: Connection, checked: Sequence[dict | None], scope, *, status: str,
            actor: str | None) -> tuple[list[dict | None], dict[int, str]]:
    """Rows for ``checked`` members with ``status`` (decided by ``actor``), and the
    reasons of those that cannot be written, by position."""
    good = [c for c in checked if c is not None]
    grids = refs.grids(conn, (c["serving_grid"] for c in good if c["serving_grid"]), scope)
    buildings = refs.buildings(conn, (c["home_building"] for c in good
                                      if c["home_building"]), scope)
    orgs = refs.orgs(conn, (c["org"] for c in good if c["org"] is not None), scope)
    rows: list[dict | None] = []
    problems: dict[int, str] = {}
    for i, values in enumerate(checked):
        try:
            row = None if values is None else _row(values, grids, buildings, orgs)
        except InvalidInput as err:
            row, problems[i] = None, str(err)
        if row is not None:
            row.update(status=status, decided_by=actor if status != "pending" else None)
        rows.append(row)
    return rows, problems


def write(conn: Connection, rows: Sequence[dict]) -> list[int]:
    return store.insert_members(conn, rows)


def find(conn: Connection, member_id: int, scope) -> dict:
    member = store.member(conn, member_id, scope)
    if member is None:
        raise NotFound(f"no party member {member_id} in your communities")
    return member


def change(conn: Connection, member_id: int, changes: dict, scope) -> tuple[dict, dict]:
    """Apply checked ``changes`` (partial) to a member in ``scope``: (before, after)."""
    before = find(conn, member_id, scope)
    merged = {**{k: before[k] for k in ("name", "kind", "work_unit", "home_building",
                                        "serving_grid", "org", "phone", "registered_on",
                                        "left_on")}, **changes}
    rows, problems = prepare(conn, [merged], scope, status=before["status"], actor=None)
    if problems:
        raise InvalidInput(problems[0], param=next(iter(changes), None))
    row = rows[0]
    store.update_member(conn, member_id, {k: v for k, v in row.items()
                                          if k not in ("status", "decided_by")})
    return before, find(conn, member_id, scope)


def decide(conn: Connection, member_id: int, action: str, scope, actor: str
           ) -> tuple[dict, dict]:
    """Confirm or decline a pending 双报到 registration of ``scope``."""
    before = find(conn, member_id, scope)
    store.decide(conn, member_id, party.decision(action, before["status"]), actor)
    return before, find(conn, member_id, scope)


def register(conn: Connection, values: dict) -> int:
    """A pending in-service member from the public 双报到 form; its id."""
    area = refs.communities(conn, [values["community"]], [], None).get(values["community"])
    if area is None:
        raise InvalidInput(f"no community {values['community']}", param="community")
    grid = None
    if values["serving_grid"]:
        grid = refs.grids(conn, [values["serving_grid"]], area).get(values["serving_grid"])
        if grid is None:
            raise InvalidInput(f"no current grid {values['serving_grid']} in community "
                               f"{values['community']}", param="serving_grid")
    (member_id,) = store.insert_members(conn, [{
        "name": values["name"], "kind": "in_service", "work_unit": values["work_unit"],
        "phone": values["phone"], "serving_grid_id": grid and grid[0],
        "community_id": area[0], "status": "pending"}])
    return member_id


def create_org(conn: Connection, values: dict, scope) -> int:
    """A party organisation: name, level, parent (id), and the community, grid or
    building (codes) it covers; its community is that of what it covers or its parent."""
    return store.insert_org(conn, org_row(conn, values, scope))


def org_row(conn: Connection, values: dict, scope) -> dict:
    """Checked organisation values → a row of ``store.ORG_COLUMNS``, codes resolved
    within ``scope``."""
    community = None
    grid = building = parent = None
    if values.get("grid"):
        grid = refs.grids(conn, [values["grid"]], scope).get(values["grid"])
        if grid is None:
            raise InvalidInput(f"no current grid {values['grid']} in your communities",
                               param="grid")
        community = grid[1]
    if values.get("building"):
        building = refs.buildings(conn, [values["building"]], scope).get(values["building"])
        if building is None:
            raise InvalidInput(f"no building {values['building']} in your communities",
                               param="building")
        community = building[1]
    if values.get("community"):
        found = refs.communities(conn, [values["community"]], [], scope)
        if values["community"] not in found:
            raise InvalidInput(f"no community {values['community']} in your communities",
                               param="community")
        community = found[values["community"]][0]
    if values.get("parent") is not None:
        parent = refs.orgs(conn, [values["parent"]], scope)
        if values["parent"] not in parent:
            raise InvalidInput(f"no party organisation {values['parent']} in your "
                               "communities", param="parent")
        community = community or parent[values["parent"]]
    if community is None:
        raise InvalidInput("give the community, grid or building the organisation covers, "
                           "or its parent", param="community")
    return {
        "name": values["name"], "level": values["level"], "parent_id": values.get("parent"),
        "community_id": community, "grid_id": grid and grid[0],
        "building_id": building and building[0]}


def find_org(conn: Connection, org_id: int, scope) -> dict:
    org = store.org(conn, org_id, scope)
    if org is None:
        raise NotFound(f"no party organisation {org_id} in your communities")
    return org


def as_org_values(org: dict) -> dict:
    """A stored organisation in the shape of ``checks.check_org``'s input."""
    return {k: org[k] for k in ("name", "level", "parent", "community", "grid", "building")}


def change_org(conn: Connection, org_id: int, values: dict, scope) -> dict:
    """Replace an organisation's fields with checked ``values`` (whole); it may not be
    put under itself or one of its own descendants. The organisation after."""
    if values.get("parent") is not None and values["parent"] in store.subtree(conn, org_id):
        raise InvalidInput(f"organisation {values['parent']} is {org_id} itself or below "
                           "it: it cannot be its parent", param="parent")
    store.update_org(conn, org_id, org_row(conn, values, scope))
    return find_org(conn, org_id, scope)


def remove_org(conn: Connection, org_id: int) -> None:
    """Delete an organisation that has no child organisations and no members (of any
    status, left ones too: their history names it)."""
    children, people = store.org_dependants(conn, org_id)
    if children or people:
        raise Conflict(f"party organisation {org_id} still has {children} child "
                       f"organisation(s) and {people} member(s); move or remove them first")
    store.delete_org(conn, org_id)
