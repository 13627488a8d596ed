"""The demo city's administrative layout: grids, communities and streets (``geo.demo.city``).

Grid seeds are a weighted k-means of a density field and grids are their Voronoi cells;
communities are k-means clusters of the grid seeds and streets clusters of communities.
Every boundary is an edge of the one Voronoi diagram, so grids tile their community and
communities tile the city with identical vertices on both sides of every shared edge.
Codes follow the real pattern (district, street, community, grid), numbered in reading
order. Everything here is in layout metres around the origin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.demo import names
from geo.demo.arrays import rank_within, text, zfill
from geo.demo.sizes import Size


def cells(rng: np.random.Generator, spec: Size):
    """Grid cells and the labels that group them into communities and streets.

    Parameters
    ----------
    rng : numpy.random.Generator
        Drawn from in a fixed order, so one seed gives one layout.
    spec : Size
        The city's size: counts, side and density field.

    Returns
    -------
    cells : ndarray of Polygon
        One Voronoi cell per grid, in metres around the origin.
    grid_comm : ndarray of int
        Community label (0-based) of each cell.
    comm_street : ndarray of int
        Street label (0-based) of each community label.
    """
    samples = _sample_density(rng, spec, 8 * spec.grids)
    seeds, _ = _kmeans(rng, samples, spec.grids, iters=6)
    step = spec.side_m / np.sqrt(spec.grids)
    # A jittered ring of guard seeds half a step outside the square closes every real cell,
    # so no cell is clipped (clipping would give neighbours slightly different vertices).
    ring = _square_ring(spec.side_m / 2 + step / 2, step * 0.8)
    guards = ring + rng.normal(0, step * 0.15, ring.shape)
    frame = shapely.box(*(np.array([-1, -1, 1, 1]) * (spec.side_m + 8 * step)))
    diagram = shapely.voronoi_polygons(shapely.multipoints(np.vstack([seeds, guards])),
                                       extend_to=frame, ordered=True)
    grid_cells = shapely.get_parts(diagram)[: len(seeds)]
    comm_centres, grid_comm = _kmeans(rng, seeds, spec.communities, iters=12)
    _, comm_street = _kmeans(rng, comm_centres, spec.streets, iters=12)
    return grid_cells, grid_comm, comm_street


def admin_frames(rng: np.random.Generator, spec: Size, grid_cells: np.ndarray,
                 grid_comm: np.ndarray, comm_street: np.ndarray):
    """Communities (with street and district) and grids, coded in reading order.

    Parameters
    ----------
    rng : numpy.random.Generator
        For community names and office addresses.
    spec : Size
        The city's size (its side and districts).
    grid_cells, grid_comm, comm_street : ndarray
        As returned by :func:`cells`.

    Returns
    -------
    communities, grids : DataFrame
        Frames of the ``communities`` and ``grids`` tables (``households`` still 0).
    roads : ndarray of str, shape (communities, 4)
        Road names of each community (row = community id - 1), for addresses.
    """
    seeds = shapely.get_coordinates(shapely.centroid(grid_cells))
    comm_xy = _group_means(seeds, grid_comm)
    street_code, street_name = _streets(spec, _group_means(comm_xy, comm_street))
    comm_id, comm_code = _community_codes(spec, comm_xy, comm_street, street_code)
    geoms = [_multi(shapely.coverage_union_all(grid_cells[grid_comm == c]))
             for c in range(len(comm_xy))]
    comms = pd.DataFrame({
        "id": comm_id, "code": comm_code, "name": names.place_names(rng, len(comm_xy)) + "社区",
        "street_name": street_name[comm_street], "street_code": street_code[comm_street],
        "households": 0, "office_address": None, "geom": geoms,
    }).sort_values("id", ignore_index=True)
    roads = names.road_names(rng, 4 * len(comms)).reshape(-1, 4)  # row = community id - 1
    comms["office_address"] = roads[:, 0] + text(rng.integers(1, 120, len(comms))) + "号"
    grids = _grid_frame(grid_cells, seeds, comms, comm_id[grid_comm], spec.side_m / 60)
    return comms, grids, roads


def _sample_density(rng: np.random.Generator, spec: Size, n: int) -> np.ndarray:
    """``n`` points in the city square, drawn from the Gaussian-mixture density of ``spec``."""
    half = spec.side_m / 2
    weights = np.array([c[0] for c in spec.centres] + [1 - sum(c[0] for c in spec.centres)])
    out = np.empty((0, 2))
    while len(out) < n:
        which = rng.choice(len(weights), n, p=weights)
        pts = rng.uniform(-half, half, (n, 2))
        for i, (_, dx, dy, sigma) in enumerate(spec.centres):
            mask = which == i
            pts[mask] = rng.normal((dx, dy), sigma, (mask.sum(), 2))
        out = np.vstack([out, pts[(np.abs(pts) < half).all(axis=1)]])
    return out[:n]


def _kmeans(rng: np.random.Generator, pts: np.ndarray, k: int, iters: int):
    """Lloyd's k-means: (centres, label of each point); empty clusters are dropped."""
    centres = pts[rng.choice(len(pts), k, replace=False)]
    points = shapely.points(pts)
    for _ in range(iters + 1):
        labels = shapely.STRtree(shapely.points(centres)).query_nearest(
            points, all_matches=False)[1]
        counts = np.bincount(labels, minlength=k)
        sums = np.stack([np.bincount(labels, pts[:, i], minlength=k) for i in (0, 1)], 1)
        filled = counts > 0
        centres[filled] = sums[filled] / counts[filled, None]
    used, labels = np.unique(labels, return_inverse=True)
    return centres[used], labels


