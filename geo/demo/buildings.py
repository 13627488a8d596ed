"""The demo city's buildings: rotated rectangles on a lattice per grid (``geo.demo.city``).

Each grid gets a household target (mostly inside :data:`HOUSEHOLD_BAND`) and a number of
buildings; sites are drawn from a rotated lattice over the grid, mostly clear of its edges
(~10 % straddle one, for ``geo.places.assign`` to settle). Households are split over the sites,
bigger footprints getting more, and neighbouring sites form compounds (院) with one
address. Everything here is in layout metres around the origin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.demo.arrays import rank_within, text, zfill
from geo.demo.sizes import Size

HOUSEHOLD_BAND = (300, 500)
_RECT = ("x", "y", "theta", "length", "width")  # the site columns that make a rectangle


def place(rng: np.random.Generator, spec: Size, grids: pd.DataFrame, roads: np.ndarray):
    """Buildings of every grid, with households, residents and addresses.

    Parameters
    ----------
    rng : numpy.random.Generator
        Drawn from in a fixed order, so one seed gives one set of buildings.
    spec : Size
        ``spec.buildings`` is the target number of buildings in the city.
    grids : DataFrame
        The ``grids`` frame of :func:`geo.demo.layout.admin_frames` (geometry in metres).
    roads : ndarray of str
        Road names per community (row = community id - 1), for compound addresses.

    Returns
    -------
    buildings : DataFrame
        Frame of the ``buildings`` table; ``grid_id`` is where each was placed
        (``geo.places.assign`` has the last word).
    centres : ndarray, shape (n, 2)
        Each building's centre in metres, for placing incidents near it.
    """
    target = _household_targets(rng, len(grids))
    mean = target.sum() / spec.buildings
    per_building = 10 + (mean - 10) * rng.lognormal(-0.245, 0.7, len(grids))
    want = np.maximum(1, np.round(target / per_building)).astype(np.int64)
    site = _sites(rng, grids["geom"].to_numpy(), want)
    hh = _split_households(rng, target, site["grid"], site["length"] * site["width"])
    order, compound = _compounds(site)
    site = {key: v[order] for key, v in site.items()}
    frame = _building_frame(rng, grids, site, compound, hh[order], roads)
    return frame, np.column_stack([site["x"], site["y"]])


def _household_targets(rng: np.random.Generator, n: int) -> np.ndarray:
    """Households per grid: ~88 % inside the band, the rest below or above it."""
    low, high = HOUSEHOLD_BAND
    inside = np.clip(np.round(rng.normal((low + high) / 2, 55, n)), low, high)
    below = rng.integers(160, low, n)
    above = rng.integers(high + 1, 720, n)
    kind = rng.choice(3, n, p=[0.88, 0.06, 0.06])
    return np.choose(kind, [inside, below, above]).astype(np.int64)


def _sites(rng, geoms, want: np.ndarray) -> dict[str, np.ndarray]:
    """Building sites on a rotated lattice per grid; mostly clear of the grid's edges."""
    n = len(geoms)
    spacing = np.sqrt(2 * shapely.area(geoms) / (1.8 * want))  # lattice cells are 2:1
    theta = np.where(rng.random(n) < 0.8, rng.choice([0, np.pi / 2], n), rng.uniform(0, np.pi, n))
    theta += rng.normal(0, np.radians(4), n)
    site = _lattice(rng, geoms, spacing, theta)
    g = site["grid"]
    site["theta"] = theta[g]
    site["length"] = np.clip(spacing[g] * rng.uniform(0.5, 0.85, len(g)), 8, 70)
    site["width"] = np.clip(spacing[g] / 2 * rng.uniform(0.45, 0.8, len(g)), 6, 24)
    return _drop_overlaps(_choose(rng, geoms, site, want))


def _lattice(rng, geoms, spacing: np.ndarray, theta: np.ndarray) -> dict[str, np.ndarray]:
    """The points of each grid's rotated lattice (random phase) that fall inside it."""
    n = len(geoms)
    bounds = shapely.bounds(geoms)
    cx, cy = (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2
    radius = np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) / 2
    nx, ny = np.ceil(radius / spacing).astype(int), np.ceil(2 * radius / spacing).astype(int)
    count = (2 * nx + 1) * (2 * ny + 1)
    g = np.repeat(np.arange(n), count)
    k = np.arange(len(g)) - np.repeat(np.cumsum(count) - count, count)
    i, j = k // (2 * ny + 1)[g] - nx[g], k % (2 * ny + 1)[g] - ny[g]
    phase = rng.uniform(0, 1, (n, 2))
    a, b = (i + phase[g, 0]) * spacing[g], (j + phase[g, 1]) * spacing[g] / 2
    c, s = np.cos(theta[g]), np.sin(theta[g])
    x, y = cx[g] + a * c - b * s, cy[g] + a * s + b * c
    shapely.prepare(geoms)
    keep = shapely.contains_xy(geoms[g], x, y)
    return {"grid": g[keep], "i": i[keep], "j": j[keep], "x": x[keep], "y": y[keep]}


