"""An automatic draft for one community: its buildings partitioned (:mod:`geo.plans.autodraft`),
grids drawn around them (:mod:`geo.plans.derive`), coded and measured.

**Codes.** Grid workers and serving party members follow their grid *code* when a plan is
published, so a drafted grid takes the code of the current grid it shares the most
households with (greedily, largest overlap first, each code once); drafted grids left
over get the next free numbers of the community (national pattern: the community's 12
digits + 3). A grid that keeps a code keeps its current name.

**Caseload.** With ``caseload`` = w > 0 the partition balances a blend of each building's
share of the community's households (1 − w) and of its incidents reported in the last
365 days (w; an incident counts for the building nearest to it). The number of grids
still comes from the household band; the summary then also reports incidents per grid
and their deviation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from sqlalchemy import Connection

from geo.core.errors import InvalidInput
from geo.plans import autodraft, derive
from geo.plans.parse import GridRow, default_name
from geo.plans.store import drafts as store

MAX_GRID_NUMBER = 999
MAX_HOUSEHOLDS = 100_000
MAX_SEED = 2**31 - 1
FIELDS = ("community", "name", "band", "grids", "seed", "caseload")


@dataclass(frozen=True)
class Request:
    """What ``POST /api/v1/plans/auto`` asks for, checked."""

    community: str
    name: str
    band: tuple[int, int]
    grids: int | None
    seed: int
    caseload: float = 0.0


def parse_request(body, *, band: tuple[int, int], max_grids: int) -> Request:
    """Check ``{community, name, band: [min, max] | grids: n, seed}``; ``band`` is the
    default band. Raises InvalidInput naming the field.

    >>> parse_request({"community": "110101001001", "grids": 3}, band=(300, 500),
    ...               max_grids=2000).grids
    3
    """
    if not isinstance(body, dict):
        raise InvalidInput('send a JSON object: {"community": CODE, "band": [300, 500]}')
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(unknown)}; fields are "
                           f"{', '.join(FIELDS)}", param=unknown[0])
    code = body.get("community")
    if not isinstance(code, str) or not (code.isascii() and code.isdigit() and len(code) == 12):
        raise InvalidInput("'community' must be a 12-digit community code", param="community")
    if "band" in body and "grids" in body:
        raise InvalidInput("give either 'band' or 'grids', not both", param="grids")
    grids = body.get("grids")
    if grids is not None and not _integer(grids, 1, max_grids):
        raise InvalidInput(f"'grids' must be a whole number from 1 to {max_grids}",
                           param="grids")
    raw_band = body.get("band", list(band))
    if not (isinstance(raw_band, list) and len(raw_band) == 2
            and all(_integer(v, 1, MAX_HOUSEHOLDS) for v in raw_band)
            and raw_band[0] <= raw_band[1]):
        raise InvalidInput(f"'band' must be [min, max] households, whole numbers with "
                           f"1 <= min <= max <= {MAX_HOUSEHOLDS}", param="band")
    seed = body.get("seed", 0)
    if not _integer(seed, 0, MAX_SEED):
        raise InvalidInput(f"'seed' must be a whole number from 0 to {MAX_SEED}", param="seed")
    name = body.get("name", "自动草案")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200 \
            or not name.strip().isprintable():
        raise InvalidInput("'name' must be printable text of 1 to 200 characters",
                           param="name")
    caseload = body.get("caseload", 0)
    if isinstance(caseload, bool) or not isinstance(caseload, int | float) \
            or not 0 <= caseload <= 1:
        raise InvalidInput("'caseload' must be a number from 0 (households only) to 1 "
                           "(last year's incidents only)", param="caseload")
    return Request(code, name.strip(), (raw_band[0], raw_band[1]), grids, seed,
                   float(caseload))


def _integer(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


@dataclass
class Draft:
    """Grid rows for a plan, building assignments, and the measures of the draft."""

    rows: list[GridRow]
    assignments: list[tuple[int, str]]
    summary: dict = field(default_factory=dict)


def draft(conn: Connection, community_id: int, community_code: str, *,
          band: tuple[int, int] = (300, 500), grids: int | None = None,
          seed: int = 0, caseload: float = 0.0) -> Draft:
    """Draft the community's grids: ``grids`` of them, or as many as ``band`` asks for.

    The summary has ``grids``, ``households`` per code, ``deviation`` ((max − min)/mean),
    ``compactness`` (Polsby–Popper per code, its mean and minimum), ``band`` with
    ``feasible`` and, when not, ``reason``, ``multipart`` (grids drawn in several pieces;
    0 when contiguity held through the drawing) and ``seed``; with ``caseload`` > 0 also
    ``caseload`` (weight, incidents per code, their deviation).
    """
    rows = store.draft_buildings(conn, community_id)
    if not rows:
        raise InvalidInput(f"community {community_code} has no buildings to draft grids from",
                           param="community")
    weights = np.array([r.households or 0 for r in rows], dtype=np.int64)
    count = autodraft.grid_count(int(weights.sum()), band, int(weights.max()))
    k = grids if grids is not None else count.grids
    if k > len(rows):
        raise InvalidInput(f"community {community_code} has {len(rows)} buildings: too few "
                           f"for {k} grids", param="grids" if grids else "band")
    area = shapely.from_wkb(store.community_wkb(conn, community_id))
    footprints = shapely.from_wkb([bytes(r.wkb) for r in rows])
    incidents = _incidents(conn, community_id, [r.id for r in rows]) if caseload else None
    balanced = _blend(weights, incidents, caseload)
    labels = _labels(rows, footprints, balanced, k, area, seed)
    codes = _codes(labels, [r.grid_code for r in rows], weights, community_code, k)
    building_codes = [codes[g] for g in labels]
    shapes = derive.derive(area, list(footprints), building_codes)
    summary = _measure(shapes, building_codes, weights, area)
    summary["band"] = {"min": band[0], "max": band[1], "feasible": count.feasible,
                       **({"reason": count.reason} if count.reason else {})}
    if grids is not None:
        summary["band"]["grids_for_band"] = count.grids
    summary["seed"] = seed
    if incidents is not None:
        per_grid = {code: 0 for code in shapes}
        for code, n in zip(building_codes, incidents.tolist(), strict=True):
            per_grid[code] = per_grid.get(code, 0) + n
        summary["caseload"] = {"weight": caseload, "incidents": per_grid,
                               "deviation": round(autodraft.deviation(list(per_grid.values())), 4)
                               if sum(per_grid.values()) else None}
    names = store.current_grid_names(conn, community_id)
    hexed = shapely.to_wkb(shapely.set_srid(np.asarray(list(shapes.values()), dtype=object),
                                            4326), hex=True, include_srid=True)
    grid_rows = [GridRow(code, names.get(code) or default_name(code), h)
                 for code, h in zip(shapes, hexed, strict=True)]
    pairs = [(r.id, c) for r, c in zip(rows, building_codes, strict=True)]
    return Draft(grid_rows, pairs, summary)


def _incidents(conn: Connection, community_id: int, ids: list[int]) -> np.ndarray:
    """Incidents of the last 365 days per building (in ``ids`` order)."""
    counts = store.incidents_by_building(conn, community_id)
    return np.array([counts.get(i, 0) for i in ids], dtype=np.int64)


def _blend(households: np.ndarray, incidents: np.ndarray | None, w: float) -> np.ndarray:
    """Integer weights to balance: households, or shares of households and incidents
    mixed ``1 - w : w``, scaled to the households' total.

    >>> _blend(np.array([10, 30]), np.array([3, 1]), 0.5).tolist()
    [20, 20]
    """
    total = int(households.sum())
    if incidents is None or w == 0 or incidents.sum() == 0 or total == 0:
        return households
    share = (1 - w) * households / total + w * incidents / incidents.sum()
    return np.rint(share * total).astype(np.int64)


def _labels(rows, footprints: np.ndarray, weights: np.ndarray, k: int,
            area: shapely.Geometry, seed: int) -> np.ndarray:
    """Partition label per building; buildings at one spot (to the centimetre) go together.
    Adjacency comes from the footprints' vertices, the seeds :mod:`geo.plans.derive` draws
    the grids from, so that groups connected in the graph are drawn in one piece."""
    lonlat = np.array([(r.lon, r.lat) for r in rows], dtype=float)
    centre = shapely.centroid(area)

    def metres(xy: np.ndarray) -> np.ndarray:
        return autodraft.to_metres(xy, centre.x, centre.y)

    xy = metres(lonlat)
    spots, which = np.unique(np.round(xy, 2), axis=0, return_inverse=True)
    which = which.reshape(-1)
    if len(spots) < k:
        raise InvalidInput(f"the buildings stand on {len(spots)} distinct spots: too few for "
                           f"{k} grids", param="grids")
    spot_weights = np.bincount(which, weights=weights, minlength=len(spots)).astype(np.int64)
    corners, building = shapely.get_coordinates(shapely.boundary(footprints), return_index=True)
    neighbours = autodraft.adjacency(metres(corners), shapely.transform(area, metres),
                                     owner=which[building])
    return autodraft.partition(spots, spot_weights, k, neighbours=neighbours, seed=seed)[which]


def _codes(labels: np.ndarray, current: list[str | None], weights: np.ndarray,
           community_code: str, k: int) -> list[str]:
    """A grid code per label; see the module docstring."""
    overlap: dict[tuple[int, str], int] = {}
    for g, code, w in zip(labels.tolist(), current, weights.tolist(), strict=True):
        if code and code.startswith(community_code) and len(code) == 15:
            overlap[(g, code)] = overlap.get((g, code), 0) + w + 1  # +1: empty buildings count
    out: dict[int, str] = {}
    for (g, code), _ in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0])):
        if g not in out and code not in out.values():
            out[g] = code
    used = {int(c[-3:]) for c in current if c and c.startswith(community_code)}
    used |= {int(c[-3:]) for c in out.values()}
    free = (n for n in range(1, MAX_GRID_NUMBER + 1) if n not in used)
    for g in range(k):
        if g not in out:
            number = next(free, None)
            if number is None:
                raise InvalidInput(f"community {community_code} has no free grid numbers left",
                                   param="grids")
            out[g] = f"{community_code}{number:03d}"
    return [out[g] for g in range(k)]


def _measure(shapes: dict[str, shapely.Geometry], building_codes: list[str],
             weights: np.ndarray, area: shapely.Geometry) -> dict:
    households = {code: 0 for code in shapes}
    for code, w in zip(building_codes, weights.tolist(), strict=True):
        households[code] = households.get(code, 0) + w
    centre = shapely.centroid(area)
    compact = {code: round(autodraft.polsby_popper(shapely.transform(
        g, lambda c: autodraft.to_metres(c, centre.x, centre.y))), 3)
        for code, g in shapes.items()}
    values = list(compact.values())
    return {"grids": len(shapes), "households": households,
            "deviation": round(autodraft.deviation(list(households.values())), 4),
            "compactness": {"mean": round(float(np.mean(values)), 3),
                            "min": round(float(np.min(values)), 3), "per_grid": compact},
            "multipart": int(sum(shapely.get_num_geometries(g) > 1 for g in shapes.values()))}
