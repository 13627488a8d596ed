"""One set of a community's grids, measured: a plan's, or the version in force on a day.

The checks (:mod:`geo.plans.check`) measure one side, the impact (:mod:`geo.plans.impact`) two.
Both see buildings the way publishing will assign them (``geo.places.assign``: the grid holding
the largest part, lowest code on a tie), and incidents by where they are (the grid that
covers the point, lowest code on a shared edge). Workers and serving party members belong
to a grid *code*: publishing moves them to the new version of their code, so a side's
grid has the people of the current grid with its code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection

from geo.plans.store import sides as store

RECENT_DAYS = 90


@dataclass(frozen=True)
class Side:
    """A plan's grids (``plan_id``), or the version in force on ``at`` (None: current)."""

    community_id: int
    plan_id: int | None = None
    at: dt.date | None = None

    def label(self) -> str:
        if self.plan_id is not None:
            return f"plan {self.plan_id}"
        return f"version in force on {self.at}" if self.at else "current grids"

    def as_dict(self) -> dict:
        if self.plan_id is not None:
            return {"plan": self.plan_id}
        return {"at": self.at.isoformat() if self.at else None}


@dataclass(frozen=True)
class BuildingFit:
    """Where a building falls among a side's grids: every grid holding part of it, the
    largest part first (its grid by the rule), with the shares."""

    id: int
    code: str
    households: int
    residents: int
    grid_ids: tuple[int, ...]
    codes: tuple[str, ...]
    shares: tuple[float, ...]
    geojson: str | None

    @property
    def grid_id(self) -> int | None:
        return self.grid_ids[0] if self.grid_ids else None

    @property
    def grid_code(self) -> str | None:
        return self.codes[0] if self.codes else None


def buildings(conn: Connection, side: Side, *, with_geom: bool = False) -> list[BuildingFit]:
    """Every building of the community with the side's grids it lies in (see the rule).

    ``with_geom`` adds the footprint (GeoJSON) of buildings split between grids or in none.
    """
    return [BuildingFit(r.id, r.code, r.households, r.residents, tuple(r.grid_ids or ()),
                        tuple(r.codes or ()), tuple(r.shares or ()), r.geojson)
            for r in store.building_fits(conn, side, with_geom)]


def incident_counts(conn: Connection, side: Side,
                    days: int = RECENT_DAYS) -> dict[int, tuple[int, int]]:
    """Per grid id of the side: (incidents reported in the last ``days``, open incidents)."""
    return store.incident_counts(conn, side, days)


def people_by_code(conn: Connection, community_id: int) -> dict[str, tuple[int, int]]:
    """Per current grid code: (active grid workers, serving party members)."""
    return store.people_by_code(conn, community_id)
