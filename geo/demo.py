"""A synthetic demo city in Beijing, deterministic by seed (``flask --app wsgi demo``).

The layout follows the benchmark city of perf-anchors §2: grid seeds are a weighted k-means
of a density field, grids are their Voronoi cells, communities are clusters of grids and
streets clusters of communities. Every boundary is an edge of one Voronoi diagram, so grids
tile their community and communities tile the city with identical vertices on both sides
of every shared edge (a valid GEOS coverage, still valid after reprojection, which moves
equal vertices equally). Buildings are rotated rectangles on a lattice per grid, sized so
each grid gets a household target (mostly 300–500); incidents fall near buildings, weighted
by households. Geometry is built in UTM 50N (metres) and returned in EPSG:4326.

:func:`generate` is pure (no database, no Flask); ``geo.demostore`` loads its frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, fields
from functools import cache

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import demo_names as names
from geo.errors import InvalidInput

DEFAULT_SEED = 20240601
CENTRE = (116.41, 39.92)  # lon, lat: 东城区, between 东四 and 王府井
METRIC_CRS = "EPSG:32650"  # UTM 50N
HOUSEHOLD_BAND = (300, 500)
DAYS = 90


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
    # building above the 10-household minimum (4,000 would make nearly every building 10).
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


TABLES = tuple(f.name for f in fields(DemoCity))  # in the order they must be loaded


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
        Ids start at 1 in every table. A building's ``grid_id`` and an incident's
        ``assignee_id`` (the 专职 worker) follow where the generator put them; loading
        runs ``geo.assign``, which corrects the few that straddle or drift over an edge.

    Raises
    ------
    InvalidInput
        For an unknown ``size``.
    """
    return DemoCity(**dict(iter_tables(size, seed, now)))


def iter_tables(size: str = "small", seed: int = DEFAULT_SEED,
                now: dt.datetime | None = None) -> Iterator[tuple[str, pd.DataFrame]]:
    """The ``(table, frame)`` pairs of :func:`generate`, each made when it is asked for.

    A loader can write the places while the incidents are still being drawn. Raises
    :class:`InvalidInput` for an unknown ``size`` at once, before the first pair.
    """
    if size not in SIZES:
        raise InvalidInput(f"unknown demo size {size!r}; allowed: {', '.join(SIZES)}",
                           param="size")
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    return _tables(SIZES[size], np.random.default_rng(seed), now)


def _tables(spec: Size, rng: np.random.Generator, now: dt.datetime):
    cells, grid_comm, comm_street = _layout(rng, spec)
    comms, grids, roads = _admin_frames(rng, spec, cells, grid_comm, comm_street)
    buildings, centres = _buildings(rng, spec, grids, roads)
    hh, home = buildings["households"].to_numpy(), buildings["grid_id"].to_numpy()
    grids["households"] = np.bincount(home, hh, len(grids) + 1)[1:].astype(np.int64)
    comms["households"] = np.bincount(buildings["community_id"], hh,
                                      len(comms) + 1)[1:].astype(np.int64)
    members = _grid_members(rng, grids)
    orgs, party = _party(rng, comms, grids, buildings)
    yield "communities", _in_wgs84(comms)
    yield "grids", _in_wgs84(grids)
    yield "buildings", _in_wgs84(buildings)
    yield "grid_members", members
    yield "party_orgs", orgs
    yield "party_members", party
    full_time = np.zeros(len(grids) + 1, np.int64)
    is_full = members["role"].to_numpy() == "full_time"
    full_time[members["grid_id"].to_numpy()[is_full]] = members["id"].to_numpy()[is_full]
    incidents, events = _incidents(rng, spec.incidents, buildings, full_time[home], centres,
                                   shapely.coverage_union_all(cells), now)
    yield "incidents", _in_wgs84(incidents)
    yield "incident_events", events


# --- layout: grids, communities, streets -------------------------------------------------

def _layout(rng: np.random.Generator, spec: Size):
    """Grid cells (metres, around the origin) and the grid → community → street labels."""
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
    cells = shapely.get_parts(diagram)[: len(seeds)]
    comm_centres, grid_comm = _kmeans(rng, seeds, spec.communities, iters=12)
    _, comm_street = _kmeans(rng, comm_centres, spec.streets, iters=12)
    return cells, grid_comm, comm_street


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


