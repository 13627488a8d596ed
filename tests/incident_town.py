"""The test town of tests/geometries.py with workers, buildings and staff for incidents."""

from __future__ import annotations

from sqlalchemy import text

from tests.geometries import GRID_B, box_wkt, build_town, insert_grid

PRIVATE_PHONE = "13912345678"


def add_member(conn, name: str, role: str, grid_id: int, *, on_duty: bool = True,
               active: bool = True) -> int:
    return conn.execute(text(
        "INSERT INTO grid_members (name, role, public_phone, private_phone, grid_id, active,"
        " on_duty) VALUES (:n, :r, '010-65001111', :pp, :g, :a, :d) RETURNING id"),
        {"n": name, "r": role, "pp": PRIVATE_PHONE, "g": grid_id, "a": active,
         "d": on_duty}).scalar_one()


def add_building(conn, code: str, address: str, box, grid_id: int | None,
                 community_id: int | None, name: str | None = None) -> int:
    return conn.execute(text(
        "INSERT INTO buildings (code, name, address, geom, households, residents, grid_id,"
        " community_id) VALUES (:code, :name, :address, ST_GeomFromText(:wkt, 4326), 40, 100,"
        " :g, :c) RETURNING id"),
        {"code": code, "name": name, "address": address, "wkt": box_wkt(*box),
         "g": grid_id, "c": community_id}).scalar_one()


def build_incident_town(conn) -> dict[str, int]:
    """Town + workers: A has an on-duty full-time worker and a chief; B only a chief;
    C a full-time worker off duty and a chief; D a full-time worker. Buildings in A and D."""
    ids = build_town(conn)
    ids["A_full"] = add_member(conn, "张伟", "full_time", ids["A"])
    ids["A_chief"] = add_member(conn, "李娜", "grid_chief", ids["A"])
    ids["B_chief"] = add_member(conn, "孙丽", "grid_chief", ids["B"])
    ids["C_full"] = add_member(conn, "周杰", "full_time", ids["C"], on_duty=False)
    ids["C_chief"] = add_member(conn, "吴刚", "grid_chief", ids["C"])
    ids["D_full"] = add_member(conn, "赵敏", "full_time", ids["D"])
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
