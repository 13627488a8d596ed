"""Redraw plans: drafts of one community's grids, created, edited and deleted safely.

A plan (DESIGN.md "Planner redraws") starts from the community's current grids, the
version in force on a past day (to roll a redraw back), another plan, a file, or nothing.
Its grids are ``plan_grids`` rows; it is checked (:mod:`geo.plans.check`), compared
(:mod:`geo.plans.impact`) and published (:mod:`geo.plans.publish`).

**Concurrent edits.** ``plans.version`` counts writes and is the plan's ETag. Every write
first runs :func:`claim`: ``UPDATE … SET version = version + 1 WHERE version = :seen``.
That takes the plan's row lock, so of two writers who saw the same version the second
waits for the first to commit, then matches no row and gets :class:`PreconditionFailed`
(HTTP 412): nobody overwrites another planner's work without having seen it.

Every function works in the caller's transaction; ``scope`` is the set of community ids
the caller may see (None: all), and a plan outside it is reported as absent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from geo.core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from geo.plans.parse import GridRow, default_name
from geo.plans.store import drafts as store

SOURCES = ("current", "empty", "version", "plan")
STATUSES = ("draft", "scheduled", "published", "discarded")


@dataclass(frozen=True)
class PlanRef:
    """A plan as a write sees it after :func:`claim`: its new version, community, status."""

    id: int
    community_id: int
    community_code: str
    status: str
    version: int


def community(conn: Connection, code: str, scope: frozenset[int] | None) -> tuple[int, str]:
    """(id, code) of a community the caller may see, else NotFound."""
    row = store.community_by_code(conn, code)
    if row is None or (scope is not None and row.id not in scope):
        raise NotFound(f"no community {code} among the communities you may see")
    return row.id, row.code


def create(conn: Connection, community_id: int, name: str, source: str, *,
           user_id: int | None, at: dt.date | None = None, from_plan: int | None = None,
           rows: Sequence[GridRow] = (), scope: frozenset[int] | None = None) -> int:
    """Start a plan; return its id.

    ``source``: ``current`` (a copy of the current grids), ``empty``, ``version`` (the
    grids in force on ``at``: publishing it again rolls a redraw back), ``plan`` (a copy
    of plan ``from_plan`` of the same community), ``file`` or ``buildings`` (``rows``).
    """
    plan_id = store.insert_plan(conn, community_id, name, user_id, source)
    if source == "current" or source == "version":
        copied = store.copy_version(conn, plan_id, community_id,
                                    None if source == "current" else at)
        if source == "version" and copied == 0:
            raise InvalidInput(f"the community had no grids in force on {at}", param="at")
    elif source == "plan":
        _copy_plan(conn, plan_id, community_id, from_plan, scope)
    elif rows:
        insert_rows(conn, plan_id, rows)
    return plan_id


def _copy_plan(conn: Connection, plan_id: int, community_id: int, from_plan: int | None,
               scope: frozenset[int] | None) -> None:
    other = store.plan_community(conn, from_plan)
    if other is None or (scope is not None and other not in scope):
        raise InvalidInput(f"no plan {from_plan} among the communities you may see",
                           param="plan")
    if other != community_id:
        raise InvalidInput(f"plan {from_plan} is for another community", param="plan")
    store.copy_plan(conn, plan_id, from_plan)


def insert_rows(conn: Connection, plan_id: int, rows: Sequence[GridRow]) -> None:
    """Add grids (hex EWKB MultiPolygons, already checked) to a plan (repaired where
    PostGIS finds them invalid: :func:`geo.plans.store.drafts.insert_grids`)."""
    if rows:
        store.insert_grids(conn, plan_id, [r.code for r in rows], [r.name for r in rows],
                           [r.geom for r in rows])


def claim(conn: Connection, plan_id: int, seen: int, scope: frozenset[int] | None,
          *, draft: bool = True) -> PlanRef:
    """Take the plan for a write: bump its version if it is still ``seen``.

    Raises NotFound (absent or outside ``scope``), PreconditionFailed (someone wrote
    since: details carry the current version) or, with ``draft``, Conflict when the plan
    is no longer a draft.
    """
    row = store.claim(conn, plan_id, seen, _scope(scope))
    if row is None:
        current = store.plan_version(conn, plan_id, _scope(scope))
        if current is None:
            raise NotFound(f"no plan {plan_id} among the communities you may see")
        raise PreconditionFailed(
            f"plan {plan_id} has changed since you read it (you sent version {seen}, it is "
            f"now {current}); reload it and apply your change again",
            details={"version": current, "etag": etag(plan_id, current)})
    if draft and row.status != "draft":
        raise Conflict(f"plan {plan_id} is {row.status}; only drafts can change")
    return PlanRef(row.id, row.community_id, row.code, row.status, row.version)


def ref(conn: Connection, plan_id: int, scope: frozenset[int] | None) -> PlanRef:
    """A plan for reading (nothing locked), or NotFound."""
    row = store.plan_ref(conn, plan_id, _scope(scope))
    if row is None:
        raise NotFound(f"no plan {plan_id} among the communities you may see")
    return PlanRef(*row)


def etag(plan_id: int, version: int) -> str:
    """The plan's entity tag, quoted as HTTP wants it.

    >>> etag(7, 3)
    '"plan-7-v3"'
    """
    return f'"plan-{plan_id}-v{version}"'


def version_of(tag: str, plan_id: int) -> int | None:
    """The version an entity tag names for this plan, or None if it is not one of its tags.

    >>> version_of('"plan-7-v3"', 7), version_of('W/"plan-7-v3"', 7), version_of('"x"', 7)
    (3, 3, None)
    """
    tag = tag.strip().removeprefix("W/")
    prefix = f'"plan-{plan_id}-v'
    if tag.startswith(prefix) and tag.endswith('"') and tag[len(prefix):-1].isdigit():
        return int(tag[len(prefix):-1])
    return None


def replace_grids(conn: Connection, plan: PlanRef, rows: Sequence[GridRow]) -> None:
    store.delete_grids(conn, plan.id)
    insert_rows(conn, plan.id, rows)


def patch_grids(conn: Connection, plan: PlanRef, features: Sequence[tuple],
                delete: Sequence[str | int]) -> dict:
    """Change some grids: ``features`` are ``(id, code, name, hex geometry)`` (None =
    unchanged); a feature with an ``id`` changes that plan grid, one without changes the
    grid with its code, or adds a grid when the plan has none with it. ``delete`` names
    grids by id or code. Returns counts."""
    counts = {"added": 0, "changed": 0, "deleted": 0}
    for item in delete:
        counts["deleted"] += _delete_one(conn, plan.id, item)
    for fid, code, name, geom in features:
        target = _target(conn, plan.id, fid, code)
        if target is None:
            if geom is None:
                raise InvalidInput(f"grid {code} is new to the plan and needs a geometry",
                                   param="features")
            insert_rows(conn, plan.id, [GridRow(code or "", name or default_name(code), geom)])
            counts["added"] += 1
            continue
        store.update_grid(conn, target, code, name, geom)
        counts["changed"] += 1
    return counts


def _target(conn: Connection, plan_id: int, fid: int | None, code: str | None) -> int | None:
    if fid is not None:
        found = store.plan_grid_id(conn, plan_id, fid)
        if found is None:
            raise InvalidInput(f"plan {plan_id} has no grid with id {fid}", param="id")
        return found
    if not code:
        raise InvalidInput("a feature without 'id' needs a 'code'", param="code")
    ids = store.grid_ids_with_code(conn, plan_id, code)
    if len(ids) > 1:
        raise InvalidInput(f"{len(ids)} grids of the plan have code {code}; name the one to "
                           f"change by its 'id' ({', '.join(map(str, ids))})", param="code")
    return ids[0] if ids else None


def _delete_one(conn: Connection, plan_id: int, item: str | int) -> int:
    if isinstance(item, bool) or not isinstance(item, int | str):
        raise InvalidInput("'delete' lists grid codes (text) or plan grid ids (numbers)",
                           param="delete")
    gone = store.delete_grid(conn, plan_id, item)
    if gone == 0:
        raise InvalidInput(f"the plan has no grid {item} to delete", param="delete")
    return gone


def rename(conn: Connection, plan: PlanRef, name: str) -> None:
    store.rename_plan(conn, plan.id, name)


def delete(conn: Connection, plan: PlanRef) -> None:
    """Delete a draft with its grids and assignments (published plans are history)."""
    store.delete_plan(conn, plan.id)


def get(conn: Connection, plan_id: int, scope: frozenset[int] | None) -> dict:
    """A plan's details (no grids), or NotFound."""
    row = store.plan_details(conn, plan_id, _scope(scope))
    if row is None:
        raise NotFound(f"no plan {plan_id} among the communities you may see")
    return _shown(row)


