"""A synthetic demo city in Beijing, deterministic by seed (``flask --app wsgi demo``).

The layout follows a benchmark city (perf-anchors §2): grid seeds are a weighted k-means of
a density field, grids are their Voronoi cells, communities are clusters of grids and
streets clusters of communities. Because every boundary is an edge of one Voronoi diagram,
grids tile their community and communities tile the city with identical vertices on both
sides of every shared edge (a valid GEOS coverage, also after reprojection). Buildings are
rotated rectangles on a lattice per grid; incidents are drawn near buildings, weighted by
households. Geometry is built in UTM 50N (metres) and returned in EPSG:4326.

:func:`generate` is pure (no database, no Flask); ``geo.demostore`` loads its frames.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import demo_incidents, demo_names
from geo.errors import InvalidInput

DEFAULT_SEED = 20240601
CENTRE = (116.41, 39.92)  # lon, lat: 东城区, between 东四 and 王府井
METRIC_CRS = "EPSG:32650"  # UTM 50N
HOUSEHOLD_BAND = (300, 500)


@dataclass(frozen=True)
class Size:
    """How big a city :func:`generate` makes; the counts are targets, met approximately."""

    communities: int
    grids: int
    buildings: int
    incidents: int
    streets: int
    side_m: float
    # Density field: (weight, dx, dy, sigma) Gaussian centres in metres; the rest is uniform.
    centres: tuple[tuple[float, float, float, float], ...]
    districts: tuple[str, ...] = ("110101",)


SIZES = {
    # 100 grids of ~400 households hold ~40,000 households; 3,600 buildings keep the mean
    # building above the 10-household minimum (4,000 would make almost every building 10).
    "small": Size(10, 100, 3_600, 5_000, 3, 3_000.0, ((0.6, 0.0, 0.0, 1_200.0),)),
    "city": Size(200, 10_000, 300_000, 1_000_000, 16, 30_000.0,
                 ((0.40, 0.0, 0.0, 5_000.0), (0.08, 8_000.0, 6_000.0, 1_800.0),
                  (0.07, -9_000.0, 7_000.0, 2_000.0), (0.07, 7_000.0, -8_000.0, 1_800.0),
                  (0.06, -6_000.0, -9_000.0, 2_000.0), (0.07, 10_000.0, -1_000.0, 2_000.0)),
                 ("110101", "110102", "110105", "110106", "110107", "110108")),
}


@dataclass
class DemoCity:
    """One frame per table, columns named as in ``app.models``; ``geom`` is EPSG:4326."""

    communities: pd.DataFrame
    grids: pd.DataFrame
    buildings: pd.DataFrame
    grid_members: pd.DataFrame
    party_orgs: pd.DataFrame
    party_members: pd.DataFrame
    incidents: pd.DataFrame
    incident_events: pd.DataFrame

    def tables(self) -> list[tuple[str, pd.DataFrame]]:
        """``(table, frame)`` pairs in an order that satisfies the foreign keys."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


def generate(size: str = "small", seed: int = DEFAULT_SEED,
             now: dt.datetime | None = None) -> DemoCity:
    """Generate a demo city.

    Parameters
    ----------
    size : {"small", "city"}
        Key of :data:`SIZES`.
    seed : int
        Seed of the numpy ``Generator``; the same seed and ``now`` give identical frames.
    now : datetime, optional
        Timezone-aware end of the 90-day incident window; defaults to the current time.

    Returns
    -------
    DemoCity
        Ids start at 1 in every table; buildings and incidents carry no grid yet
        (``grid_id`` NULL, ``assign_state`` 'pending'): ``geo.assign`` places them.

    Raises
    ------
    InvalidInput
        For an unknown ``size``.
    """
    if size not in SIZES:
        raise InvalidInput(f"unknown demo size {size!r}; allowed: {', '.join(SIZES)}",
                           param="size")
    spec = SIZES[size]
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    rng = np.random.default_rng(seed)
    cells, grid_comm, comm_street = _layout(rng, spec)
    comms, grids = _admin_frames(rng, spec, cells, grid_comm, comm_street)
    buildings = _buildings(rng, spec, cells, grids, comms)
    members = _grid_members(rng, grids)
    orgs, party = _party(rng, comms, grids, buildings)
    city = shapely.coverage_union_all(cells)
    incidents, events = demo_incidents.incidents(rng, spec.incidents, buildings, city, now)
    for frame in (comms, grids, buildings, incidents):
        frame["geom"] = _to_wgs84(frame["geom"].to_numpy())
    return DemoCity(comms, grids, buildings.drop(columns=["_grid"]), members, orgs, party,
                    incidents, events)