def _square_ring(half: float, step: float) -> np.ndarray:
    t = np.arange(-half, half, step)
    side = np.full_like(t, half)
    return np.concatenate([np.column_stack(c) for c in
                           ((t, -side), (side, t), (-t, side), (-side, -t))])


def _streets(spec: Size, street_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Code ('110101003') and real name of each street, numbered within its district."""
    district = _districts_of(street_xy, spec)
    order = _reading_order(street_xy, district, spec.side_m / 6)
    code = np.empty(len(street_xy), object)
    name = np.empty(len(street_xy), object)
    for s, rank in zip(order, rank_within(district[order]), strict=True):
        district_code = spec.districts[district[s]]
        code[s] = f"{district_code}{rank + 1:03d}"
        options = names.streets_of(district_code)
        name[s] = options[rank % len(options)]
    return code, name


def _community_codes(spec: Size, comm_xy: np.ndarray, comm_street: np.ndarray,
                     street_code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Id (1-based, by street code then reading order) and code of each community."""
    street_rank = np.argsort(np.argsort(street_code))
    order = _reading_order(comm_xy, street_rank[comm_street], spec.side_m / 20)
    comm_id = np.empty(len(comm_xy), np.int64)
    comm_id[order] = np.arange(1, len(comm_xy) + 1)
    code = np.empty(len(comm_xy), object)
    code[order] = street_code[comm_street[order]] + zfill(
        rank_within(comm_street[order]) + 1, 3)
    return comm_id, code


def _grid_frame(grid_cells, seeds, comms: pd.DataFrame, comm_id: np.ndarray, band: float):
    order = _reading_order(seeds, comm_id, band)
    rank = rank_within(comm_id[order]) + 1
    comm = comms.iloc[comm_id[order] - 1]
    return pd.DataFrame({
        "id": np.arange(1, len(order) + 1),
        "code": comm["code"].to_numpy() + zfill(rank, 3),
        "name": comm["name"].to_numpy() + "第" + text(rank) + "网格",
        "community_id": comm_id[order],
        "households": 0,
        "geom": shapely.multipolygons(grid_cells[order][:, None]),
    })


def _districts_of(xy: np.ndarray, spec: Size) -> np.ndarray:
    """Index into ``spec.districts`` by rough real geography: 东城 centre-east, 西城
    centre-west, 朝阳 east, 海淀 north-west, 石景山 far west, 丰台 south."""
    if len(spec.districts) == 1:
        return np.zeros(len(xy), np.int64)
    x, y = xy[:, 0], xy[:, 1]
    angle = np.degrees(np.arctan2(y, x)) % 360
    out = np.select([angle < 80, angle < 170, angle < 200, angle < 320], [2, 5, 4, 3], 2)
    return np.where(np.hypot(x, y) < 0.15 * spec.side_m, np.where(x >= 0, 0, 1), out)


def _reading_order(xy: np.ndarray, groups: np.ndarray, band: float) -> np.ndarray:
    """By group, then north to south in bands of ``band`` metres, then west to east."""
    return np.lexsort((xy[:, 0], -np.floor(xy[:, 1] / band), groups))


def _group_means(xy: np.ndarray, labels: np.ndarray) -> np.ndarray:
    count = np.bincount(labels)
    return np.stack([np.bincount(labels, xy[:, i]) / count for i in (0, 1)], axis=1)


def _multi(geom):
    return geom if geom.geom_type == "MultiPolygon" else shapely.MultiPolygon([geom])
