"""Drawing a plan's grids directly: split a grid with a line, merge two grids, move a
shared vertex. The geometry work is PostGIS's (``ST_Split``, ``ST_Union``, ``ST_DumpPoints``).

Each edit works in the caller's transaction after :func:`geo.plans.drafts.claim` and either
completes or raises (:class:`InvalidInput` naming what is wrong) before anything the caller
commits; buildings whose grid the plan *states* (``plan_buildings``) follow the edit, the
others follow the grids anyway (the largest-part rule of :mod:`geo.plans.buildings`).
Every edit returns the buildings whose stated grid it changed, so that it can be undone.

Rules where a planner could expect otherwise:

- **Split**: the line must cross the grid so that it falls into exactly two pieces, each
  at least ``min_m2``; the larger piece keeps the code, the other gets the lowest grid
  number of the community that neither the plan nor any grid version ever used.
- **Merge**: two grids of the plan whose union is one polygon (they share an edge, not
  just a corner); the first keeps its code and name, the second is removed.
- **Vertex move**: every vertex of every plan grid within ``tolerance_m`` of ``source`` moves
  to ``target``, so that neighbours sharing the corner follow; a move that makes a grid
  invalid or makes grids overlap more than before is refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import shapely
import shapely.geometry
from sqlalchemy import Connection, text

from geo.core import crs as geocrs
from geo.core.errors import InvalidInput
from geo.plans.drafts import PlanRef
from geo.plans.parse import default_name

MAX_LINE_VERTICES = 1000
MAX_GRID_NUMBER = 999
# Overlap a vertex move may add before it is refused (m²): rounding, not a real overlap.
OVERLAP_SLACK_M2 = 0.01
# Two grids whose edges miss each other by less than this (degrees, about 1 cm) still merge.
MERGE_SNAP_DEG = 1e-7

Box = Sequence[float]


# ---- input ---------------------------------------------------------------------------------

def line(value: Any, *, crs: str | None, bounds: Box) -> str:
    """A GeoJSON LineString (or a Feature holding one) as hex EWKB in WGS-84.

    >>> line({"type": "LineString", "coordinates": [[116.39, 39.9], [116.4, 39.9]]},
    ...      crs=None, bounds=(73, 3, 136, 54))[:10]
    '0102000020'
    """
    if isinstance(value, Mapping) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, Mapping) or value.get("type") != "LineString":
        raise InvalidInput("'line' must be a GeoJSON LineString", param="line")
    coords = value.get("coordinates")
    if not isinstance(coords, list) or not 2 <= len(coords) <= MAX_LINE_VERTICES:
        raise InvalidInput(f"'line' needs 2 to {MAX_LINE_VERTICES} positions", param="line")
    points = [_position(c, "line", crs, bounds) for c in coords]
    geom = shapely.LineString(points)
    if geom.length == 0:
        raise InvalidInput("'line' has no length: its positions are all the same", param="line")
    return shapely.to_wkb(shapely.set_srid(geom, 4326), hex=True, include_srid=True)


def position(value: Any, name: str, *, crs: str | None, bounds: Box) -> tuple[float, float]:
    """``[lon, lat]`` in ``crs`` as WGS-84 lon/lat inside ``bounds``."""
    return _position(value, name, crs, bounds)


def _position(value: Any, name: str, crs: str | None, bounds: Box) -> tuple[float, float]:
    if (not isinstance(value, list | tuple) or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            or not all(math.isfinite(v) for v in value)):
        raise InvalidInput(f"'{name}' positions must be [lon, lat] numbers", param=name)
    lon, lat = geocrs.to_wgs84(float(value[0]), float(value[1]), crs)
    if not (bounds[0] <= lon <= bounds[2] and bounds[1] <= lat <= bounds[3]):
        raise InvalidInput(f"'{name}' position [{value[0]}, {value[1]}] is outside the service "
                           f"area {list(bounds)}", param=name)
    return lon, lat


def grid_ref(value: Any, name: str) -> int | str:
    """A plan grid named by its id (number) or code (text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip() and len(value) <= 15:
        return value.strip()
    raise InvalidInput(f"'{name}' must be a grid code or a plan grid id", param=name)


# ---- the edits -----------------------------------------------------------------------------

def split(conn: Connection, plan: PlanRef, grid: int | str, line_hex: str, *,
          min_m2: float) -> dict:
    """Split a grid along a line; returns ``{"kept", "added", "moved"}`` (codes; moved:
    ``[{building, from, to}]`` of stated assignments that went to the new grid)."""
    target = _grid(conn, plan.id, grid, "grid")
    pieces = conn.execute(text("""
        -- ST_Split keeps every piece on either side of every crossing; a line that does not
        -- cross from edge to edge leaves the grid whole (one piece).
        SELECT ST_AsEWKB(ST_Multi(d.geom)) AS geom, ST_Area(d.geom::geography) AS m2
          FROM plan_grids pg,
               ST_Dump(ST_CollectionExtract(ST_Split(pg.geom,
                   ST_GeomFromEWKB(decode(:line, 'hex'))), 3)) d
         WHERE pg.id = :id
         ORDER BY m2 DESC"""), {"id": target.id, "line": line_hex}).all()
    if len(pieces) < 2:
        raise InvalidInput(f"the line does not cross grid {target.code} from edge to edge; "
                           "draw it across the grid, starting and ending outside it",
                           param="line", details=_why("not_crossing", target.code))
    if len(pieces) > 2:
        raise InvalidInput(f"the line cuts grid {target.code} into {len(pieces)} pieces; "
                           "draw a line that divides it in two", param="line",
                           details=_why("pieces", target.code, pieces=len(pieces)))
    if pieces[1].m2 < min_m2:
        raise InvalidInput(f"the line would leave a piece of {pieces[1].m2:.0f} m², under the "
                           f"{min_m2:g} m² a grid needs", param="line",
                           details=_why("piece_small", target.code,
                                        piece_m2=round(pieces[1].m2, 1), min_m2=min_m2))
    code = new_code(conn, plan)
    conn.execute(text("UPDATE plan_grids SET geom = ST_GeomFromEWKB(:g) WHERE id = :id"),
                 {"g": bytes(pieces[0].geom), "id": target.id})
    conn.execute(text("INSERT INTO plan_grids (plan_id, code, name, geom)"
                      " VALUES (:p, :c, :n, ST_GeomFromEWKB(:g))"),
                 {"p": plan.id, "c": code, "n": default_name(code), "g": bytes(pieces[1].geom)})
    moved = conn.execute(text("""
        -- Stated buildings of the split grid go to the piece holding their largest part
        -- (areas in degrees compare fine within one building).
        UPDATE plan_buildings pb SET grid_code = :new
          FROM buildings b
         WHERE pb.plan_id = :p AND pb.grid_code = :old AND b.id = pb.building_id
           AND ST_Area(ST_Intersection(b.geom, ST_GeomFromEWKB(:added)))
             > ST_Area(ST_Intersection(b.geom, ST_GeomFromEWKB(:kept)))
        RETURNING b.code"""), {"p": plan.id, "new": code, "old": target.code,
                               "added": bytes(pieces[1].geom), "kept": bytes(pieces[0].geom)})
    return {"kept": target.code, "added": code,
            "moved": _moves(moved.scalars().all(), target.code, code)}


def merge(conn: Connection, plan: PlanRef, first: int | str, second: int | str) -> dict:
    """Merge ``second`` into ``first`` (which keeps its code); returns ``{"kept",
    "removed", "moved"}``."""
    a = _grid(conn, plan.id, first, "grids")
    b = _grid(conn, plan.id, second, "grids")
    if a.id == b.id:
        raise InvalidInput("name two different grids to merge", param="grids")
    if a.code == b.code:
        raise InvalidInput(f"both grids have code {a.code}; fix the codes first", param="grids")
    union = conn.execute(text("""
        SELECT ST_AsEWKB(ST_Multi(u)) AS geom, ST_NumGeometries(u) AS parts
          FROM (SELECT ST_UnaryUnion(ST_Collect(a.geom, ST_Snap(b.geom, a.geom, :snap))) AS u
                  FROM plan_grids a, plan_grids b WHERE a.id = :a AND b.id = :b) x"""),
        {"a": a.id, "b": b.id, "snap": MERGE_SNAP_DEG}).one()
    if union.parts != 1:
        raise InvalidInput(f"grids {a.code} and {b.code} do not share an edge, so together "
                           "they are not one polygon; merge neighbours only", param="grids",
                           details=_why("not_adjacent", a.code, other=b.code))
    conn.execute(text("UPDATE plan_grids SET geom = ST_GeomFromEWKB(:g) WHERE id = :id"),
                 {"g": bytes(union.geom), "id": a.id})
    conn.execute(text("DELETE FROM plan_grids WHERE id = :id"), {"id": b.id})
    moved = conn.execute(text("""
        UPDATE plan_buildings pb SET grid_code = :to FROM buildings b
         WHERE pb.plan_id = :p AND pb.grid_code = :from AND b.id = pb.building_id
        RETURNING b.code"""), {"p": plan.id, "to": a.code, "from": b.code})
    return {"kept": a.code, "removed": b.code,
            "moved": _moves(moved.scalars().all(), b.code, a.code)}


def move_vertex(conn: Connection, plan: PlanRef, source: tuple[float, float],
                target: tuple[float, float], *, tolerance_m: float) -> dict:
    """Move every plan grid vertex within ``tolerance_m`` of ``source`` to ``target``;
    returns ``{"grids": [codes], "vertices": n}``."""
    values = {"p": plan.id, "sx": source[0], "sy": source[1], "tx": target[0],
              "ty": target[1], "tol": tolerance_m}
    before = _overlap_m2(conn, plan.id)
    rows = conn.execute(text(_MOVE), values).all()
    if not rows:
        raise InvalidInput(f"no grid of the plan has a vertex within {tolerance_m:g} m of "
                           f"[{source[0]:.7f}, {source[1]:.7f}]", param="from",
                           details=_why("no_vertex", None))
    for row in rows:
        if not row.valid:
            raise InvalidInput(f"moving the vertex would make grid {row.code} invalid "
                               f"({row.reason}); nothing was changed", param="to",
                               details=_why("invalid", row.code, reason=row.reason))
    conn.execute(text("UPDATE plan_grids SET geom = ST_GeomFromEWKB(:g) WHERE id = :id"),
                 [{"g": bytes(r.geom), "id": r.id} for r in rows])
    after = _overlap_m2(conn, plan.id)
    worse = {k: v for k, v in after.items() if v - before.get(k, 0.0) > OVERLAP_SLACK_M2}
    if worse:
        (x, y), m2 = next(iter(worse.items()))
        raise InvalidInput(f"moving the vertex would make grids {x} and {y} overlap by "
                           f"{m2:.1f} m²; nothing was changed", param="to",
                           details=_why("overlap", x, other=y, m2=round(m2, 1), overlaps=[
                               {"grids": list(k), "m2": round(v, 2)} for k, v in worse.items()]))
    return {"grids": sorted(r.code for r in rows), "vertices": sum(r.moved for r in rows)}


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


def _overlap_m2(conn: Connection, plan_id: int) -> dict[tuple[str, str], float]:
    """Overlapping area (m²) of each pair of the plan's grids that overlap."""
    rows = conn.execute(text("""
        SELECT a.code AS x, b.code AS y,
               ST_Area(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3)::geography) AS m2
          FROM plan_grids a JOIN plan_grids b
            ON a.plan_id = b.plan_id AND a.id < b.id AND ST_Overlaps(a.geom, b.geom)
         WHERE a.plan_id = :p"""), {"p": plan_id}).all()
    return {(r.x, r.y): r.m2 for r in rows}


# ---- helpers -------------------------------------------------------------------------------

def new_code(conn: Connection, plan: PlanRef) -> str:
    """The lowest grid code of the community unused by the plan and by any grid version
    (a retired code is not given to a new grid: history would mix the two).

    Raises InvalidInput when all 999 numbers are taken.
    """
    used = set(conn.execute(text("""
        SELECT code FROM plan_grids WHERE plan_id = :p
        UNION SELECT code FROM grids WHERE community_id = :c"""),
        {"p": plan.id, "c": plan.community_id}).scalars())
    for n in range(1, MAX_GRID_NUMBER + 1):
        code = f"{plan.community_code}{n:03d}"
        if code not in used:
            return code
    raise InvalidInput(f"community {plan.community_code} has no free grid numbers left")


def _grid(conn: Connection, plan_id: int, ref: int | str, param: str):
    """The plan grid (row with id, code) named by id or code, else InvalidInput."""
    column = "id" if isinstance(ref, int) else "code"
    rows = conn.execute(text(f"SELECT id, code FROM plan_grids WHERE plan_id = :p"
                             f" AND {column} = :v"), {"p": plan_id, "v": ref}).all()
    if not rows:
        raise InvalidInput(f"the plan has no grid {ref}", param=param)
    if len(rows) > 1:
        raise InvalidInput(f"{len(rows)} grids of the plan have code {ref}; name the one you "
                           f"mean by its id ({', '.join(str(r.id) for r in rows)})", param=param)
    return rows[0]


def _why(refusal: str, grid: str | None, **more) -> dict:
    """Details of a refused edit: a fixed word for clients to translate, and the grid."""
    return {"refusal": refusal, "grid": grid, **more}


def _moves(buildings: Sequence[str], old: str, new: str) -> list[dict]:
    return [{"building": b, "from": old, "to": new} for b in sorted(buildings)]