def _admin_frames(rng, spec: Size, cells, grid_comm, comm_street):
    """Communities (with street and district) and grids, coded in reading order."""
    seeds = shapely.get_coordinates(shapely.centroid(cells))
    comm_xy = _group_means(seeds, grid_comm)
    street_xy = _group_means(comm_xy, comm_street)
    district = _districts_of(street_xy, spec)
    s_order = _reading_order(street_xy, district, spec.side_m / 6)
    s_rank = _rank_within(district[s_order])
    street_code = np.empty(len(street_xy), object)
    street_name = np.empty(len(street_xy), object)
    for s, rank in zip(s_order, s_rank, strict=True):
        code = spec.districts[district[s]]
        street_code[s] = f"{code}{rank + 1:03d}"
        options = names.streets_of(code)
        street_name[s] = options[rank % len(options)]
    street_rank = np.argsort(np.argsort(street_code))
    c_order = _reading_order(comm_xy, street_rank[comm_street], spec.side_m / 20)
    comm_id = np.empty(len(comm_xy), np.int64)
    comm_id[c_order] = np.arange(1, len(comm_xy) + 1)
    comm_code = np.empty(len(comm_xy), object)
    comm_code[c_order] = street_code[comm_street[c_order]] + _zfill(
        _rank_within(comm_street[c_order]) + 1, 3)
    geoms = [_multi(shapely.coverage_union_all(cells[grid_comm == c]))
             for c in range(len(comm_xy))]
    comms = pd.DataFrame({
        "id": comm_id, "code": comm_code, "name": names.place_names(rng, len(comm_xy)) + "社区",
        "street_name": street_name[comm_street], "street_code": street_code[comm_street],
        "households": 0, "office_address": None, "geom": geoms,
    }).sort_values("id", ignore_index=True)
    roads = names.road_names(rng, 4 * len(comms)).reshape(-1, 4)  # row = community id - 1
    comms["office_address"] = roads[:, 0] + _text(rng.integers(1, 120, len(comms))) + "号"
    grids = _grid_frame(cells, seeds, comms, comm_id[grid_comm], spec.side_m / 60)
    return comms, grids, roads


