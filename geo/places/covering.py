"""The location rule (``geo.places.assign``) in process, for bulk imports: its first
step, and a safe test of which points only that step decides.

A file of a million points is located here, without a round trip per point: the
current grids are loaded once, prepared, and probed with every point in one vectorised
query (a shapely STRtree over the grids, GEOS's ``covers`` — a point on an edge or a
vertex is covered, as by ``ST_Covers``). A point covered by several grids (on a shared
edge) goes to the one with the lowest code, as in SQL.

What this module does **not** decide is left to the SQL rule (``locate_sql``), which
remains the definition: points no grid covers (snapping on the spheroid, out of area,
the covering community) and points that have another grid near them (whose boundary
flag and, on a shared edge, whose grid PostGIS must settle). :func:`locate` marks the
points it settles as ``settled``, and as ``clear`` those whose grid it settles although
another grid is near (none within :data:`CLEAR_DEG`: only the boundary flag is left);
a test compares its answer with PostGIS's on the same points, including points on shared
edges and vertices, a hair off them, and points just outside. :func:`alone` tells which
building points have no grid near but their building's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import Connection

from geo.places.store.reads import current_grid_shapes

# Metres per degree, at least (latitude; longitude times cos(lat)), with the 1 % margin
# of the SQL rule's boxes: a grid within ``m`` metres on the spheroid is within
# m / (110,574 * min(1, cos(lat) * 111,320 / 110,574)) degrees in the plane.
_M_PER_DEG_LAT, _M_PER_DEG_LON = 110_574.0, 111_320.0


@dataclass(frozen=True)
class Grids:
    """The current grids, lowest code first, prepared for probing."""

    ids: np.ndarray
    community_ids: np.ndarray  # -1: none
    shapes: np.ndarray
    tree: shapely.STRtree


def current_grids(conn: Connection) -> Grids:
    """Load and prepare the current grids (a second or so for a city's 10,000)."""
    rows = current_grid_shapes(conn)
    shapes = shapely.from_wkb([r[2] for r in rows]) if rows else np.empty(0, object)
    shapely.prepare(shapes)
    return Grids(np.array([r[0] for r in rows], np.int64),
                 np.array([-1 if r[1] is None else r[1] for r in rows], np.int64),
                 shapes, shapely.STRtree(shapes))


# Degrees (about a centimetre): a point at least this far from every grid but the one
# covering it is covered by that grid alone however the predicate is computed (GEOS here,
# PostGIS's own point-in-polygon there differ only within rounding of an edge).
CLEAR_DEG = 1e-7


@dataclass(frozen=True)
class Located:
    grid_id: np.ndarray  # -1: not covered
    community_id: np.ndarray  # -1: not covered, or the grid has none
    settled: np.ndarray  # True: covered, and no other grid within ``near_m``
    clear: np.ndarray  # True: covered, and no other grid within CLEAR_DEG (settled or not)


def locate(grids: Grids, lon: np.ndarray, lat: np.ndarray, near_m: float) -> Located:
    """The covered step of the rule for WGS-84 points, and which points it settles.

    Parameters
    ----------
    grids : Grids
        From :func:`current_grids`.
    lon, lat : ndarray
        Points (finite).
    near_m : float
        Metres: a point with another grid this near is not settled (the boundary flag's
        distance, at least the snap distance is not needed: covered points do not snap).

    Returns
    -------
    Located
        Per point: the lowest-code grid covering it, its community, whether that answer
        is final (no other current grid within ``near_m``) and whether the covered step is
        (no other grid within :data:`CLEAR_DEG`: only the boundary flag is left to PostGIS).
    """
    n = len(lon)
    grid_id, community_id = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    settled = np.zeros(n, bool)
    if not n or not len(grids.ids):
        return Located(grid_id, community_id, settled, settled.copy())
    points = shapely.points(lon, lat)
    point_i, grid_i = _near(grids, points, lat, near_m)
    covers = shapely.covers(grids.shapes[grid_i], points[point_i])
    lowest = np.full(n, len(grids.ids), np.int64)
    np.minimum.at(lowest, point_i[covers], grid_i[covers])  # grids are in code order
    found = lowest < len(grids.ids)
    grid_id[found], community_id[found] = grids.ids[lowest[found]], grids.community_ids[
        lowest[found]]
    other = grid_i != lowest[point_i]
    others, touching = np.zeros(n, bool), np.zeros(n, bool)
    np.logical_or.at(others, point_i, other)
    np.logical_or.at(touching, point_i[other], shapely.dwithin(
        grids.shapes[grid_i[other]], points[point_i[other]], CLEAR_DEG))
    return Located(grid_id, community_id, found & ~others, found & ~touching)


def alone(grids: Grids, lon: np.ndarray, lat: np.ndarray, grid_id: np.ndarray,
          near_m: float) -> np.ndarray:
    """Whether no current grid but ``grid_id`` lies within ``near_m`` of each point: the
    boundary rule then flags nothing (a row located by building takes its building's
    grid, and the rule looks for another grid near the building's point).

    The same safe test as :func:`locate`'s (a box of degrees at least ``near_m`` wide):
    True only when PostGIS's rule finds no other grid; False sends the point to it.
    """
    if not len(lon):
        return np.zeros(0, bool)
    point_i, grid_i = _near(grids, shapely.points(lon, lat), lat, near_m)
    other = np.zeros(len(lon), bool)
    np.logical_or.at(other, point_i, grids.ids[grid_i] != grid_id[point_i])
    return ~other


def _near(grids: Grids, points: np.ndarray, lat: np.ndarray, near_m: float):
    """(point, grid) index pairs of every grid possibly within ``near_m`` of a point."""
    cos = np.cos(np.radians(min(float(np.max(np.abs(lat))), 89.0)))
    reach = 1.01 * near_m / (_M_PER_DEG_LAT * min(1.0, cos * _M_PER_DEG_LON / _M_PER_DEG_LAT))
    return grids.tree.query(points, predicate="dwithin", distance=reach)
