"""Grids stay nested in their community of the same date (checked).

A grid belongs to one community (its parent code); its polygon must lie inside that
community's polygon **in force on the same day**. Every change that could break this is
checked before it writes anything:

- a grids layer import: each imported grid against its parent community (today's, or for
  a scheduled import the one in force on its ``effective`` day, a scheduled communities
  layer included);
- a communities layer import (a redraw, a street change): the grids of each imported
  community (today's, or those in force on the ``effective`` day) against its new polygon;
- a redraw plan: its ``outside`` finding (``geo.plans.check``) refuses publishing (409),
  with the same tolerance by default (``PLAN_SLIVER_M2``).

A scheduled change is checked again when it is applied (it then fails and stays scheduled
with the error, as any change that no longer passes).

**Tolerance**: a grid may stick out of its community by at most :data:`TOLERANCE_M2`
square metres (measured on the spheroid) in all: the plans' sliver size, below which the
assignment rule settles points and boundaries drawn by different offices rarely agree.

**Refused or reported**: by default a change that leaves grids outside is refused
(:class:`GridsOutside`, HTTP 409 / a CLI error) naming each grid, its community and the
area outside; with ``allow_outside`` (``--allow-outside``) it is made and the grids are
reported instead (two-step redraws, e.g. a community merger whose grids are re-imported
under the new parent afterwards).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from geo.boundaries.store import nesting as store
from geo.core.errors import Conflict
from geo.places.assign import COMMUNITIES_AT, GRIDS_AT

TOLERANCE_M2 = 50.0
SHOWN = 10


class GridsOutside(Conflict):
    """A change would leave grids outside their community; ``details.grids`` lists them."""

    code = "grids_outside_community"


def staged_grids(conn: Connection, day: dt.date | None = None) -> list[dict]:
    """Grids of a staged grids layer outside their parent community (today's, or the one
    in force on ``day``)."""
    communities = "communities c" if day is None else COMMUNITIES_AT
    return _answer(store.outside(conn, store.STAGED_GRIDS, communities, {"at": day},
                                 TOLERANCE_M2))


def staged_communities(conn: Connection, day: dt.date | None = None) -> list[dict]:
    """Grids (today's, or those in force on ``day``) of the communities of a staged
    communities layer that their new polygon would leave outside."""
    grids = (store.CURRENT_GRIDS_OF_STAGED if day is None
             else store.grids_at_of_staged(GRIDS_AT))
    return _answer(store.outside(conn, grids, store.STAGED_COMMUNITIES, {"at": day},
                                 TOLERANCE_M2))


def check(found: list[dict], allow_outside: bool) -> list[dict]:
    """Refuse (:class:`GridsOutside`) unless ``allow_outside``; return what was found."""
    if found and not allow_outside:
        named = "; ".join(f"{g['code']} ({g['outside_m2']} m² outside {g['community']})"
                          for g in found[:SHOWN])
        more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
        raise GridsOutside(
            f"{len(found)} grid(s) would lie outside their community by more than "
            f"{TOLERANCE_M2:g} m²: {named}{more}; fix the boundaries, or pass "
            "--allow-outside to make the change and report them",
            details={"grids": found, "tolerance_m2": TOLERANCE_M2})
    return found


def _answer(rows) -> list[dict]:
    return [{"code": r.code, "community": r.community_code, "outside_m2": r.outside_m2}
            for r in rows]
