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
from sqlalchemy import Connection

from geo.core import crs as geocrs
from geo.core.errors import InvalidInput
from geo.plans.drafts import PlanRef
from geo.plans.parse import default_name
from geo.plans.store import edit as store

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
    pieces = store.split_pieces(conn, target.id, line_hex)
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
    store.set_geoms(conn, [(target.id, pieces[0].geom)])
    store.add_grid(conn, plan.id, code, default_name(code), pieces[1].geom)
    moved = store.move_split_buildings(conn, plan.id, target.code, code,
                                       kept=pieces[0].geom, added=pieces[1].geom)
    return {"kept": target.code, "added": code,
            "moved": _moves(moved, target.code, code)}


def merge(conn: Connection, plan: PlanRef, first: int | str, second: int | str) -> dict:
    """Merge ``second`` into ``first`` (which keeps its code); returns ``{"kept",
    "removed", "moved"}``."""
    a = _grid(conn, plan.id, first, "grids")
    b = _grid(conn, plan.id, second, "grids")
    if a.id == b.id:
        raise InvalidInput("name two different grids to merge", param="grids")
    if a.code == b.code:
        raise InvalidInput(f"both grids have code {a.code}; fix the codes first", param="grids")
    union = store.union(conn, a.id, b.id, MERGE_SNAP_DEG)
    if union.parts != 1:
        raise InvalidInput(f"grids {a.code} and {b.code} do not share an edge, so together "
                           "they are not one polygon; merge neighbours only", param="grids",
                           details=_why("not_adjacent", a.code, other=b.code))
    store.set_geoms(conn, [(a.id, union.geom)])
    store.delete_grid(conn, b.id)
    moved = store.relabel_buildings(conn, plan.id, b.code, a.code)
    return {"kept": a.code, "removed": b.code, "moved": _moves(moved, b.code, a.code)}


def move_vertex(conn: Connection, plan: PlanRef, source: tuple[float, float],
                target: tuple[float, float], *, tolerance_m: float) -> dict:
    """Move every plan grid vertex within ``tolerance_m`` of ``source`` to ``target``;
    returns ``{"grids": [codes], "vertices": n}``."""
    before = store.overlaps_m2(conn, plan.id)
    rows = store.vertex_moved(conn, plan.id, source, target, tolerance_m)
    if not rows:
        raise InvalidInput(f"no grid of the plan has a vertex within {tolerance_m:g} m of "
                           f"[{source[0]:.7f}, {source[1]:.7f}]", param="from",
                           details=_why("no_vertex", None))
    for row in rows:
        if not row.valid:
            raise InvalidInput(f"moving the vertex would make grid {row.code} invalid "
                               f"({row.reason}); nothing was changed", param="to",
                               details=_why("invalid", row.code, reason=row.reason))
    store.set_geoms(conn, [(r.id, r.geom) for r in rows])
    after = store.overlaps_m2(conn, plan.id)
    worse = {k: v for k, v in after.items() if v - before.get(k, 0.0) > OVERLAP_SLACK_M2}
    if worse:
        (x, y), m2 = next(iter(worse.items()))
        raise InvalidInput(f"moving the vertex would make grids {x} and {y} overlap by "
                           f"{m2:.1f} m²; nothing was changed", param="to",
                           details=_why("overlap", x, other=y, m2=round(m2, 1), overlaps=[
                               {"grids": list(k), "m2": round(v, 2)} for k, v in worse.items()]))
    return {"grids": sorted(r.code for r in rows), "vertices": sum(r.moved for r in rows)}


# ---- helpers -------------------------------------------------------------------------------

def new_code(conn: Connection, plan: PlanRef) -> str:
    """The lowest grid code of the community unused by the plan and by any grid version
    (a retired code is not given to a new grid: history would mix the two).

    Raises InvalidInput when all 999 numbers are taken.
    """
    used = store.used_codes(conn, plan.id, plan.community_id)
    for n in range(1, MAX_GRID_NUMBER + 1):
        code = f"{plan.community_code}{n:03d}"
        if code not in used:
            return code
    raise InvalidInput(f"community {plan.community_code} has no free grid numbers left")


def _grid(conn: Connection, plan_id: int, ref: int | str, param: str):
    """The plan grid (row with id, code) named by id or code, else InvalidInput."""
    rows = store.grids_named(conn, plan_id, ref)
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
