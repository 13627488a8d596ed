"""Geometry for the statistics maps, sized for one view at one zoom.

Grid outlines: every vertex is snapped to a lattice of half a screen pixel at the zoom
(``ST_SnapToGrid`` with the origin at 0,0 for every request), repeated points dropped,
and the result encoded as integers: per ring the first vertex in lattice units, then
the differences. Why this and not a simplifier:

- Snapping moves each vertex by itself, the same way in every polygon that has it, so
  an edge two grids share stays one edge: no gaps, no overlaps, at every zoom and across
  requests. ``ST_SimplifyPreserveTopology`` works one polygon at a time and opens slivers
  between neighbours; ``ST_CoverageSimplify`` (which would not) needs PostGIS 3.4, and
  this server has 3.3. Vector tiles (``ST_AsMVT``) are quantised the same way but cut
  grids at tile edges and need a tile renderer with its own hit-testing for tooltips.
- Half a pixel is below what the eye can tell, and the integer deltas are short: the
  10,000 grids of the ``city`` demo at zoom 11 are about a third of the size of the same
  outlines as GeoJSON with 5 decimals (figures in docs/benchmarks.md).

Heat points: incidents of the period binned on a lattice of ``HEAT_CELL_PX`` pixels;
each bin is one weighted point, so the payload depends on the view, not on the count.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import numpy as np
import shapely
from sqlalchemy import Connection

from geo.core import crs as crslib
from geo.core.params import Box
from geo.stats import store

MIN_ZOOM, MAX_ZOOM = 8, 20
MAX_GRIDS = 20_000
HEAT_CELL_PX = 8
MAX_HEAT_BINS = 40_000


def cell_degrees(zoom: int, pixels: float = 0.5) -> float:
    """Degrees of longitude covered by ``pixels`` screen pixels at ``zoom`` (256-px tiles).

    >>> cell_degrees(11) * 2 * 256 * 2 ** 11
    360.0
    """
    return pixels * 360.0 / (256 * 2 ** zoom)


def grid_outlines(conn: Connection, *, box: Box, zoom: int, scope: frozenset[int] | None,
                  crs: str = "wgs84") -> str:
    """The current grids meeting ``box``, quantised for ``zoom``, as JSON text (see
    ``encode``) with ``zoom``, ``cell`` (degrees per lattice unit) and ``truncated``.
    ``crs=gcj02`` shifts the outlines for GCJ-02 basemaps before they are snapped, so
    shared edges stay shared there too.
    """
    cell = cell_degrees(zoom)
    snap_in_sql = crs == "wgs84"  # snapping in PostGIS also sends fewer vertices
    rows = store.outlines(conn, box=box, scope=_ids(scope), limit=MAX_GRIDS + 1,
                          snap_cell=cell if snap_in_sql else None)
    truncated = len(rows) > MAX_GRIDS
    rows = rows[:MAX_GRIDS]
    geoms = shapely.from_wkb([bytes(r[1]) for r in rows])
    if not snap_in_sql and len(geoms):
        geoms = shapely.set_precision(_shifted(geoms, crs), cell)
    keep = ~shapely.is_empty(geoms) if len(geoms) else np.zeros(0, bool)
    ids = np.array([r[0] for r in rows], np.int64)[keep]
    return json.dumps({"zoom": zoom, "cell": cell, **encode(ids, geoms[keep], cell),
                       "truncated": truncated}, separators=(",", ":"))


def encode(ids: np.ndarray, geoms: np.ndarray, cell: float) -> dict:
    """Grids as quantised multipolygons in five streams of integers, each zigzag-varint
    coded and base64'd (as in Protocol Buffers; ``static/js/statsmap.js`` and ``decode``
    read them): ``ids`` (each the difference to the previous), ``grid_polygons``
    (polygons per grid), ``polygon_rings`` (rings per polygon), ``ring_sizes`` (vertices
    per ring; rings are open, the first vertex is not repeated) and ``coords`` (x, y of
    every vertex in lattice units of ``cell`` degrees, each the difference to the vertex
    before, across ring and grid boundaries).

    >>> body = encode(np.array([7]), shapely.from_wkt(["POLYGON((0 0,2 0,2 2,0 2,0 0))"]), .5)
    >>> decode({"cell": .5, **body})[0].wkt
    'MULTIPOLYGON (((0 0, 2 0, 2 2, 0 2, 0 0)))'
    """
    if len(geoms) == 0:
        return dict.fromkeys(("ids", "grid_polygons", "polygon_rings", "ring_sizes",
                              "coords"), "")
    multi = np.array([_as_multi(g) for g in shapely.force_2d(geoms)], dtype=object)
    _, coords, (ring_off, poly_off, grid_off) = shapely.to_ragged_array(multi)
    keep = np.ones(len(coords), bool)
    keep[ring_off[1:] - 1] = False  # each ring's closing vertex: Leaflet closes rings
    q = np.rint(coords[keep] / cell).astype(np.int64)
    delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), np.int64))
    return {"ids": varints(np.diff(ids, prepend=0)),
            "grid_polygons": varints(np.diff(grid_off)),
            "polygon_rings": varints(np.diff(poly_off)),
            "ring_sizes": varints(np.diff(ring_off) - 1), "coords": varints(delta.ravel())}


def varints(values: np.ndarray) -> str:
    """Zigzag varints (7 bits a byte, low bits first), base64.

    >>> varints(np.array([0, -1, 1, 300]))
    'AAEC2AQ='
    """
    v = values.astype(np.int64)
    v = ((v << 1) ^ (v >> 63)).astype(np.uint64)
    sizes = np.ones(len(v), np.int64)
    rest = v >> np.uint64(7)
    while rest.any():
        sizes += rest > 0
        rest >>= np.uint64(7)
    out = np.zeros(int(sizes.sum()), np.uint8)
    starts = np.cumsum(sizes) - sizes
    for k in range(int(sizes.max(initial=0))):
        has = sizes > k
        byte = (v[has] >> np.uint64(7 * k)) & np.uint64(0x7F)
        more = (sizes[has] > k + 1).astype(np.uint64) << np.uint64(7)
        out[starts[has] + k] = (byte | more).astype(np.uint8)
    return base64.b64encode(out.tobytes()).decode("ascii")


def unvarints(b64: str) -> list[int]:
    out, value, shift = [], 0, 0
    for byte in base64.b64decode(b64):
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
        else:
            out.append((value >> 1) ^ -(value & 1))
            value, shift = 0, 0
    return out


def decode(body: dict) -> list[shapely.MultiPolygon]:
    """The grids of ``encode``/``grid_outlines`` as shapely geometries (tests, tools)."""
    xy = np.cumsum(np.array(unvarints(body["coords"]), np.int64).reshape(-1, 2), axis=0)
    sizes, rings_per = unvarints(body["ring_sizes"]), iter(unvarints(body["polygon_rings"]))
    ring_iter, at, out = iter(sizes), 0, []
    for n_polygons in unvarints(body["grid_polygons"]):
        polygons = []
        for _ in range(n_polygons):
            rings = []
            for _ in range(next(rings_per)):
                n = next(ring_iter)
                rings.append(xy[at:at + n] * body["cell"])
                at += n
            polygons.append(shapely.Polygon(rings[0], rings[1:]))
        out.append(shapely.MultiPolygon(polygons))
    return out


def _as_multi(geom) -> shapely.MultiPolygon:
    if geom.geom_type == "MultiPolygon":
        return geom
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    return shapely.MultiPolygon([p for p in shapely.get_parts(geom)
                                 if p.geom_type == "Polygon"])


def _shifted(geoms: np.ndarray, crs: str) -> np.ndarray:
    def shift(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(crslib.from_wgs84(xy[:, 0], xy[:, 1], crs))

    return shapely.transform(geoms, shift)


def heat_points(conn: Connection, *, box: Box, zoom: int, t0: dt.datetime, t1: dt.datetime,
                category: str | None, scope: frozenset[int] | None,
                crs: str = "wgs84") -> dict:
    """Incidents reported in ``[t0, t1)`` within ``box``, binned for ``zoom``:
    ``{"points": [[lat, lon, n], ...], "max": largest n}`` (lat first, as leaflet.heat
    wants); a bin's point is the mean of its incidents."""
    rows = store.heat_bins(conn, box=box, t0=t0, t1=t1, category=category, scope=_ids(scope),
                           cell=cell_degrees(zoom, HEAT_CELL_PX), limit=MAX_HEAT_BINS)
    lon = np.array([r[0] for r in rows], float)
    lat = np.array([r[1] for r in rows], float)
    if crs != "wgs84" and len(rows):
        lon, lat = crslib.from_wgs84(lon, lat, crs)
    points = [[round(float(y), 4), round(float(x), 4), r[2]]
              for x, y, r in zip(lon, lat, rows, strict=True)]
    return {"points": points, "max": max((p[2] for p in points), default=0)}


def grid_card(conn: Connection, grid_id: int, scope: frozenset[int] | None) -> dict | None:
    """A current grid's code, name, community, households and active workers (public
    fields, grid chief first), or None when it is not current or outside ``scope``."""
    return store.grid_card(conn, grid_id, _ids(scope))


def _ids(scope: frozenset[int] | None) -> list[int] | None:
    return None if scope is None else sorted(scope)
