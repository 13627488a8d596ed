"""Re-homing: the one rule for what follows a boundary change.

Every path that changes grid polygons (a plan published, ``flask layers import grids``,
a scheduled change applied) first writes the new grid versions and then calls
:func:`rehome` in the same transaction with the versions it closed and opened:

1. The open incidents that the change can move (located in a closed version, or within
   snapping distance of a new one) are locked, then located again by the assignment rule
   against the current grids (:mod:`geo.boundaries.moves`; a hand-moved incident keeps its
   code while it exists). Each whose grid or worker changes gets its new location row,
   its worker by the assignee rule of :mod:`geo.incidents.routing`, and a ``regrid`` event
   with the change's details. Near-boundary hints follow their grid code.
2. Buildings of the communities touched are re-assigned (largest part,
   :func:`geo.places.assign.assign_buildings`). The buildings *reassigned*, counted in
   every answer (a plan's impact and publish, a layer import, a scheduled change), are
   those whose grid *code* changed (:func:`reassigned`): a building that moves to the new
   version of its grid stays where it was for its residents and is not counted.
3. Resident party members serve the grid of their home building.

Closed incidents are never moved: they keep the version they were handled in, so the
statistics of past periods count them where they were.

A communities layer (a community redrawn, a street changed) changes no grid: grids stay
nested in their community (:mod:`geo.boundaries.nesting`). :func:`rehome_communities`
applies the same rule to what it can move: open out-of-area incidents take the community
that covers them now (with a ``regrid`` event naming both communities), buildings of the
communities touched are re-assigned (a building in no grid takes the community holding
its largest part) and resident party members follow their home building.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from geo.boundaries import moves as rule
from geo.boundaries.store import rehome as store
from geo.places.assign import assign_buildings


@dataclass(frozen=True)
class Change:
    """What a boundary change did to the grids table, and who did it why."""

    closed: Sequence[int]
    opened: Sequence[int]
    communities: Sequence[int] | None  # whose buildings to re-assign (None: all)
    actor: str
    user_id: int | None = None
    note: str = ""
    details: dict = field(default_factory=dict)  # into every regrid event (plan, change)


@dataclass
class Rehomed:
    """What re-homing did: incidents moved (one dict each), counts of the rest."""

    incidents: list[dict]
    incidents_checked: int
    buildings: int
    party_members: int

    def audit(self) -> dict:
        return {"incidents_moved": [m["id"] for m in self.incidents],
                "buildings_reassigned": self.buildings,
                "party_members_moved": self.party_members}


def rehome(conn: Connection, change: Change, snap_meters: float) -> Rehomed:
    """Apply the rule above after ``change``; see the module docstring."""
    store.scope_and_lock(conn, change.closed, change.opened, snap_meters)
    found = rule.moves(conn, store.SCOPE, {}, snap_meters)
    moved = [m for m in found if m.changed]
    store.apply_moves(conn, _columns(found), actor=change.actor, user_id=change.user_id,
                      note=change.note,
                      details=json.dumps(change.details, ensure_ascii=False, default=str))
    store.follow_boundary_hints(conn, change.closed)
    homes = store.building_codes(conn, change.communities)
    assign_buildings(conn, change.communities)
    buildings = len(reassigned(homes, store.building_codes(conn, change.communities)))
    members = store.party_members_follow_homes(conn, change.communities)
    return Rehomed([_report(m) for m in moved], len(found), buildings, members)


def reassigned(before: Mapping[int, str | None], after: Mapping[int, str | None]) -> set[int]:
    """The buildings a boundary change reassigns: those whose grid *code* differs between
    the sides (building id → grid code). A new version of the same code is not a move.
    A plan's impact, its publish and a layer import all count this.

    >>> sorted(reassigned({1: "A", 2: "A", 3: None}, {1: "A", 2: "B", 3: "B"}))
    [2, 3]
    """
    return {i for i, code in after.items() if before.get(i) != code}


def _columns(found: list[rule.Move]) -> dict[str, list]:
    return {"ids": [m.id for m in found], "codes": [m.code_to for m in found],
            "states": [m.state_to for m in found], "dist": [m.distance_m for m in found],
            "assignees": [m.assignee_to for m in found],
            "routed": [m.routed_to for m in found], "grids_from": [m.grid_from for m in found],
            "assignees_from": [m.assignee_from for m in found],
            "changed": [m.changed for m in found]}


def _report(m: rule.Move) -> dict:
    return {"id": m.id, "from_grid": m.code_from, "to_grid": m.code_to,
            "located": m.state_to, "assignee_from": m.assignee_from,
            "assignee_to": m.assignee_to, "routed_to": m.routed_to}


def rehome_communities(conn: Connection, change: Change) -> Rehomed:
    """The rule above after a communities layer (``change.communities``: those touched)."""
    moved = store.move_out_of_area(
        conn, actor=change.actor, user_id=change.user_id, note=change.note,
        details=json.dumps(change.details, ensure_ascii=False, default=str))
    buildings = assign_buildings(conn, change.communities)
    members = store.party_members_follow_homes(conn, change.communities)
    return Rehomed(moved, len(moved), buildings, members)