def listing(conn: Connection, scope: frozenset[int] | None, *, community: str | None,
            status: str | None, limit: int, offset: int) -> dict:
    total, rows = store.plan_page(conn, _scope(scope), community=community, status=status,
                                  limit=limit, offset=offset)
    return {"total": total, "plans": [_shown(r) for r in rows]}


# Decimal places of the plan grids' coordinates: 15 keeps ≥ 17 significant digits for
# degrees ≥ 0.01 (every lon/lat in China), so a double read here, parsed by a browser or
# Python and sent back (the editor's undo PUTs the grids it read) is the same double.
# Rounding to RFC 7946's usual 7 decimals would move every shared edge off the community
# boundary by up to 5 mm: slivers, and every grid "redrawn". Other outputs keep 7.
EXACT_DIGITS = 15


def grids_geojson(conn: Connection, plan_id: int) -> dict:
    """The plan's grids as a FeatureCollection (feature id = plan grid id), by code, with
    coordinates that round-trip exactly (:data:`EXACT_DIGITS`)."""
    return store.grids_geojson(conn, plan_id, EXACT_DIGITS)


def _shown(row) -> dict:
    out = dict(row)
    for key in ("created_at", "updated_at", "published_at", "effective"):
        out[key] = out[key].isoformat() if out[key] else None
    out["community"] = {"code": out.pop("community_code"), "name": out.pop("community_name")}
    out["etag"] = etag(out["id"], out["version"])
    return out


def _scope(scope: frozenset[int] | None) -> list[int] | None:
    return None if scope is None else sorted(scope)
