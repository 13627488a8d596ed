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

from sqlalchemy import Connection, text

from geo.core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from geo.plans.parse import GridRow, default_name

SOURCES = ("current", "empty", "version", "plan")
STATUSES = ("draft", "published", "discarded")


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
    row = conn.execute(text("SELECT id, code FROM communities WHERE code = :c"),
                       {"c": code}).first()
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
    plan_id = conn.execute(text(
        "INSERT INTO plans (community_id, name, status, created_by, created_at, updated_at,"
        " version, source) VALUES (:c, :n, 'draft', :u, now(), now(), 1, :s) RETURNING id"),
        {"c": community_id, "n": name, "u": user_id, "s": source}).scalar_one()
    if source == "current" or source == "version":
        version = ("g.valid_to IS NULL" if source == "current" else
                   "g.valid_from <= :at AND (g.valid_to IS NULL OR g.valid_to > :at)")
        copied = conn.execute(text(
            "INSERT INTO plan_grids (plan_id, code, name, geom) SELECT :p, g.code, g.name,"
            f" g.geom FROM grids g WHERE g.community_id = :c AND {version} ORDER BY g.code"),
            {"p": plan_id, "c": community_id, "at": at}).rowcount
        if source == "version" and copied == 0:
            raise InvalidInput(f"the community had no grids in force on {at}", param="at")
    elif source == "plan":
        _copy_plan(conn, plan_id, community_id, from_plan, scope)
    elif rows:
        insert_rows(conn, plan_id, rows)
    return plan_id


def _copy_plan(conn: Connection, plan_id: int, community_id: int, from_plan: int | None,
               scope: frozenset[int] | None) -> None:
    other = conn.execute(text("SELECT community_id FROM plans WHERE id = :id"),
                         {"id": from_plan}).first()
    if other is None or (scope is not None and other.community_id not in scope):
        raise InvalidInput(f"no plan {from_plan} among the communities you may see",
                           param="plan")
    if other.community_id != community_id:
        raise InvalidInput(f"plan {from_plan} is for another community", param="plan")
    for table, cols in (("plan_grids", "code, name, geom"),
                        ("plan_buildings", "building_id, grid_code")):
        conn.execute(text(f"INSERT INTO {table} (plan_id, {cols}) SELECT :p, {cols}"
                          f" FROM {table} WHERE plan_id = :src"), {"p": plan_id, "src": from_plan})


def insert_rows(conn: Connection, plan_id: int, rows: Sequence[GridRow]) -> None:
    """Add grids (hex EWKB MultiPolygons, already checked) to a plan.

    PostGIS is the authority on validity (its GEOS is older than shapely's): a geometry
    valid for shapely but not for PostGIS is repaired here rather than refused by the
    table's CHECK constraint.
    """
    if not rows:
        return
    conn.execute(text("""
        INSERT INTO plan_grids (plan_id, code, name, geom)
        SELECT :p, r.code, r.name,
               CASE WHEN ST_IsValid(r.g) THEN r.g
                    ELSE ST_Multi(ST_CollectionExtract(ST_MakeValid(r.g), 3)) END
          FROM (SELECT unnest(CAST(:codes AS text[])) AS code,
                       unnest(CAST(:names AS text[])) AS name,
                       ST_GeomFromEWKB(decode(unnest(CAST(:geoms AS text[])), 'hex')) AS g) r
    """), {"p": plan_id, "codes": [r.code for r in rows], "names": [r.name for r in rows],
           "geoms": [r.geom for r in rows]})


