"""SQL of drawing on a plan's grids: split along a line, merge two, move a shared vertex.

The geometry is PostGIS's (``ST_Split``, ``ST_UnaryUnion``, ``ST_DumpPoints``,
``ST_MakePolygon``) so that the result is exactly what the checks and publishing will read
back; areas are on the spheroid (``geography``). Geometries travel as EWKB.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Row, text


def grids_named(conn: Connection, plan_id: int, ref: int | str) -> list[Row]:
    """``(id, code)`` of the plan's grids with id ``ref`` (a number) or code ``ref``."""
    column = "id" if isinstance(ref, int) else "code"
    return conn.execute(text(f"SELECT id, code FROM plan_grids WHERE plan_id = :p"
                             f" AND {column} = :v"), {"p": plan_id, "v": ref}).all()


def used_codes(conn: Connection, plan_id: int, community_id: int) -> set[str]:
    """Codes of the plan's grids and of every grid version the community ever had."""
    return set(conn.execute(text("""
        SELECT code FROM plan_grids WHERE plan_id = :p
        UNION SELECT code FROM grids WHERE community_id = :c"""),
        {"p": plan_id, "c": community_id}).scalars())


def split_pieces(conn: Connection, grid_id: int, line_hex: str) -> list[Row]:
    """``(geom EWKB, m2)`` of the pieces a line (hex EWKB) cuts a plan grid into, largest
    first."""
    return conn.execute(text("""
        -- ST_Split keeps every piece on either side of every crossing; a line that does not
        -- cross from edge to edge leaves the grid whole (one piece).
        SELECT ST_AsEWKB(ST_Multi(d.geom)) AS geom, ST_Area(d.geom::geography) AS m2
          FROM plan_grids pg,
               ST_Dump(ST_CollectionExtract(ST_Split(pg.geom,
                   ST_GeomFromEWKB(decode(:line, 'hex'))), 3)) d
         WHERE pg.id = :id
         ORDER BY m2 DESC"""), {"id": grid_id, "line": line_hex}).all()


def set_geoms(conn: Connection, changes: Sequence[tuple[int, bytes]]) -> None:
    """Give plan grids new geometries: ``(plan grid id, EWKB)`` pairs."""
    conn.execute(text("UPDATE plan_grids SET geom = ST_GeomFromEWKB(:g) WHERE id = :id"),
                 [{"g": bytes(g), "id": i} for i, g in changes])


def add_grid(conn: Connection, plan_id: int, code: str, name: str, geom: bytes) -> None:
    conn.execute(text("INSERT INTO plan_grids (plan_id, code, name, geom)"
                      " VALUES (:p, :c, :n, ST_GeomFromEWKB(:g))"),
                 {"p": plan_id, "c": code, "n": name, "g": bytes(geom)})


def delete_grid(conn: Connection, grid_id: int) -> None:
    conn.execute(text("DELETE FROM plan_grids WHERE id = :id"), {"id": grid_id})


def move_split_buildings(conn: Connection, plan_id: int, old: str, new: str,
                         kept: bytes, added: bytes) -> list[str]:
    """Stated buildings of grid ``old`` whose larger part is in ``added`` go to ``new``;
    their building codes."""
    return list(conn.execute(text("""
        -- Stated buildings of the split grid go to the piece holding their largest part
        -- (areas in degrees compare fine within one building).
        UPDATE plan_buildings pb SET grid_code = :new
          FROM buildings b
         WHERE pb.plan_id = :p AND pb.grid_code = :old AND b.id = pb.building_id
           AND ST_Area(ST_Intersection(b.geom, ST_GeomFromEWKB(:added)))
             > ST_Area(ST_Intersection(b.geom, ST_GeomFromEWKB(:kept)))
        RETURNING b.code"""), {"p": plan_id, "new": new, "old": old,
                               "added": bytes(added), "kept": bytes(kept)}).scalars())


def relabel_buildings(conn: Connection, plan_id: int, old: str, new: str) -> list[str]:
    """Stated buildings of grid ``old`` go to ``new``; their building codes."""
    return list(conn.execute(text("""
        UPDATE plan_buildings pb SET grid_code = :to FROM buildings b
         WHERE pb.plan_id = :p AND pb.grid_code = :from AND b.id = pb.building_id
        RETURNING b.code"""), {"p": plan_id, "to": new, "from": old}).scalars())