def _layout(rng: np.random.Generator, spec: Size):
    """Grid cells (metres, around the origin) and the grid → community → street labels."""
    samples = _sample_density(rng, spec, 12 * spec.grids)
    seeds, _ = _kmeans(rng, samples, spec.grids, iters=8)
    step = spec.side_m / np.sqrt(spec.grids)
    # A jittered ring of guard seeds half a step outside the square closes every real cell,
    # so no cell is clipped (clipping would give neighbours slightly different vertices).
    ring = _square_ring(spec.side_m / 2 + step / 2, step * 0.8)
    guards = ring + rng.normal(0, step * 0.15, ring.shape)
    frame = shapely.box(*(np.array([-1, -1, 1, 1]) * (spec.side_m + 8 * step)))
    diagram = shapely.voronoi_polygons(shapely.multipoints(np.vstack([seeds, guards])),
                                       extend_to=frame, ordered=True)
    cells = shapely.get_parts(diagram)[: len(seeds)]
    comm_centres, grid_comm = _kmeans(rng, seeds, spec.communities, iters=12)
    _, comm_street = _kmeans(rng, comm_centres, spec.streets, iters=12)
    return cells, grid_comm, comm_street


def _sample_density(rng: np.random.Generator, spec: Size, n: int) -> np.ndarray:
    """``n`` points in the city square, drawn from the Gaussian-mixture density of ``spec``."""
    half = spec.side_m / 2
    out = np.empty((0, 2))
    while len(out) < n:
        weights = np.array([c[0] for c in spec.centres] + [1 - sum(c[0] for c in spec.centres)])
        which = rng.choice(len(weights), n, p=weights)
        pts = rng.uniform(-half, half, (n, 2))
        for i, (_, dx, dy, sigma) in enumerate(spec.centres):
            mask = which == i
            pts[mask] = rng.normal((dx, dy), sigma, (mask.sum(), 2))
        out = np.vstack([out, pts[(np.abs(pts) < half).all(axis=1)]])
    return out[:n]


def _kmeans(rng: np.random.Generator, pts: np.ndarray, k: int, iters: int):
    """Lloyd's k-means; returns (centres, label of each point), labels 0..k'-1, k' <= k."""
    centres = pts[rng.choice(len(pts), k, replace=False)]
    for _ in range(iters + 1):
        tree = shapely.STRtree(shapely.points(centres))
        labels = tree.query_nearest(shapely.points(pts), all_matches=False)[1]
        counts = np.bincount(labels, minlength=k)
        sums = np.stack([np.bincount(labels, pts[:, i], minlength=k) for i in (0, 1)], 1)
        filled = counts > 0
        centres[filled] = sums[filled] / counts[filled, None]
    used, labels = np.unique(labels, return_inverse=True)
    return centres[used], labels


def _square_ring(half: float, step: float) -> np.ndarray:
    t = np.arange(-half, half, step)
    return np.concatenate([np.column_stack([t, np.full_like(t, -half)]),
                           np.column_stack([np.full_like(t, half), t]),
                           np.column_stack([-t, np.full_like(t, half)]),
                           np.column_stack([np.full_like(t, -half), -t])])


def _reading_order(xy: np.ndarray, groups: np.ndarray, band: float) -> np.ndarray:
    """Order items by group, then north to south in bands of ``band`` metres, then west to east."""
    return np.lexsort((xy[:, 0], -np.floor(xy[:, 1] / band), groups))


