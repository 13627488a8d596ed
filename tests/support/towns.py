"""The shared towns: the named town of tests/support/geometries.py, and the same town
grown for incidents (workers and buildings), for a redraw (an old boundary of B) and for
statistics (a month of hand-made history, party members). The ``town`` fixture of
tests/conftest.py builds one of them, chosen by a ``town`` marker (see :data:`TOWNS`).

The statistics period is May 2025 in Asia/Shanghai: [2025-04-30T16:00Z, 2025-05-31T16:00Z).
Every incident's times are chosen so that the expected numbers can be worked out by hand
(see tests/stats/test_stats_api.py). Households: A 80 (two buildings of 40), B 0, C 0, D 40.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import text

from tests.support.geometries import GRID_B, box_wkt, build_town, insert_grid, xy

PRIVATE_PHONE = "13912345678"


def add_member(conn, name: str, role: str, grid_id: int, *, on_duty: bool = True,
               active: bool = True, service_hours: str | None = None,
               publish: bool = True) -> int:
    """A worker serving ``grid_id`` since 2000; ``on_duty=False``: on leave since 2000
    with no substitute (what the old on_duty flag meant)."""
    member = conn.execute(text(
        "INSERT INTO grid_members (name, role, public_phone, private_phone, community_id,"
        " active, publish, service_hours) SELECT :n, :r, '010-65001111', :pp, g.community_id,"
        " :a, :p, :h FROM grids g WHERE g.id = :g RETURNING id"),
        {"n": name, "r": role, "pp": PRIVATE_PHONE, "g": grid_id, "a": active,
         "p": publish, "h": service_hours}).scalar_one()
    serve(conn, member, grid_id)
    if not on_duty:
        conn.execute(text("INSERT INTO worker_leave (worker_id, starts_on) VALUES"
                          " (:m, '2000-01-01')"), {"m": member})
    return member


def serve(conn, member: int, grid_id: int, since: str = "2000-01-01") -> None:
    conn.execute(text("INSERT INTO worker_grids (worker_id, grid_id, served_from)"
                      " VALUES (:m, :g, :s)"), {"m": member, "g": grid_id, "s": since})


def add_building(conn, code: str, address: str, box, grid_id: int | None,
                 community_id: int | None, name: str | None = None) -> int:
    return conn.execute(text(
        "INSERT INTO buildings (code, name, address, geom, households, residents, grid_id,"
        " community_id) VALUES (:code, :name, :address, ST_GeomFromText(:wkt, 4326), 40, 100,"
        " :g, :c) RETURNING id"),
        {"code": code, "name": name, "address": address, "wkt": box_wkt(*box),
         "g": grid_id, "c": community_id}).scalar_one()


def build_incident_town(conn, service_hours: str | None = None) -> dict[str, int]:
    """Town + workers: A has an on-duty full-time worker and a chief; B only a chief;
    C a full-time worker off duty and a chief; D a full-time worker. Buildings in A and D.
    ``service_hours``: every worker's, if given."""
    ids, hours = build_town(conn), {"service_hours": service_hours}
    ids["A_full"] = add_member(conn, "张伟", "full_time", ids["A"], **hours)
    ids["A_chief"] = add_member(conn, "李娜", "grid_chief", ids["A"], **hours)
    ids["B_chief"] = add_member(conn, "孙丽", "grid_chief", ids["B"], **hours)
    ids["C_full"] = add_member(conn, "周杰", "full_time", ids["C"], on_duty=False, **hours)
    ids["C_chief"] = add_member(conn, "吴刚", "grid_chief", ids["C"], **hours)
    ids["D_full"] = add_member(conn, "赵敏", "full_time", ids["D"], **hours)
    ids["bA"] = add_building(conn, "1101010010010010001", "景山东街12号院1号楼",
                             (0.5, 0.5, 0.7, 0.7), ids["A"], ids["C1"], "1号楼")
    ids["bA2"] = add_building(conn, "1101010010010010002", "景山东街12号院2号楼",
                              (1.0, 0.5, 1.2, 0.7), ids["A"], ids["C1"], "2号楼")
    ids["bD"] = add_building(conn, "1101010010020010001", "黄图岗胡同8号",
                             (4.5, 0.5, 4.7, 0.7), ids["D"], ids["C2"], "阳光小区")
    return ids