def claim(conn: Connection, plan_id: int, seen: int, scope: frozenset[int] | None,
          *, draft: bool = True) -> PlanRef:
    """Take the plan for a write: bump its version if it is still ``seen``.

    Raises NotFound (absent or outside ``scope``), PreconditionFailed (someone wrote
    since: details carry the current version) or, with ``draft``, Conflict when the plan
    is no longer a draft.
    """
    row = conn.execute(text("""
        UPDATE plans p SET version = version + 1, updated_at = now()
          FROM communities c
         WHERE p.id = :id AND c.id = p.community_id AND p.version = :seen
           AND (CAST(:scope AS int[]) IS NULL OR p.community_id = ANY(:scope))
        RETURNING p.id, p.community_id, c.code, p.status, p.version"""),
        {"id": plan_id, "seen": seen, "scope": _scope(scope)}).first()
    if row is None:
        current = conn.execute(text(
            "SELECT version FROM plans WHERE id = :id AND (CAST(:scope AS int[]) IS NULL"
            " OR community_id = ANY(:scope))"), {"id": plan_id, "scope": _scope(scope)}).first()
        if current is None:
            raise NotFound(f"no plan {plan_id} among the communities you may see")
        raise PreconditionFailed(
            f"plan {plan_id} has changed since you read it (you sent version {seen}, it is "
            f"now {current.version}); reload it and apply your change again",
            details={"version": current.version, "etag": etag(plan_id, current.version)})
    if draft and row.status != "draft":
        raise Conflict(f"plan {plan_id} is {row.status}; only drafts can change")
    return PlanRef(row.id, row.community_id, row.code, row.status, row.version)


def ref(conn: Connection, plan_id: int, scope: frozenset[int] | None) -> PlanRef:
    """A plan for reading (nothing locked), or NotFound."""
    row = conn.execute(text(
        "SELECT p.id, p.community_id, c.code, p.status, p.version FROM plans p"
        " JOIN communities c ON c.id = p.community_id WHERE p.id = :id"
        " AND (CAST(:scope AS int[]) IS NULL OR p.community_id = ANY(:scope))"),
        {"id": plan_id, "scope": _scope(scope)}).first()
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
    conn.execute(text("DELETE FROM plan_grids WHERE plan_id = :p"), {"p": plan.id})
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
        conn.execute(text("""
            UPDATE plan_grids SET code = coalesce(:code, code), name = coalesce(:name, name),
                   geom = coalesce(CASE WHEN ST_IsValid(g) THEN g ELSE
                                   ST_Multi(ST_CollectionExtract(ST_MakeValid(g), 3)) END, geom)
              FROM (SELECT ST_GeomFromEWKB(decode(CAST(:geom AS text), 'hex')) AS g) x
             WHERE id = :id"""), {"id": target, "code": code, "name": name, "geom": geom})
        counts["changed"] += 1
    return counts


def _target(conn: Connection, plan_id: int, fid: int | None, code: str | None) -> int | None:
    if fid is not None:
        found = conn.execute(text("SELECT id FROM plan_grids WHERE id = :id AND plan_id = :p"),
                             {"id": fid, "p": plan_id}).scalar()
        if found is None:
            raise InvalidInput(f"plan {plan_id} has no grid with id {fid}", param="id")
        return found
    if not code:
        raise InvalidInput("a feature without 'id' needs a 'code'", param="code")
    ids = conn.execute(text("SELECT id FROM plan_grids WHERE plan_id = :p AND code = :c"),
                       {"p": plan_id, "c": code}).scalars().all()
    if len(ids) > 1:
        raise InvalidInput(f"{len(ids)} grids of the plan have code {code}; name the one to "
                           f"change by its 'id' ({', '.join(map(str, ids))})", param="code")
    return ids[0] if ids else None


def _delete_one(conn: Connection, plan_id: int, item: str | int) -> int:
    column = "id" if isinstance(item, int) and not isinstance(item, bool) else "code"
    if column == "code" and not isinstance(item, str):
        raise InvalidInput("'delete' lists grid codes (text) or plan grid ids (numbers)",
                           param="delete")
    gone = conn.execute(text(f"DELETE FROM plan_grids WHERE plan_id = :p AND {column} = :v"),
                        {"p": plan_id, "v": item}).rowcount
    if gone == 0:
        raise InvalidInput(f"the plan has no grid {item} to delete", param="delete")
    return gone


