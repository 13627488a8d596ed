"""Automatic balanced drafts: buildings partitioned into contiguous, compact, balanced groups.

Buildings are the units (a grid never splits one). Two buildings are *adjacent* when their
points are Delaunay neighbours (equivalently, their Voronoi cells touch) and the segment
between them stays inside the community; a group is *contiguous* when its buildings are
connected in that graph, so the grid :mod:`geo.plans.derive` draws around them is one piece.

The method, in three steps (all deterministic; ``seed`` only turns the cutting axes):

1. **Recursive bisection** by the household-weighted median: a set of buildings that must
   make ``k`` grids is cut across its longer extent where the running total of households
   reaches ``⌊k/2⌋/k`` of its households, and each side is cut again until ``k = 1``.
   Cuts across the longer axis keep pieces near-square (compact); the weighted median
   makes them balanced up to half a building's households per cut.
2. **Contiguity repair**: on a concave community a straight cut can leave a group in
   several pieces of the adjacency graph; every piece but the largest joins the group it
   shares the most adjacencies with.
3. **Balancing repair** (local search): a building on the edge of a group moves to the
   neighbouring group when that lowers the sum of squared differences from the mean
   (``T_from - T_to > households``), the group it leaves stays connected, and at least
   30 % of its neighbours are already in the receiving group (no tentacles); when no
   such move is left, any share will do.

Region growing from k-means++ seeds was the alternative; bisection needs no iterations to
converge, gives rectangular, compact pieces by construction, and its balance error is
bounded per cut, so the repair has little to do (see ``bench/bench_autodraft.py``).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import shapely

from geo.core.errors import InvalidInput

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0
MIN_SHARES = (0.3, 0.0)  # share of a moved building's neighbours already in its new group:
# moves above the first are tried first (no tentacles); the second only when none is left
EDGE_MIN_M = 0.5  # cells touching along less than this (metres) inside the community do not count


@dataclass(frozen=True)
class GridCount:
    """How many grids a band asks for, and whether the band can be met at all."""

    grids: int
    feasible: bool
    reason: str | None = None


def grid_count(total: int, band: tuple[int, int], largest: int = 0) -> GridCount:
    """The number of grids whose mean households lies in ``band``, nearest its middle.

    When no whole number of grids has its mean in the band (e.g. 550 households with
    300–500: one grid is too many households, two too few), the count whose mean is
    nearest the band is taken and the draft is said to be infeasible; so is a band
    whose maximum is below the households of the largest single building.

    >>> grid_count(4000, (300, 500))
    GridCount(grids=10, feasible=True, reason=None)
    >>> grid_count(550, (300, 500)).grids, grid_count(550, (300, 500)).feasible
    (2, False)
    """
    lo, hi = band
    if total <= 0:
        return GridCount(1, False, "the community has no households")
    fewest, most = math.ceil(total / hi), math.floor(total / lo)
    if fewest <= most:
        k = min(max(round(total / ((lo + hi) / 2)), fewest), most)
        if largest > hi:
            return GridCount(k, False, f"a building has {largest} households, more than "
                                       f"the band's maximum {hi}")
        return GridCount(k, True)
    # Between most and fewest: the one whose mean misses the band by the least.
    low_k, high_k = max(most, 1), fewest
    miss = {low_k: total / low_k - hi, high_k: lo - total / high_k}
    k = min(miss, key=lambda n: (miss[n], n))
    return GridCount(k, False, f"{total} households cannot make grids of {lo}–{hi}: "
                               f"{low_k} grid(s) average {total / low_k:.0f}, "
                               f"{high_k} average {total / high_k:.0f}")


def to_metres(points: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """lon/lat → metres east/north of (lon0, lat0): a local plane, fine for a community."""
    kx = M_PER_DEG_LON * math.cos(math.radians(lat0))
    return np.column_stack(((points[:, 0] - lon0) * kx, (points[:, 1] - lat0) * M_PER_DEG_LAT))


def adjacency(points: np.ndarray, area: shapely.Geometry | None = None,
              owner: np.ndarray | None = None) -> list[list[int]]:
    """Neighbouring units: ``points`` (metres) belong to units ``owner`` (default: each
    point its own unit; e.g. the vertices of building footprints, owned by buildings).
    Two units are neighbours when points of theirs are Delaunay neighbours (their Voronoi
    cells touch, as in :mod:`geo.plans.derive`) or coincide. Edges leaving ``area`` are
    dropped unless needed to keep the graph connected (shortest first)."""
    owner = np.arange(len(points)) if owner is None else np.asarray(owner)
    n = int(owner.max()) + 1 if len(owner) else 0
    spots, first, which = np.unique(np.round(points, 3), axis=0, return_index=True,
                                     return_inverse=True)
    which = which.reshape(-1)
    pairs = [np.column_stack((owner[first[which]], owner))]  # units sharing a point
    lengths = [np.zeros(len(owner))]
    if len(spots) >= 2:
        edges = _delaunay_edges(spots)
        keep = np.ones(len(edges), dtype=bool) if area is None else _inside(spots, edges, area)
        length = np.hypot(*(spots[edges[:, 0]] - spots[edges[:, 1]]).T)
        pairs.append(owner[first[edges]])
        lengths.append(np.where(keep, 0.0, length))  # 0: kept; >0: only to connect
    pairs, lengths = np.concatenate(pairs), np.concatenate(lengths)
    mask = pairs[:, 0] != pairs[:, 1]
    pairs, lengths = np.sort(pairs[mask], axis=1), lengths[mask]
    return _connected_graph(n, pairs, lengths)


def _inside(spots: np.ndarray, edges: np.ndarray, area: shapely.Geometry) -> np.ndarray:
    """Whether the Voronoi edge between each Delaunay pair crosses ``area`` (for more than
    ``EDGE_MIN_M``): the cells of the pair still touch once the grids are clipped to the
    community. (The Delaunay segment itself is no guide: its dual edge may lie elsewhere.)"""
    box = shapely.box(*shapely.bounds(area)).buffer(1000.0)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(spots),
                                                       extend_to=box, ordered=True))
    shared = shapely.intersection(cells[edges[:, 0]], cells[edges[:, 1]])
    shapely.prepare(area)
    crossing = shapely.intersects(shared, area)  # cheap test first, length only for those
    out = np.zeros(len(edges), dtype=bool)
    out[crossing] = shapely.length(shapely.intersection(shared[crossing], area)) > EDGE_MIN_M
    return out


def _connected_graph(n: int, pairs: np.ndarray, lengths: np.ndarray) -> list[list[int]]:
    """Neighbour lists from the pairs of length 0, plus the shortest others that join
    separate components (Kruskal)."""
    roots = list(range(n))

    def find(i: int) -> int:
        while roots[i] != i:
            roots[i] = roots[roots[i]]
            i = roots[i]
        return i

    out: list[set[int]] = [set() for _ in range(n)]
    for e in np.argsort(lengths, kind="stable"):
        a, b = int(pairs[e, 0]), int(pairs[e, 1])
        joined = find(a) != find(b)
        if lengths[e] == 0 or joined:
            out[a].add(b)
            out[b].add(a)
            if joined:
                roots[find(a)] = find(b)
    return [sorted(x) for x in out]


def _delaunay_edges(points: np.ndarray) -> np.ndarray:
    if len(points) == 2:
        return np.array([[0, 1]])
    tri = shapely.delaunay_triangles(shapely.multipoints(points), only_edges=True)
    coords = shapely.get_coordinates(shapely.get_parts(tri)).reshape(-1, 2, 2)
    if not len(coords):  # all points on one line: chain them along it
        order = np.lexsort((points[:, 1], points[:, 0]))
        return np.column_stack((order[:-1], order[1:]))
    index = {(round(x, 6), round(y, 6)): i for i, (x, y) in enumerate(points)}
    pairs = [(index[(round(a[0], 6), round(a[1], 6))], index[(round(b[0], 6), round(b[1], 6))])
             for a, b in coords]
    return np.unique(np.sort(np.array(pairs), axis=1), axis=0)


def partition(points: np.ndarray, households: np.ndarray, k: int, *,
              neighbours: list[list[int]] | None = None,
              area: shapely.Geometry | None = None, seed: int = 0) -> np.ndarray:
    """Group label (0..k-1) of each unit; see the module docstring.

    ``points`` are the units' positions in metres, ``households`` their weights,
    ``neighbours`` their adjacency (default: :func:`adjacency` of the points within
    ``area``, the community in the same plane). Same input and seed, same answer.
    """
    n = len(points)
    if not 1 <= k <= n:
        raise InvalidInput(f"cannot make {k} grids from {n} buildings", param="grids")
    weights = np.asarray(households, dtype=np.int64)
    angle = 0.0 if seed == 0 else float(np.random.default_rng(seed).uniform(0, math.pi))
    turn = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    labels = np.zeros(n, dtype=np.int64)
    _bisect(points @ turn, weights, np.arange(n), k, labels, 0)
    if neighbours is None:
        neighbours = adjacency(points, area)
    _make_contiguous(labels, neighbours, k)
    _rebalance(labels, neighbours, weights, k)
    return labels


def _bisect(xy: np.ndarray, w: np.ndarray, idx: np.ndarray, k: int, out: np.ndarray,
            first: int) -> None:
    if k == 1:
        out[idx] = first
        return
    pts = xy[idx]
    axis = int(np.argmax(np.ptp(pts, axis=0)))
    order = idx[np.lexsort((pts[:, 1 - axis], pts[:, axis]))]
    left = k // 2
    running = np.cumsum(w[order])
    cut = int(np.argmin(np.abs(running - running[-1] * left / k))) + 1
    cut = min(max(cut, left), len(order) - (k - left))  # each side keeps a building a grid
    _bisect(xy, w, order[:cut], left, out, first)
    _bisect(xy, w, order[cut:], k - left, out, first + left)


def _pieces(members: list[int], neighbours: list[list[int]], labels: np.ndarray,
            label: int) -> list[list[int]]:
    seen, pieces = set(), []
    for start in members:
        if start in seen:
            continue
        piece, queue = [], deque([start])
        seen.add(start)
        while queue:
            i = queue.popleft()
            piece.append(i)
            for j in neighbours[i]:
                if labels[j] == label and j not in seen:
                    seen.add(j)
                    queue.append(j)
        pieces.append(piece)
    return pieces


def _make_contiguous(labels: np.ndarray, neighbours: list[list[int]], k: int) -> None:
    """Every piece of a group but its largest joins the neighbouring group it touches most.
    Repeats until stable: a piece that moved may touch only a group that moves next."""
    for _ in range(len(labels)):
        moved = False
        for g in range(k):
            members = np.flatnonzero(labels == g).tolist()
            pieces = sorted(_pieces(members, neighbours, labels, g), key=lambda p: (-len(p), p[0]))
            for piece in pieces[1:]:
                touch: dict[int, int] = {}
                for i in piece:
                    for j in neighbours[i]:
                        if labels[j] != g:
                            touch[int(labels[j])] = touch.get(int(labels[j]), 0) + 1
                if touch:
                    labels[piece] = max(sorted(touch), key=touch.get)
                    moved = True
        if not moved:
            return


def _rebalance(labels: np.ndarray, neighbours: list[list[int]], w: np.ndarray, k: int,
               max_moves: int | None = None) -> int:
    """Move edge buildings from heavier to lighter neighbouring groups; return the moves."""
    totals = np.bincount(labels, weights=w, minlength=k).astype(np.int64)
    members = [set(np.flatnonzero(labels == g).tolist()) for g in range(k)]
    limit = max_moves if max_moves is not None else 20 * len(labels)
    moves = 0
    while moves < limit:
        move = None
        for share in MIN_SHARES:
            for g in sorted(range(k), key=lambda g: (-totals[g], g)):
                move = _best_move(g, members, labels, neighbours, w, totals, share)
                if move is not None:
                    break
            if move is not None:
                break
        if move is None:
            return moves
        i, g, h = move
        labels[i] = h
        members[g].discard(i)
        members[h].add(i)
        totals[g] -= w[i]
        totals[h] += w[i]
        moves += 1
    return moves


def _best_move(g: int, members: list[set[int]], labels: np.ndarray,
               neighbours: list[list[int]], w: np.ndarray, totals: np.ndarray,
               share: float):
    if len(members[g]) < 2:
        return None
    options = []
    for i in members[g]:
        if w[i] <= 0:
            continue
        near = [int(labels[j]) for j in neighbours[i]]
        for h in set(near) - {g}:
            if totals[g] - totals[h] > w[i] and near.count(h) >= share * len(near):
                options.append((-near.count(h) / len(near), -(totals[g] - totals[h]), i, h))
    for _, _, i, h in sorted(options):
        if _still_connected(members[g], i, neighbours):
            return i, g, h
    return None


def _still_connected(group: set[int], leaving: int, neighbours: list[list[int]]) -> bool:
    rest = [j for j in neighbours[leaving] if j in group]
    if len(rest) <= 1:
        return True
    seen, queue = {rest[0]}, deque([rest[0]])
    targets = set(rest[1:])
    while queue and targets:
        i = queue.popleft()
        for j in neighbours[i]:
            if j != leaving and j in group and j not in seen:
                seen.add(j)
                targets.discard(j)
                queue.append(j)
    return not targets


def deviation(totals) -> float:
    """(max − min) / mean of the households per grid (0 for one grid or none).

    >>> deviation([300, 400, 500])
    0.5
    """
    values = np.asarray(totals, dtype=float)
    if len(values) < 2 or values.mean() == 0:
        return 0.0
    return float((values.max() - values.min()) / values.mean())


def polsby_popper(geom: shapely.Geometry) -> float:
    """4πA/P² of a polygon in a metric plane (1 for a circle, 0.785 for a square)."""
    perimeter = geom.length
    return 0.0 if perimeter == 0 else 4 * math.pi * geom.area / perimeter ** 2