def build_redrawn_town(conn) -> dict[str, int]:
    """:func:`build_incident_town` with a redraw: grid B's old boundary (``B_old``), in
    force through 2023, while ``B`` stays current from 2024."""
    ids = build_incident_town(conn)
    ids["B_old"] = insert_grid(conn, GRID_B, "旧第二网格", ids["C1"], (2, 0, 4, 2),
                               valid_to="2024-01-01")
    conn.execute(text("UPDATE grids SET valid_from = '2024-01-01' WHERE id = :b"),
                 {"b": ids["B"]})
    return ids


FAR = "2099-01-01T00:00:00Z"
PERIOD = {"from": "2025-05-01", "to": "2025-06-01"}


def t(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def add_incident(conn, point, grid_id, community_id, *, reported: str, status: str,
                 due: str | None = FAR, closed: str | None = None, events=(),
                 category: str = "环境卫生", merged_into: int | None = None) -> int:
    """An incident located at ``point`` (unit coordinates) with its ``events``
    (``(action, at)``, after the ``report`` event at ``reported``)."""
    lon, lat = xy(*point)
    incident_id = conn.execute(text(
        "INSERT INTO incidents (category, geom, source, reported_at, status, priority, due_at,"
        " response_due_at, closed_at, merged_into_id) VALUES (:cat,"
        " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'patrol', :rep, :status, 2, :due,"
        " :rdue, :closed, :merged) RETURNING id"),
        {"cat": category, "lon": lon, "lat": lat, "rep": t(reported), "status": status,
         "due": t(due) if due else None, "rdue": t(due) if due else None,
         "closed": t(closed) if closed else None, "merged": merged_into}).scalar_one()
    state = "covered" if grid_id else "out_of_area"
    conn.execute(text("INSERT INTO incident_locations (incident_id, grid_id, community_id,"
                      " state) VALUES (:i, :g, :c, :s)"),
                 {"i": incident_id, "g": grid_id, "c": community_id, "s": state})
    for action, at in (("report", reported), *events):
        conn.execute(text("INSERT INTO incident_events (incident_id, at, actor, action)"
                          " VALUES (:i, :at, 'test', :a)"),
                     {"i": incident_id, "at": t(at), "a": action})
    return incident_id


def build_stats_town(conn) -> dict[str, int]:
    ids = build_incident_town(conn)
    a, b, d, c1, c2 = ids["A"], ids["B"], ids["D"], ids["C1"], ids["C2"]
    ids["i1"] = add_incident(  # A: responded 1 h, closed on time after 26 h
        conn, (1, 1), a, c1, reported="2025-05-02T02:00Z", status="closed",
        due="2025-05-04T00:00Z", closed="2025-05-03T04:00Z",
        events=[("accept", "2025-05-02T03:00Z"), ("dispatch", "2025-05-02T04:00Z"),
                ("start", "2025-05-02T05:00Z"), ("resolve", "2025-05-03T02:00Z"),
                ("close", "2025-05-03T04:00Z")])
    ids["i2"] = add_incident(  # A: responded 3 h, reworked, closed late after 240 h
        conn, (1.2, 1), a, c1, reported="2025-05-10T00:00Z", status="closed",
        due="2025-05-15T00:00Z", closed="2025-05-20T00:00Z",
        events=[("accept", "2025-05-10T03:00Z"), ("dispatch", "2025-05-10T04:00Z"),
                ("start", "2025-05-10T05:00Z"), ("resolve", "2025-05-11T00:00Z"),
                ("reopen", "2025-05-12T00:00Z"), ("dispatch", "2025-05-12T01:00Z"),
                ("start", "2025-05-12T02:00Z"), ("resolve", "2025-05-13T00:00Z"),
                ("close", "2025-05-20T00:00Z")])
    ids["i3"] = add_incident(  # A: still reported, overdue since 2025
        conn, (1.4, 1), a, c1, reported="2025-05-20T00:00Z", status="reported",
        due="2025-05-21T00:00Z")
    add_incident(  # A: merged into i1, not counted anywhere
        conn, (1, 1.1), a, c1, reported="2025-05-03T00:00Z", status="closed",
        closed="2025-05-03T02:00Z", merged_into=ids["i1"],
        events=[("accept", "2025-05-03T01:00Z"), ("merge", "2025-05-03T02:00Z")])
    add_incident(  # A: reported in April, closed late in May after 288 h
        conn, (1.6, 1), a, c1, reported="2025-04-20T00:00Z", status="closed",
        due="2025-04-25T00:00Z", closed="2025-05-02T00:00Z",
        events=[("accept", "2025-04-20T01:00Z"), ("resolve", "2025-04-25T00:00Z"),
                ("close", "2025-05-02T00:00Z")])
    ids["i4"] = add_incident(  # B: accepted after 2 h, open, not due
        conn, (3, 0.5), b, c1, reported="2025-05-05T00:00Z", status="accepted",
        category="噪音扰民", events=[("accept", "2025-05-05T02:00Z")])
    add_incident(  # D: 01:00 on 1 May local time (30 April in UTC); closed, no deadline
        conn, (5, 1), d, c2, reported="2025-04-30T17:00Z", status="closed", due=None,
        closed="2025-04-30T19:00Z",
        events=[("dispatch", "2025-04-30T17:30Z"), ("resolve", "2025-04-30T18:00Z"),
                ("close", "2025-04-30T19:00Z")])
    add_incident(  # D: 04:00 on 1 June local time: after the period
        conn, (5, 1.2), d, c2, reported="2025-05-31T20:00Z", status="reported")
    add_incident(  # in community 2 but in no grid (the gap): outside at grid level
        conn, (7, 1), None, c2, reported="2025-05-15T00:00Z", status="reported")
    return ids


def add_party(conn, ids: dict[str, int]) -> dict[str, int]:
    """Members: two residents of building bA and one in-service member serve A; one
    resident of bD serves D; B and C have none. A has a branch, bA a building group.
    A building in C (40 households) is 187 m from the nearest serving home."""
    ids["bC"] = add_building(conn, "1101010010010030001", "景山东街30号", (2.5, 1.2, 2.7, 1.4),
                             ids["C"], ids["C1"], "30号楼")
    for name, kind, home, grid in (("党员甲", "resident", ids["bA"], ids["A"]),
                                   ("党员乙", "resident", ids["bA"], ids["A"]),
                                   ("党员丙", "in_service", None, ids["A"]),
                                   ("党员丁", "resident", ids["bD"], ids["D"])):
        conn.execute(text("INSERT INTO party_members (name, kind, home_building_id,"
                          " serving_grid_id, households_linked) VALUES (:n, :k, :h, :g, 5)"),
                     {"n": name, "k": kind, "h": home, "g": grid})
    conn.execute(text("INSERT INTO party_orgs (name, level, grid_id) VALUES"
                      " ('第一网格党支部', 'grid_branch', :g)"), {"g": ids["A"]})
    conn.execute(text("INSERT INTO party_orgs (name, level, building_id) VALUES"
                      " ('1号楼党小组', 'building_group', :b)"), {"b": ids["bA"]})
    return ids


TOWNS: dict[str, Callable[..., dict[str, int]]] = {
    "plain": build_town, "incidents": build_incident_town, "redrawn": build_redrawn_town,
    "stats": build_stats_town}