def _grid_frame(cells, seeds, comms: pd.DataFrame, comm_id: np.ndarray, band: float):
    order = _reading_order(seeds, comm_id, band)
    rank = _rank_within(comm_id[order]) + 1
    comm = comms.iloc[comm_id[order] - 1]
    return pd.DataFrame({
        "id": np.arange(1, len(order) + 1),
        "code": comm["code"].to_numpy() + _zfill(rank, 3),
        "name": comm["name"].to_numpy() + "第" + _text(rank) + "网格",
        "community_id": comm_id[order],
        "households": 0,
        "geom": shapely.multipolygons(cells[order][:, None]),
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


# --- buildings ---------------------------------------------------------------------------

def _buildings(rng, spec: Size, grids: pd.DataFrame, roads: np.ndarray):
    """Buildings (``grid_id``: where each was placed; ``geo.assign`` has the last word)
    and their centres in metres."""
    target = _household_targets(rng, len(grids))
    mean = target.sum() / spec.buildings
    per_building = 10 + (mean - 10) * rng.lognormal(-0.245, 0.7, len(grids))
    want = np.maximum(1, np.round(target / per_building)).astype(np.int64)
    site = _sites(rng, grids["geom"].to_numpy(), want)
    hh = _split_households(rng, target, site["grid"], site["length"] * site["width"])
    grid = site["grid"]
    compound = np.unique(grid * 10**6 + (site["i"] // 2 + 500) * 1000 + site["j"] // 3 + 500,
                         return_inverse=True)[1]
    order = np.lexsort((site["j"], site["i"], compound, grid))
    grid, compound, hh = grid[order], compound[order], hh[order]
    number = _rank_within(compound) + 1
    comm = grids["community_id"].to_numpy()[grid]
    address = _compound_addresses(rng, compound, comm, roads)
    rects = _rectangles(*(site[k][order] for k in ("x", "y", "theta", "length", "width")))
    frame = pd.DataFrame({
        "id": np.arange(1, len(grid) + 1),
        "code": grids["code"].to_numpy()[grid] + _zfill(_rank_within(grid) + 1, 4),
        "name": _text(number) + "号楼",
        "address": address + _text(number) + "号楼",
        "geom": shapely.multipolygons(rects[:, None]),
        "households": hh,
        "residents": np.maximum(hh, np.round(hh * rng.normal(2.6, 0.25, len(hh)))).astype(int),
        "community_id": comm,
        "grid_id": grids["id"].to_numpy()[grid],
    })
    return frame, np.column_stack([site["x"][order], site["y"][order]])


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
    g, i, j, x, y = g[keep], i[keep], j[keep], x[keep], y[keep]
    length = np.clip(spacing[g] * rng.uniform(0.5, 0.85, len(g)), 8, 70)
    width = np.clip(spacing[g] / 2 * rng.uniform(0.45, 0.8, len(g)), 6, 24)
    edge = shapely.distance(shapely.boundary(geoms)[g], shapely.points(x, y))
    # Sites whose rectangle may cross the grid edge are drawn less often: ~10 % straddle.
    weight = np.where(edge < np.hypot(length, width) / 2, 0.3, 1.0)
    order = np.lexsort((np.log(rng.random(len(g))) / weight, g))[::-1]
    chosen = order[_rank_within(g[order]) < want[g[order]]]
    site = {"grid": g, "i": i, "j": j, "x": x, "y": y, "theta": theta[g],
            "length": length, "width": width}
    site = {key: v[chosen] for key, v in site.items()}
    return _drop_overlaps(site)


def _drop_overlaps(site: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drop the later of any two rectangles that touch (neighbouring grids' lattices)."""
    rects = _rectangles(*(site[k] for k in ("x", "y", "theta", "length", "width")))
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
        turn = _rank_within(np.where(room, grid, -1))
        hh += room & (turn < short[grid])
        short = target - np.bincount(grid, hh, n_grid).astype(np.int64)
    by_area, by_hh = np.lexsort((area, grid)), np.lexsort((hh, grid))
    out = np.empty_like(hh)
    out[by_area] = hh[by_hh]
    return out


def _compound_addresses(rng, compound, comm, roads: np.ndarray) -> np.ndarray:
    """'XX路12号院' per building: each compound gets a road of its community and a number."""
    first = np.unique(compound, return_index=True)[1]
    road = roads[comm[first] - 1, rng.integers(0, roads.shape[1], len(first))]
    label = road + _text(_rank_within(road) + 1) + "号院"
    return label[compound]


# --- people ------------------------------------------------------------------------------

_HOURS = {"grid_chief": "周一至周五 9:00-17:30", "full_time": "周一至周五 9:00-17:30",
          "part_time": "周六、周日 9:00-12:00", "building_head": "每日 19:00-21:00"}


def _grid_members(rng, grids: pd.DataFrame) -> pd.DataFrame:
    """Per grid: a 网格长, a 专职 worker, 0–2 兼职 and 0–3 楼栋长."""
    n = len(grids)
    part, heads = rng.choice(3, n, p=[0.3, 0.45, 0.25]), rng.choice(4, n, p=[.25, .35, .25, .15])
    grid = np.repeat(np.arange(n), 2 + part + heads)
    rank = _rank_within(grid)
    role = np.select([rank == 0, rank == 1, rank < 2 + part[grid]],
                     ["grid_chief", "full_time", "part_time"], "building_head").astype(object)
    office = names.landlines(rng, n)[grid]
    return pd.DataFrame({
        "id": np.arange(1, len(grid) + 1),
        "name": names.person_names(rng, len(grid)),
        "role": _enum(role),
        "public_phone": np.where(role == "building_head", None, office),
        "private_phone": names.mobiles(rng, len(grid)),
        "service_hours": _enum(pd.Series(role).map(_HOURS).to_numpy()),
        "grid_id": grids["id"].to_numpy()[grid],
        "active": ~((role == "part_time") & (rng.random(len(grid)) < 0.05)),
    })


def _party(rng, comms, grids, buildings):
    """Party organisations (党委, ~85 % of grids a 党支部, ~30 % of buildings a 党小组) and
    members: residents serve their home grid, in-service members (双报到) a chosen one."""
    n_comm, n_grid = len(comms), len(grids)
    branch = rng.random(n_grid) < 0.85
    group = rng.random(len(buildings)) < 0.30
    n_branch = int(branch.sum())
    branch_id = np.where(branch, n_comm + np.cumsum(branch), 0)
    group_id = np.where(group, n_comm + n_branch + np.cumsum(group), 0)
    orgs = pd.DataFrame({
        "name": np.concatenate([comms["name"] + "党委", grids["name"][branch] + "党支部",
                                buildings["address"][group] + "党小组"]),
        "level": _enum(np.repeat(["community_committee", "grid_branch", "building_group"],
                                 [n_comm, n_branch, int(group.sum())])),
        "community_id": np.concatenate([comms["id"], grids["community_id"][branch],
                                        buildings["community_id"][group]]),
        "grid_id": pd.array(np.r_[[None] * n_comm, grids["id"][branch],
                                  [None] * int(group.sum())], dtype="Int64"),
        "building_id": pd.array(np.r_[[None] * (n_comm + n_branch),
                                      buildings["id"][group]], dtype="Int64"),
    })
    orgs.insert(0, "id", np.arange(1, len(orgs) + 1))
    # Grids nobody serves: mostly those without a branch, so the coverage map has work.
    uncovered = rng.random(n_grid) < np.where(branch, 0.03, 0.4)
    return orgs, _party_members(rng, buildings, grids, branch_id, group_id, uncovered)


def _party_members(rng, buildings, grids, branch_id, group_id, uncovered):
    per_building = rng.poisson(buildings["residents"].to_numpy() * 0.03)
    b = np.repeat(np.arange(len(buildings)), per_building)
    g = buildings["grid_id"].to_numpy()[b] - 1
    comm = grids["community_id"].to_numpy()
    org = np.where(group_id[b] > 0, group_id[b], np.where(branch_id[g] > 0, branch_id[g],
                                                          comm[g]))
    serving = np.where(uncovered[g], 0, g + 1)
    covered = np.flatnonzero(~uncovered)
    hh = grids["households"].to_numpy()[covered].astype(float)
    s = covered[rng.choice(len(covered), len(b) // 4, p=hh / hh.sum())]
    s_org = np.where(branch_id[s] > 0, branch_id[s], comm[s])
    n_res, n_srv = len(b), len(s)
    frame = pd.DataFrame({
        "id": np.arange(1, n_res + n_srv + 1),
        "name": names.person_names(rng, n_res + n_srv),
        "kind": _enum(np.repeat(["resident", "in_service"], [n_res, n_srv])),
        "org_id": np.r_[org, s_org],
        "home_building_id": pd.array(np.r_[b + 1, np.zeros(n_srv, int)], dtype="Int64"),
        "serving_grid_id": pd.array(np.r_[serving, s + 1], dtype="Int64"),
        "households_linked": np.r_[np.where(serving > 0, rng.integers(3, 31, n_res), 0),
                                   rng.integers(0, 11, n_srv)],
    })
    for col in ("home_building_id", "serving_grid_id"):
        frame.loc[frame[col] == 0, col] = pd.NA
    return frame


# --- incidents ---------------------------------------------------------------------------

# (action, from_status, to_status) per step of each path an incident can take.
_REPORT = ("report", None, "reported")
_DONE = [("accept", "reported", "accepted"), ("dispatch", "accepted", "dispatched"),
         ("start", "dispatched", "in_progress"), ("resolve", "in_progress", "resolved")]
_PATHS = (
    [_REPORT, *_DONE, ("close", "resolved", "closed")],
    [_REPORT, ("reject", "reported", "rejected")],
    [_REPORT, *_DONE[:2], ("return", "dispatched", "returned")],
    [_REPORT, *_DONE, ("reopen", "resolved", "reopened")],
)
_PATH_SHARE = (0.925, 0.05, 0.015, 0.01)
_SOURCES = ("hotline", "patrol", "resident", "other")
_SOURCE_SHARE = (0.4, 0.3, 0.25, 0.05)


def _incidents(rng, n, buildings, worker, centres, city, now: dt.datetime):
    """Incidents of the last 90 days near buildings (0.5 % outside the city) and their
    history, one ``incident_events`` row per step taken so far. ``worker``: per building,
    the grid worker who gets its incidents once they are dispatched."""
    n_out = max(1, round(n * 0.005))
    hh = buildings["households"].to_numpy()
    home = buildings["grid_id"].to_numpy()
    weight = hh * rng.gamma(2.0, 0.5, home.max() + 1)[home]  # some grids are hotspots
    b = rng.choice(len(hh), n - n_out, p=weight / weight.sum())
    sigma = np.where(rng.random(len(b)) < 0.85, 12.0, 40.0)
    xy = np.vstack([centres[b] + rng.normal(0, 1, (len(b), 2)) * sigma[:, None],
                    _outside(rng, city, n_out)])
    address = np.r_[buildings["address"].to_numpy()[b],
                    names.road_names(rng, n_out) + "附近"]
    worker = np.r_[worker[b], np.zeros(n_out, np.int64)]
    category = rng.choice(list(names.CATEGORIES), n,
                          p=[v[0] for v in names.CATEGORIES.values()])
    reported = _report_times(rng, n, now)
    order = np.argsort(reported, kind="stable")
    xy, address, category, reported = xy[order], address[order], category[order], reported[order]
    worker = worker[order]
    limit = pd.Series(category).map(names.RESOLVE_HOURS).to_numpy() * 3600
    path = rng.choice(len(_PATHS), n, p=_PATH_SHARE)
    # Returned and reopened work gets picked up again within days: only recent ones stay so.
    path[(path >= 2) & (reported < _epoch(now) - 7 * 86400)] = 0
    times = _step_times(rng, reported, limit, path)
    done = np.array([len(p) for p in _PATHS])[path]
    done = np.minimum(done, (times <= _epoch(now)).sum(axis=1))
    status = np.array([[s[2] for s in p] + [""] * (6 - len(p)) for p in _PATHS])[path, done - 1]
    source = rng.choice(_SOURCES, n, p=_SOURCE_SHARE)
    reporter = np.isin(source, ("hotline", "resident"))
    urgent = np.where(category == "消防隐患", 0.6, 0.1)
    frame = pd.DataFrame({
        "id": np.arange(1, n + 1),
        "category": _enum(category),
        "description": _enum(names.descriptions(rng, category)),
        "geom": shapely.points(xy),
        "address": address,
        "source": _enum(source),
        "external_id": _hotline_ids(source, reported),
        "reported_at": _timestamps(reported),
        "status": _enum(status),
        "priority": np.where(rng.random(n) < urgent, 1, rng.choice([2, 3], n, p=[0.7, 0.3])),
        "assignee_id": pd.array(np.where((done > 2) & (path != 1), worker, 0), "Int64"),
        "due_at": _timestamps(reported + limit),
        "closed_at": _timestamps(np.where(status == "closed", times[:, 5], -1)),
        "reporter_name": np.where(reporter, names.person_names(rng, n), None),
        "reporter_phone": np.where(reporter, names.mobiles(rng, n), None),
    })
    frame.loc[frame["assignee_id"] == 0, "assignee_id"] = pd.NA
    return frame, _events(times, path, done)


def _outside(rng, city, n: int) -> np.ndarray:
    """``n`` points 100 m to 2 km outside the city: out-of-area reports."""
    near = shapely.buffer(city, 100)
    shapely.prepare(near)
    x0, y0, x1, y1 = shapely.bounds(city)
    out = np.empty((0, 2))
    while len(out) < n:
        pts = rng.uniform((x0 - 2000, y0 - 2000), (x1 + 2000, y1 + 2000), (4 * n, 2))
        out = np.vstack([out, pts[~shapely.contains_xy(near, pts[:, 0], pts[:, 1])]])
    return out[:n]


def _report_times(rng, n: int, now: dt.datetime) -> np.ndarray:
    """Epoch seconds in the last 90 days, busier by day (Beijing time) than by night."""
    hourly = np.array([1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 8, 9, 10, 10, 9, 8, 7, 6, 5, 4, 3, 2])
    local_midnight = (_epoch(now) + 8 * 3600) // 86400 * 86400 - 8 * 3600
    second = rng.choice(24, n, p=hourly / hourly.sum()) * 3600 + rng.integers(0, 3600, n)
    day = rng.integers(0, DAYS, n)
    day = np.where(local_midnight + second > _epoch(now), rng.integers(1, DAYS, n), day)
    return local_midnight - day * 86400 + second


def _step_times(rng, reported, limit, path) -> np.ndarray:
    """Epoch seconds of each step of each incident's path (columns: step 0..5)."""
    n, hour = len(reported), 3600.0
    gaps = np.column_stack([
        np.zeros(n), rng.exponential(1.5 * hour, n), rng.exponential(hour, n),
        rng.exponential(2 * hour, n), limit * rng.lognormal(np.log(0.5), 0.8, n),
        rng.exponential(36 * hour, n),
    ])
    stuck = rng.random(n) < 0.03  # a backlog: work that waits days before anyone starts
    gaps[stuck, 3] += rng.lognormal(np.log(5 * 24 * hour), 1.0, stuck.sum())
    gaps[path == 2, 3] = rng.exponential(3 * hour, (path == 2).sum())  # returned
    gaps[path == 3, 5] = rng.exponential(12 * hour, (path == 3).sum())  # reopened
    return reported[:, None] + np.cumsum(gaps, axis=1).round().astype(np.int64)


def _events(times, path, done) -> pd.DataFrame:
    """One row per step each incident has taken, in order of incident and step."""
    incident = np.repeat(np.arange(len(path)), done)
    step = np.arange(len(incident)) - np.repeat(np.cumsum(done) - done, done)
    kind = np.cumsum([0] + [len(p) for p in _PATHS])[path[incident]] + step
    steps = [s for p in _PATHS for s in p]
    notes = ["不属于受理范围" if s[0] == "reject" else None for s in steps]
    columns = {name: _enum(np.array(values, dtype=object), kind) for name, values in
               zip(("action", "from_status", "to_status"), zip(*steps, strict=True),
                   strict=True)}
    return pd.DataFrame({
        "id": np.arange(1, len(incident) + 1),
        "incident_id": incident + 1,
        "at": _timestamps(times[incident, step]),
        "actor": pd.Categorical.from_codes(np.zeros(len(kind), np.int8), ["demo"]),
        **columns,
        "note": _enum(np.array(notes, dtype=object), kind),
    })


def _hotline_ids(source, reported) -> np.ndarray:
    """'12345-2026-0001234' for hotline reports: year and a sequence within the year."""
    hotline = np.flatnonzero(source == "hotline")
    year = reported[hotline].astype("datetime64[s]").astype("datetime64[Y]").astype(int) + 1970
    out = np.full(len(source), None, dtype=object)
    out[hotline] = "12345-" + _text(year) + "-" + _zfill(_rank_within(year) + 1, 7)
    return out


# --- helpers -----------------------------------------------------------------------------

def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _timestamps(seconds: np.ndarray) -> pd.DatetimeIndex:
    """Epoch seconds (negative = missing) as UTC timestamps."""
    seconds = np.asarray(seconds, dtype=np.int64)
    stamps = seconds.astype("datetime64[s]")
    stamps[seconds < 0] = np.datetime64("NaT")
    return pd.DatetimeIndex(stamps).tz_localize("UTC")


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0-based position of each item among the items of its group, in array order."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = np.asarray(groups)[order]
    start = np.r_[0, np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1]
    counts = np.diff(np.r_[start, len(order)])
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order)) - np.repeat(start, counts)
    return rank


def _reading_order(xy: np.ndarray, groups: np.ndarray, band: float) -> np.ndarray:
    """By group, then north to south in bands of ``band`` metres, then west to east."""
    return np.lexsort((xy[:, 0], -np.floor(xy[:, 1] / band), groups))


def _group_means(xy: np.ndarray, labels: np.ndarray) -> np.ndarray:
    count = np.bincount(labels)
    return np.stack([np.bincount(labels, xy[:, i]) / count for i in (0, 1)], axis=1)


def _enum(values: np.ndarray, codes: np.ndarray | None = None) -> pd.Categorical:
    """``values[codes]`` (or ``values``) as a pandas Categorical: cheap to hold and to COPY."""
    if codes is None:
        return pd.Categorical(values)
    present = pd.notna(values)
    categories, inverse = np.unique(values[present].astype(str), return_inverse=True)
    lookup = np.full(len(values), -1)
    lookup[present] = inverse
    return pd.Categorical.from_codes(lookup[codes], categories)


def _text(values: np.ndarray) -> np.ndarray:
    """Numbers as an object array of ``str``, ready for element-wise ``+``."""
    return np.asarray(values).astype(str).astype(object)


def _zfill(values: np.ndarray, width: int) -> np.ndarray:
    return np.char.zfill(np.asarray(values).astype(str), width).astype(object)


def _multi(geom):
    return geom if geom.geom_type == "MultiPolygon" else shapely.MultiPolygon([geom])


@cache
def _transformer() -> tuple[Transformer, float, float]:
    forward = Transformer.from_crs(4326, METRIC_CRS, always_xy=True)
    x0, y0 = forward.transform(*CENTRE)
    return Transformer.from_crs(METRIC_CRS, 4326, always_xy=True), x0, y0


def _in_wgs84(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``geom`` moved from layout metres (origin at :data:`CENTRE`)
    to lon/lat."""
    back, x0, y0 = _transformer()

    def lon_lat(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(back.transform(xy[:, 0] + x0, xy[:, 1] + y0))

    return frame.assign(geom=shapely.transform(frame["geom"].to_numpy(), lon_lat))


def to_metric(geoms: np.ndarray) -> np.ndarray:
    """EPSG:4326 geometries to UTM 50N metres (for areas and distances)."""
    forward = Transformer.from_crs(4326, METRIC_CRS, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(forward.transform(*xy.T)))
