"""Where a boundary change sends each open incident, and to whom.

One rule, used by a plan's impact report (what *would* happen) and by re-homing after
every boundary change (what does, :mod:`geo.boundaries.rehome`):

- An open incident a dispatcher **moved** by hand keeps its grid code when the new grids
  still have it.
- Otherwise it is located again by the assignment rule of :mod:`geo.places.assign` (covered,
  lowest code on an edge; else snapped within ``ASSIGN_SNAP_METERS``; else out of area)
  against the new grids.
- Its worker stays when its grid code stays. When the code changes it is routed again by
  the assignee rule of :mod:`geo.incidents.routing` for the new grid: the workers of a grid
  code are those of the current grid with that code (they follow their code to its new
  version); a new code has none yet, so such incidents become ``unassigned``.

Closed incidents are never moved: they stay in the grid version they were handled in.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from geo.boundaries.store import moves as store


@dataclass(frozen=True)
class Move:
    """One open incident: where it is and where the new grids put it."""

    id: int
    status: str
    category: str
    grid_from: int | None
    code_from: str | None
    state_from: str
    assignee_from: int | None
    routed_from: str | None
    code_to: str | None
    state_to: str
    distance_m: float | None
    assignee_to: int | None
    routed_to: str | None

    @property
    def changes_grid(self) -> bool:
        return self.code_to != self.code_from

    @property
    def changes_worker(self) -> bool:
        return self.assignee_to != self.assignee_from

    @property
    def changed(self) -> bool:
        return self.changes_grid or self.changes_worker


def moves(conn: Connection, scope: str, params: dict, snap_meters: float,
          side: str | None = None) -> list[Move]:
    """The open, located incidents matching ``scope`` (SQL over ``i``, the incident, and
    ``l``, its location; ``params`` binds it) with their destination: among ``side`` (a
    subquery of grids with ``id, code, geom``) or, by default, the current grids."""
    return [Move(**r._mapping)
            for r in store.incident_moves(conn, scope, params, snap_meters, side)]
