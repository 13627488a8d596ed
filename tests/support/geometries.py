"""Tiny named geometries for rule tests, in units of 0.001 degree near Tiananmen.

    y=2 +-----------+-----------+-----------+--------------------+
        |           |     C     |           |   gap (no grid)    |
    y=1 |     A     +-----------+     D     |   in community 2   |
        |           |     B     |           |                    |
    y=0 +-----------+-----------+-----------+--------------------+
       x=0         x=2         x=4         x=6                  x=8
        <------ community 1 ---><----------- community 2 -------->

Grid codes: A ...001001001, B ...001001002, C ...001001003, D ...001002001.
"""

from __future__ import annotations

from sqlalchemy import text

LON0, LAT0, UNIT = 116.39, 39.90, 0.001
COMMUNITY_1, COMMUNITY_2 = "110101001001", "110101001002"
GRID_A, GRID_B, GRID_C = (COMMUNITY_1 + s for s in ("001", "002", "003"))
GRID_D = COMMUNITY_2 + "001"


def xy(x: float, y: float) -> tuple[float, float]:
    """Lon/lat of the point at unit coordinates (x, y)."""
    return LON0 + x * UNIT, LAT0 + y * UNIT


def box_wkt(x0: float, y0: float, x1: float, y1: float) -> str:
    (a, b), (c, d) = xy(x0, y0), xy(x1, y1)
    return f"MULTIPOLYGON((({a} {b},{c} {b},{c} {d},{a} {d},{a} {b})))"


def insert_community(conn, code, name, box) -> int:
    return conn.execute(text(
        "INSERT INTO communities (code, name, street_name, street_code, office_address, geom)"
        " VALUES (:code, :name, '东华门街道', :street, '东华门大街1号',"
        " ST_GeomFromText(:wkt, 4326)) RETURNING id"),
        {"code": code, "name": name, "street": code[:9], "wkt": box_wkt(*box)}).scalar_one()


def insert_grid(conn, code, name, community_id, box, valid_to=None) -> int:
    return conn.execute(text(
        "INSERT INTO grids (code, name, community_id, geom, valid_from, valid_to)"
        " VALUES (:code, :name, :cid, ST_GeomFromText(:wkt, 4326), '2020-01-01', :valid_to)"
        " RETURNING id"),
        {"code": code, "name": name, "cid": community_id, "wkt": box_wkt(*box),
         "valid_to": valid_to}).scalar_one()


def build_town(conn) -> dict[str, int]:
    """Insert the layout above; return ids by name (A, B, C, D, C1, C2)."""
    ids = {"C1": insert_community(conn, COMMUNITY_1, "景山社区", (0, 0, 4, 2)),
           "C2": insert_community(conn, COMMUNITY_2, "黄图岗社区", (4, 0, 8, 2))}
    ids["A"] = insert_grid(conn, GRID_A, "第一网格", ids["C1"], (0, 0, 2, 2))
    ids["B"] = insert_grid(conn, GRID_B, "第二网格", ids["C1"], (2, 0, 4, 1))
    ids["C"] = insert_grid(conn, GRID_C, "第三网格", ids["C1"], (2, 1, 4, 2))
    ids["D"] = insert_grid(conn, GRID_D, "第一网格", ids["C2"], (4, 0, 6, 2))
    return ids


def insert_incident(conn, x: float, y: float, category: str = "环境卫生") -> int:
    lon, lat = xy(x, y)
    return conn.execute(text(
        "INSERT INTO incidents (category, geom, source, reported_at, status, priority)"
        " VALUES (:cat, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'patrol', now(),"
        " 'reported', 2) RETURNING id"), {"cat": category, "lon": lon, "lat": lat}).scalar_one()
