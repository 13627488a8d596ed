"""Party-member coverage per grid, community or building: counts only, never a person.

Definitions:

- **serving members** (服务党员) of a grid: party members whose ``serving_grid_id`` is the
  grid — residents serving where they live and in-service members registered there
  (在职党员双报到); both kinds are also given apart. A member serving an older version
  of a grid counts for the current grid with its code.
- **households per serving member** (每名党员联系户数) = households ÷ serving members (no
  value without a member); **over target** when it exceeds ``target``; **no member**
  when a grid with households has no serving member.
- **grid branch** (网格党支部): a ``party_orgs`` row of level ``grid_branch`` for the grid.
- **building party group** (楼栋党小组): a ``party_orgs`` row of level ``building_group``
  for the building.
- **far** (远离党员): a building whose centroid is more than ``distance`` metres from the
  centroid of every building that is the home of a serving member. Only the yes/no
  answer leaves this module: a distance of 0 would say that a member lives there.

Distances are computed in metres (UTM) over building centroids with a k-d tree and kept
in ``building_coverage`` (up to ``MAX_DISTANCE_M``); statement triggers mark them stale
when party members or building outlines change, and ``refresh`` (run before each
coverage request and by ``flask stats refresh``) recomputes them then, once.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Connection

from geo.core.params import Box
from geo.stats import store

LEVELS = ("grid", "community", "building")
MAX_DISTANCE_M = 2000.0
BUILDING_LIMIT = 20_000


def refresh(conn: Connection) -> bool:
    """Recompute every building's distance to the nearest serving member's home if party
    members or buildings changed since the last time; True if it did. Runs in the
    caller's transaction; a refresh running elsewhere is waited for, so that no request
    reads distances older than the changes committed before it."""
    if not store.take_stale(conn):
        return False
    rows = store.building_points(conn)
    ids = [r[0] for r in rows]
    distances = nearest_distances(np.array([r[1:3] for r in rows], float).reshape(-1, 2),
                                  np.array([r[3] for r in rows], bool))
    store.replace_distances(conn, ids, [None if np.isinf(d) else round(float(d), 1)
                                        for d in distances])
    return True


def nearest_distances(lon_lat: np.ndarray, is_home: np.ndarray) -> np.ndarray:
    """Metres from each point to the nearest point flagged ``is_home`` (``inf`` beyond
    ``MAX_DISTANCE_M`` or when there is none), in the UTM zone of the points' middle.

    >>> pts = np.array([[116.39, 39.9], [116.39, 39.901], [116.5, 39.9]])
    >>> nearest_distances(pts, np.array([True, False, False])).round()
    array([  0., 111.,  inf])
    """
    out = np.full(len(lon_lat), np.inf)
    if not len(lon_lat) or not is_home.any():
        return out
    from pyproj import Transformer
    from scipy.spatial import cKDTree

    lon0, lat0 = np.median(lon_lat, axis=0)
    zone = int((lon0 + 180) // 6) + 1
    epsg = (32600 if lat0 >= 0 else 32700) + zone
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon_lat[:, 0],
                                                                      lon_lat[:, 1])
    xy = np.column_stack([x, y])
    distance, _ = cKDTree(xy[is_home]).query(xy, distance_upper_bound=MAX_DISTANCE_M)
    return distance


def grid_coverage(conn: Connection, *, scope: frozenset[int] | None, target: float,
                  distance: float) -> list[dict]:
    """One row per current grid in ``scope`` (None: all), by code."""
    rows = store.coverage_by_grid(conn, scope=_ids(scope), distance=distance)
    return [{**row, **_ratios(row["households"], row["serving"], target)} for row in rows]


def community_coverage(grid_rows: list[dict], target: float) -> list[dict]:
    """The grid rows summed per community, with how many grids lack a member or branch."""
    out: dict[str, dict] = {}
    counts = ("households", "serving", "serving_resident", "serving_in_service",
              "buildings", "buildings_with_group", "buildings_far")
    for g in grid_rows:
        c = out.setdefault(g["community_code"], {
            "community_id": g["community_id"], "community_code": g["community_code"],
            "community_name": g["community_name"], "grids": 0, "grids_with_branch": 0,
            "grids_without_member": 0, **dict.fromkeys(counts, 0)})
        c["grids"] += 1
        c["grids_with_branch"] += g["has_branch"]
        c["grids_without_member"] += g["serving"] == 0
        for key in counts:
            c[key] += g[key]
    return [{**c, **_ratios(c["households"], c["serving"], target)} for c in out.values()]


def _ratios(households: int, serving: int, target: float) -> dict:
    per = round(households / serving, 1) if serving else None
    return {"households_per_member": per, "target": target,
            "no_member": serving == 0 and households > 0,
            "over_target": per is not None and per > target}


def building_coverage(conn: Connection, *, scope: frozenset[int] | None, distance: float,
                      box: Box | None = None, community: str | None = None,
                      limit: int = BUILDING_LIMIT, geometry_digits: int | None = None
                      ) -> dict:
    """Buildings in ``box`` or ``community`` (and ``scope``): with or without a building
    party group, far or not; at most ``limit`` (``truncated`` says when there were more).
    With ``geometry_digits`` each row also has its outline as GeoJSON at that precision."""
    rows = store.coverage_of_buildings(conn, scope=_ids(scope), distance=distance, box=box,
                               community=community, limit=limit + 1,
                               geometry_digits=geometry_digits)
    return {"rows": [dict(r) for r in rows[:limit]], "truncated": len(rows) > limit}


def _ids(scope: frozenset[int] | None) -> list[int] | None:
    return None if scope is None else sorted(scope)