def union(conn: Connection, first: int, second: int, snap_deg: float) -> Row:
    """``(geom EWKB, parts)``: the union of two plan grids, the second snapped to the first
    within ``snap_deg`` so that edges missing each other by rounding still meet."""
    return conn.execute(text("""
        SELECT ST_AsEWKB(ST_Multi(u)) AS geom, ST_NumGeometries(u) AS parts
          FROM (SELECT ST_UnaryUnion(ST_Collect(a.geom, ST_Snap(b.geom, a.geom, :snap))) AS u
                  FROM plan_grids a, plan_grids b WHERE a.id = :a AND b.id = :b) x"""),
        {"a": first, "b": second, "snap": snap_deg}).one()


_MOVE = """
    -- Rebuild each touched grid from its dumped vertices (path = polygon, ring, vertex),
    -- with the vertices near the source replaced by the target: the ring's closing vertex
    -- moves with its opening one, and neighbours sharing the corner move alike.
    WITH src AS (SELECT ST_SetSRID(ST_MakePoint(:sx, :sy), 4326) AS s,
                        ST_SetSRID(ST_MakePoint(:tx, :ty), 4326) AS t),
    pts AS (
        SELECT pg.id, pg.code, d.path,
               ST_DWithin(d.geom::geography, src.s::geography, :tol) AS hit, d.geom
          FROM plan_grids pg CROSS JOIN src, ST_DumpPoints(pg.geom) d
         WHERE pg.plan_id = :p AND ST_DWithin(pg.geom::geography, src.s::geography, :tol)),
    touched AS (  -- the closing vertex repeats the opening one: count it once
        SELECT id, count(*) FILTER (WHERE hit AND path[3] > 1) AS moved FROM pts GROUP BY id
                HAVING bool_or(hit)),
    rings AS (
        SELECT p.id, p.path[1] AS poly, p.path[2] AS ring,
               ST_MakeLine(CASE WHEN p.hit THEN src.t ELSE p.geom END ORDER BY p.path[3]) AS l
          FROM pts p JOIN touched USING (id) CROSS JOIN src
         GROUP BY p.id, p.path[1], p.path[2]),
    polys AS (
        SELECT id, poly, ST_MakePolygon((array_agg(l ORDER BY ring))[1],
                                        (array_agg(l ORDER BY ring))[2:]) AS g
          FROM rings GROUP BY id, poly),
    grids AS (SELECT id, ST_Multi(ST_Collect(g ORDER BY poly)) AS g FROM polys GROUP BY id)
    SELECT g.id, pg.code, t.moved, ST_AsEWKB(g.g) AS geom, ST_IsValid(g.g) AS valid,
           ST_IsValidReason(g.g) AS reason
      FROM grids g JOIN plan_grids pg USING (id) JOIN touched t USING (id)
     ORDER BY pg.code
"""


def vertex_moved(conn: Connection, plan_id: int, source: tuple[float, float],
                 target: tuple[float, float], tolerance_m: float) -> list[Row]:
    """Each plan grid with a vertex within ``tolerance_m`` of ``source``, rebuilt with those
    vertices at ``target`` (nothing written): ``(id, code, moved, geom, valid, reason)``."""
    return conn.execute(text(_MOVE), {"p": plan_id, "sx": source[0], "sy": source[1],
                                      "tx": target[0], "ty": target[1],
                                      "tol": tolerance_m}).all()


def overlaps_m2(conn: Connection, plan_id: int) -> dict[tuple[str, str], float]:
    """Overlapping area (m²) of each pair of the plan's grids that overlap."""
    rows = conn.execute(text("""
        SELECT a.code AS x, b.code AS y,
               ST_Area(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3)::geography) AS m2
          FROM plan_grids a JOIN plan_grids b
            ON a.plan_id = b.plan_id AND a.id < b.id AND ST_Overlaps(a.geom, b.geom)
         WHERE a.plan_id = :p"""), {"p": plan_id}).all()
    return {(r.x, r.y): r.m2 for r in rows}