def _choose(rng, geoms, site: dict[str, np.ndarray], want: np.ndarray) -> dict[str, np.ndarray]:
    """``want`` sites per grid, drawn at random with edge sites less likely."""
    g = site["grid"]
    edge = shapely.distance(shapely.boundary(geoms)[g], shapely.points(site["x"], site["y"]))
    # Sites whose rectangle may cross the grid edge are drawn less often: ~10 % straddle.
    weight = np.where(edge < np.hypot(site["length"], site["width"]) / 2, 0.3, 1.0)
    order = np.lexsort((np.log(rng.random(len(g))) / weight, g))[::-1]
    chosen = order[rank_within(g[order]) < want[g[order]]]
    return {key: v[chosen] for key, v in site.items()}


def _drop_overlaps(site: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drop the later of any two rectangles that touch (neighbouring grids' lattices)."""
    rects = _rectangles(*(site[k] for k in _RECT))
    left, right = shapely.STRtree(rects).query(rects, predicate="intersects")
    drop = np.unique(np.maximum(left, right)[left != right])
    keep = np.ones(len(rects), bool)
    keep[drop] = False
    return {key: v[keep] for key, v in site.items()}


def _rectangles(x, y, theta, length, width) -> np.ndarray:
    dx = np.array([-1, 1, 1, -1, -1]) * length[:, None] / 2
    dy = np.array([-1, -1, 1, 1, -1]) * width[:, None] / 2
    c, s = np.cos(theta)[:, None], np.sin(theta)[:, None]
    return shapely.polygons(np.stack([x[:, None] + dx * c - dy * s,
                                      y[:, None] + dx * s + dy * c], axis=-1))


def _split_households(rng, target: np.ndarray, grid: np.ndarray, area: np.ndarray):
    """Households per building (10–200) summing to each grid's target; bigger footprints
    get more households."""
    n_grid = len(target)
    count = np.bincount(grid, minlength=n_grid)
    target = np.clip(target, 10 * count, 200 * count)
    weight = rng.lognormal(0, 1.0, len(grid))
    share = weight / np.bincount(grid, weight, n_grid)[grid]
    hh = np.minimum(200, 10 + np.floor((target - 10 * count)[grid] * share)).astype(np.int64)
    short = target - np.bincount(grid, hh, n_grid).astype(np.int64)
    while short.any():  # hand out what rounding and the cap left, one per building a round
        room = hh < 200
        turn = rank_within(np.where(room, grid, -1))
        hh += room & (turn < short[grid])
        short = target - np.bincount(grid, hh, n_grid).astype(np.int64)
    by_area, by_hh = np.lexsort((area, grid)), np.lexsort((hh, grid))
    out = np.empty_like(hh)
    out[by_area] = hh[by_hh]
    return out


def _compounds(site: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Order of the sites (by grid, compound, lattice row and column) and the compound
    (a block of 2 × 3 lattice cells) of each site in that order."""
    grid = site["grid"]
    compound = np.unique(grid * 10**6 + (site["i"] // 2 + 500) * 1000 + site["j"] // 3 + 500,
                         return_inverse=True)[1]
    order = np.lexsort((site["j"], site["i"], compound, grid))
    return order, compound[order]


def _building_frame(rng, grids: pd.DataFrame, site: dict[str, np.ndarray],
                    compound: np.ndarray, hh: np.ndarray, roads: np.ndarray) -> pd.DataFrame:
    """The ``buildings`` frame of sites already in their final order."""
    grid = site["grid"]
    number = rank_within(compound) + 1
    comm = grids["community_id"].to_numpy()[grid]
    address = _compound_addresses(rng, compound, comm, roads)
    rects = _rectangles(*(site[k] for k in _RECT))
    return pd.DataFrame({
        "id": np.arange(1, len(grid) + 1),
        "code": grids["code"].to_numpy()[grid] + zfill(rank_within(grid) + 1, 4),
        "name": text(number) + "号楼",
        "address": address + text(number) + "号楼",
        "geom": shapely.multipolygons(rects[:, None]),
        "households": hh,
        "residents": np.maximum(hh, np.round(hh * rng.normal(2.6, 0.25, len(hh)))).astype(int),
        "community_id": comm,
        "grid_id": grids["id"].to_numpy()[grid],
    })


def _compound_addresses(rng, compound, comm, roads: np.ndarray) -> np.ndarray:
    """'XX路12号院' per building: each compound gets a road of its community and a number."""
    first = np.unique(compound, return_index=True)[1]
    road = roads[comm[first] - 1, rng.integers(0, roads.shape[1], len(first))]
    label = road + text(rank_within(road) + 1) + "号院"
    return label[compound]