def _admin_frames(rng, spec: Size, cells, grid_comm, comm_street):
    """Communities (with street and district) and grids, numbered in reading order."""
    seeds = shapely.get_coordinates(shapely.centroid(cells))
    n_comm = grid_comm.max() + 1
    comm_xy = np.stack([np.bincount(grid_comm, seeds[:, i]) / np.bincount(grid_comm)
                        for i in (0, 1)], 1)
    street_xy = np.stack([np.bincount(comm_street, comm_xy[:, i]) / np.bincount(comm_street)
                          for i in (0, 1)], 1)
    street_district = _districts_of(street_xy, spec)
    # Street codes: district + 3 digits, numbered per district in reading order.
    s_order = _reading_order(street_xy, street_district, spec.side_m / 6)
    s_rank = _rank_within(street_district[s_order])
    street_code, street_name = np.empty(len(street_xy), object), np.empty(len(street_xy), object)
    for pos, s in enumerate(s_order):
        district = spec.districts[street_district[s]]
        street_code[s] = f"{district}{s_rank[pos] + 1:03d}"
        street_name[s] = demo_names.streets_of(district)[s_rank[pos]]
    c_order = _reading_order(comm_xy, np.argsort(np.argsort(street_code))[comm_street],
                             spec.side_m / 20)
    c_rank = _rank_within(comm_street[c_order])
    comm_code = np.empty(n_comm, object)
    comm_code[c_order] = street_code[comm_street[c_order]] + np.char.zfill(
        (c_rank + 1).astype(str), 3).astype(object)
    comm_id = np.empty(n_comm, np.int64)
    comm_id[c_order] = np.arange(1, n_comm + 1)
    names = demo_names.place_names(rng, n_comm) + "社区"
    roads = demo_names.road_names(rng, n_comm)
    geoms = np.array([_multi(shapely.coverage_union_all(cells[grid_comm == c]))
                      for c in range(n_comm)], dtype=object)
    comms = pd.DataFrame({
        "id": comm_id, "code": comm_code, "name": names,
        "street_name": street_name[comm_street], "street_code": street_code[comm_street],
        "households": 0, "office_address": roads + (rng.integers(1, 120, n_comm)).astype(str)
        + "号", "geom": geoms,
    }).sort_values("id", ignore_index=True)
    grids = _grid_frame(cells, seeds, comms, comm_id[grid_comm], spec.side_m / 60)
    return comms, grids


def _grid_frame(cells, seeds, comms: pd.DataFrame, comm_id: np.ndarray, band: float):
    order = _reading_order(seeds, comm_id, band)
    rank = _rank_within(comm_id[order]) + 1
    comm = comms.set_index("id").loc[comm_id[order]]
    cname = comm["name"].to_numpy()
    return pd.DataFrame({
        "id": np.arange(1, len(order) + 1),
        "code": comm["code"].to_numpy() + np.char.zfill(rank.astype(str), 3).astype(object),
        "name": cname + "第" + rank.astype(str).astype(object) + "网格",
        "community_id": comm_id[order],
        "households": 0,
        "geom": np.array([_multi(g) for g in cells[order]], dtype=object),
    })


def _districts_of(xy: np.ndarray, spec: Size) -> np.ndarray:
    """Index into ``spec.districts`` by rough real geography (东城 centre-east, 西城 centre-west,
    朝阳 east, 海淀 north-west, 石景山 far west, 丰台 south)."""
    if len(spec.districts) == 1:
        return np.zeros(len(xy), np.int64)
    x, y = xy[:, 0], xy[:, 1]
    r, angle = np.hypot(x, y), np.degrees(np.arctan2(y, x)) % 360
    out = np.where(angle < 135, 2, np.where(angle < 200, 5, np.where(angle < 320, 3, 2)))
    out = np.where((x < -0.33 * spec.side_m) & (angle >= 135) & (angle < 225), 4, out)
    return np.where(r < 0.15 * spec.side_m, np.where(x >= 0, 0, 1), out)


def _buildings(rng, spec: Size, cells, grids: pd.DataFrame, comms: pd.DataFrame):
    """Buildings with households; sized so each grid hits a household target."""
    from geo import demo_buildings

    return demo_buildings.buildings(rng, spec, cells, grids, comms)
