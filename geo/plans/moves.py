"""Where a redraw sends each open incident of the community, and to whom.

One rule, used by the impact report (what *would* happen) and by publishing (what does):

- An open incident a dispatcher **moved** by hand keeps its grid code when the new grids
  still have it.
- Otherwise it is located again by the assignment rule of :mod:`geo.places.assign` (covered,
  lowest code on an edge; else snapped within ``ASSIGN_SNAP_METERS``; else out of area)
  against the new grids.
- Its worker stays when its grid code stays. When the code changes it is routed again by
  the rule of :mod:`geo.incidents.routing` for the new grid: the workers of a grid code are the
  ones publishing carries over to its new version (the current grid's workers of that
  code); a new code has none yet, so such incidents become ``unassigned``.

Closed incidents are never moved: they stay in the grid version they arrived in.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from geo.plans.side import Side
from geo.plans.store import sides as store


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


def moves(conn: Connection, after: Side, snap_meters: float) -> list[Move]:
    """Every open, located incident of the community with its destination under ``after``."""
    return [Move(**r._mapping) for r in store.incident_moves(conn, after, snap_meters)]
