"""A synthetic demo city in Beijing, deterministic by seed (``flask --app wsgi demo``).

The layout follows the benchmark city of perf-anchors §2: grid seeds are a weighted k-means
of a density field, grids are their Voronoi cells, communities are clusters of grids and
streets clusters of communities. Every boundary is an edge of one Voronoi diagram, so grids
tile their community and communities tile the city with identical vertices on both sides
of every shared edge (a valid GEOS coverage, still valid after reprojection, which moves
equal vertices equally). Buildings are rotated rectangles on a lattice per grid, sized so
each grid gets a household target (mostly 300–500); incidents fall near buildings, weighted
by households. Geometry is built in UTM 50N (metres) and returned in EPSG:4326.

This module holds the order of the tables and the projection (the sizes are in
``geo.demo.sizes``); the parts are drawn, in this order and from one numpy ``Generator``,
by ``geo.demo.layout`` (grids, communities, streets), ``geo.demo.buildings``,
``geo.demo.people`` (grid workers, Party) and ``geo.demo.incidents``. :func:`generate` is
pure (no database, no Flask); ``geo.demo.store`` loads its frames.
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

from geo.core.errors import InvalidInput
from geo.demo import buildings as demo_buildings
from geo.demo import incidents as demo_incidents
from geo.demo import layout as demo_layout
from geo.demo import people
from geo.demo.sizes import SIZES, Size

DEFAULT_SEED = 20240601
CENTRE = (116.41, 39.92)  # lon, lat: 东城区, between 东四 and 王府井
METRIC_CRS = "EPSG:32650"  # UTM 50N


@dataclass
class DemoCity:
    """One frame per table, columns named as in ``app.models``; ``geom`` is EPSG:4326."""

    communities: pd.DataFrame
    grids: pd.DataFrame
    buildings: pd.DataFrame
    grid_members: pd.DataFrame
    worker_grids: pd.DataFrame
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
        runs ``geo.places.assign``, which corrects the few that straddle or drift over an edge.

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
    cells, grid_comm, comm_street = demo_layout.cells(rng, spec)
    comms, grids, roads = demo_layout.admin_frames(rng, spec, cells, grid_comm, comm_street)
    buildings, centres = demo_buildings.place(rng, spec, grids, roads)
    _count_households(comms, grids, buildings)
    members = people.grid_members(rng, grids)
    orgs, party = people.party(rng, comms, grids, buildings)
    yield "communities", _in_wgs84(comms)
    yield "grids", _in_wgs84(grids)
    yield "buildings", _in_wgs84(buildings)
    yield "grid_members", members.drop(columns="grid_id")
    yield "worker_grids", people.worker_grids(members)
    yield "party_orgs", orgs
    yield "party_members", party
    worker = people.full_time_workers(members, len(grids))[buildings["grid_id"].to_numpy()]
    incidents, events = demo_incidents.draw(rng, spec.incidents, buildings, worker, centres,
                                            shapely.coverage_union_all(cells), now)
    yield "incidents", _in_wgs84(incidents)
    yield "incident_events", events


def _count_households(comms: pd.DataFrame, grids: pd.DataFrame,
                      buildings: pd.DataFrame) -> None:
    """Fill ``households`` of grids and communities with the sums of their buildings."""
    hh = buildings["households"].to_numpy()
    grids["households"] = np.bincount(buildings["grid_id"], hh,
                                      len(grids) + 1)[1:].astype(np.int64)
    comms["households"] = np.bincount(buildings["community_id"], hh,
                                      len(comms) + 1)[1:].astype(np.int64)


# --- projection --------------------------------------------------------------------------

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