def rename(conn: Connection, plan: PlanRef, name: str) -> None:
    conn.execute(text("UPDATE plans SET name = :n WHERE id = :id"), {"n": name, "id": plan.id})


def delete(conn: Connection, plan: PlanRef) -> None:
    """Delete a draft with its grids and assignments (published plans are history)."""
    conn.execute(text("DELETE FROM plans WHERE id = :id"), {"id": plan.id})


_META = """
    SELECT p.id, p.name, p.status, p.source, p.version, p.created_at, p.updated_at,
           p.published_at, c.code AS community_code, c.name AS community_name,
           u.username AS created_by,
           (SELECT count(*) FROM plan_grids pg WHERE pg.plan_id = p.id) AS grids,
           (SELECT count(*) FROM plan_buildings pb WHERE pb.plan_id = p.id)
               AS building_assignments
      FROM plans p JOIN communities c ON c.id = p.community_id
      LEFT JOIN users u ON u.id = p.created_by
     WHERE (CAST(:scope AS int[]) IS NULL OR p.community_id = ANY(:scope))
"""


def get(conn: Connection, plan_id: int, scope: frozenset[int] | None) -> dict:
    """A plan's details (no grids), or NotFound."""
    row = conn.execute(text(_META + " AND p.id = :id"),
                       {"id": plan_id, "scope": _scope(scope)}).first()
    if row is None:
        raise NotFound(f"no plan {plan_id} among the communities you may see")
    return _shown(row._mapping)


def listing(conn: Connection, scope: frozenset[int] | None, *, community: str | None,
            status: str | None, limit: int, offset: int) -> dict:
    where, values = "", {"scope": _scope(scope), "limit": limit, "offset": offset,
                         "community": community, "status": status}
    if community:
        where += " AND c.code = :community"
    if status:
        where += " AND p.status = :status"
    total = conn.execute(text(f"SELECT count(*) FROM ({_META}{where}) x"), values).scalar()
    rows = conn.execute(text(f"{_META}{where} ORDER BY p.id DESC LIMIT :limit OFFSET :offset"),
                        values)
    return {"total": total, "plans": [_shown(r._mapping) for r in rows]}


# Decimal places of the plan grids' coordinates: 15 keeps ≥ 17 significant digits for
# degrees ≥ 0.01 (every lon/lat in China), so a double read here, parsed by a browser or
# Python and sent back (the editor's undo PUTs the grids it read) is the same double.
# Rounding to RFC 7946's usual 7 decimals would move every shared edge off the community
# boundary by up to 5 mm: slivers, and every grid "redrawn". Other outputs keep 7.
EXACT_DIGITS = 15


def grids_geojson(conn: Connection, plan_id: int) -> dict:
    """The plan's grids as a FeatureCollection (feature id = plan grid id), by code, with
    coordinates that round-trip exactly (:data:`EXACT_DIGITS`)."""
    body = conn.execute(text("""
        SELECT json_build_object('type', 'FeatureCollection',
                 'features', coalesce(json_agg(json_build_object(
                     'type', 'Feature', 'id', pg.id,
                     'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(pg.geom), :digits)::json,
                     'properties', json_build_object('code', pg.code, 'name', pg.name,
                         'area_m2', round(ST_Area(pg.geom::geography)::numeric, 1)))
                   ORDER BY pg.code, pg.id), '[]'::json))
          FROM plan_grids pg WHERE pg.plan_id = :p"""),
        {"p": plan_id, "digits": EXACT_DIGITS}).scalar_one()
    return body


def _shown(row) -> dict:
    out = dict(row)
    for key in ("created_at", "updated_at", "published_at"):
        out[key] = out[key].isoformat() if out[key] else None
    out["community"] = {"code": out.pop("community_code"), "name": out.pop("community_name")}
    out["etag"] = etag(out["id"], out["version"])
    return out


def _scope(scope: frozenset[int] | None) -> list[int] | None:
    return None if scope is None else sorted(scope)
