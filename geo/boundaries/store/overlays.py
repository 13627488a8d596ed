"""SQL of the responsibility overlays (``geo.boundaries.overlays``): read, write, delete.

``reach`` (what routing probes, GiST-indexed) and ``area_m2`` (the most specific first)
are computed here on every write: the polygon itself, or the line's buffer made a metre
and one per cent wider than ``buffer_m`` so that the index never misses a point the
exact distance (``ST_DWithin`` on geography, in routing) keeps.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from geo.core.errors import Conflict, InvalidInput

# A caller limited to some communities sees the overlays that touch them.
_SCOPE = """(CAST(:scope AS int[]) IS NULL OR EXISTS (
    SELECT 1 FROM communities sc WHERE sc.id = ANY(:scope) AND ST_Intersects(sc.geom, o.reach)))"""
_SELECT = f"""
    SELECT o.id, o.name, o.kind, o.unit, o.department_id AS department,
           d.name AS department_name, o.company_name, o.company_phone, o.grid_code AS grid,
           o.categories, o.buffer_m, ST_AsGeoJSON(o.geom, 7)::json AS geometry,
           o.valid_from, o.valid_to, o.version, o.created_by
      FROM overlays o LEFT JOIN departments d ON d.id = o.department_id
     WHERE {_SCOPE}"""
_REACH = """ST_Multi(CASE WHEN CAST(:buffer_m AS float8) IS NULL THEN g.geom
                     ELSE ST_Buffer(g.geom::geography, 1.01 * :buffer_m + 1)::geometry END)"""
_VALUES = f"""
    SELECT g.geom, {_REACH} AS reach FROM (SELECT ST_GeomFromText(:geometry, 4326) AS geom) g"""
_INSERT = f"""
    INSERT INTO overlays (name, kind, unit, department_id, company_name, company_phone,
                          grid_code, categories, buffer_m, geom, reach, area_m2, valid_from,
                          valid_to, created_by)
    SELECT :name, :kind, :unit, :department, :company_name, :company_phone, :grid,
           CAST(:categories AS varchar[]), :buffer_m, v.geom, v.reach,
           ST_Area(v.reach::geography), :valid_from, :valid_to, :actor
      FROM ({_VALUES}) v
    RETURNING id"""
_UPDATE = f"""
    UPDATE overlays o SET name = :name, kind = :kind, unit = :unit,
           department_id = :department, company_name = :company_name,
           company_phone = :company_phone, grid_code = :grid,
           categories = CAST(:categories AS varchar[]), buffer_m = :buffer_m, geom = v.geom,
           reach = v.reach, area_m2 = ST_Area(v.reach::geography), valid_from = :valid_from,
           valid_to = :valid_to, version = o.version + 1
      FROM ({_VALUES}) v
     WHERE o.id = :id"""


def listing(conn: Connection, scope: frozenset[int] | None, *, at=None, kind=None,
            limit: int = 100, offset: int = 0) -> tuple[int, list[dict]]:
    """(how many match, a page of them by name): overlays in force on ``at`` (any day
    when None) of ``kind`` (any when None)."""
    where, values = "", {"scope": _scope(scope), "limit": limit, "offset": offset}
    if at is not None:
        where += " AND o.valid_from <= :at AND (o.valid_to IS NULL OR o.valid_to > :at)"
        values["at"] = at
    if kind is not None:
        where += " AND o.kind = :kind"
        values["kind"] = kind
    sql = _SELECT + where
    total = conn.execute(text(f"SELECT count(*) FROM ({sql}) m"), values).scalar_one()
    rows = conn.execute(text(f"{sql} ORDER BY o.name, o.id LIMIT :limit OFFSET :offset"),
                        values)
    return total, [dict(r._mapping) for r in rows]


def find(conn: Connection, overlay_id: int, scope: frozenset[int] | None,
         *, lock: bool = False) -> dict | None:
    """One overlay the caller may see, or None; ``lock``: FOR UPDATE OF it."""
    sql = _SELECT + " AND o.id = :id" + (" FOR UPDATE OF o" if lock else "")
    row = conn.execute(text(sql), {"id": overlay_id, "scope": _scope(scope)}).first()
    return dict(row._mapping) if row else None


def write(conn: Connection, fields: dict, actor: str, scope: frozenset[int] | None,
          overlay_id: int | None = None) -> int:
    """Insert (``overlay_id`` None) or update an overlay of checked ``fields``
    (``geo.boundaries.overlays.check``), after checking what the checks cannot: the
    department, grid and categories exist, and the shape touches the caller's communities."""
    _check_refs(conn, fields, scope)
    values = {**fields, "actor": actor, "id": overlay_id}
    if overlay_id is None:
        return conn.execute(text(_INSERT), values).scalar_one()
    conn.execute(text(_UPDATE), values)
    return overlay_id


def _check_refs(conn: Connection, fields: dict, scope: frozenset[int] | None) -> None:
    found = conn.execute(text("""
        SELECT (SELECT array_agg(c) FROM unnest(CAST(:categories AS text[])) c
                 WHERE NOT EXISTS (SELECT 1 FROM categories k WHERE k.code = c)),
               CAST(:department AS int) IS NULL
                 OR EXISTS (SELECT 1 FROM departments WHERE id = :department AND active),
               CAST(:grid AS text) IS NULL
                 OR EXISTS (SELECT 1 FROM grids WHERE code = :grid AND valid_to IS NULL),
               CAST(:scope AS int[]) IS NULL OR EXISTS (
                 SELECT 1 FROM communities c WHERE c.id = ANY(:scope)
                    AND ST_Intersects(c.geom, ST_GeomFromText(:geometry, 4326)))"""),
        {**fields, "scope": _scope(scope)}).one()
    unknown, department, grid, inside = found
    if unknown:
        raise InvalidInput(f"no category {', '.join(unknown)}", param="categories")
    if not department:
        raise InvalidInput(f"no active department {fields['department']}", param="department")
    if not grid:
        raise InvalidInput(f"no current grid {fields['grid']}", param="grid")
    if not inside:
        raise InvalidInput("the overlay lies outside the communities you may manage",
                           param="geometry")


def delete(conn: Connection, overlay_id: int) -> None:
    """Delete an overlay no incident was routed by (else Conflict: end it instead)."""
    used = conn.execute(text("SELECT count(*) FROM incidents WHERE overlay_id = :id"),
                        {"id": overlay_id}).scalar_one()
    if used:
        raise Conflict(f"{used} incidents were routed by overlay {overlay_id}: set its "
                       "'valid_to' to end it instead", details={"incidents": used})
    conn.execute(text("DELETE FROM overlays WHERE id = :id"), {"id": overlay_id})


def _scope(scope: frozenset[int] | None) -> list[int] | None:
    return None if scope is None else sorted(scope)


def as_json(row: dict) -> dict:
    """A row of :func:`find` as the API answers it (dates as text)."""
    out = dict(row)
    for key in ("valid_from", "valid_to"):
        out[key] = out[key].isoformat() if out[key] else None
    if isinstance(out.get("geometry"), str):
        out["geometry"] = json.loads(out["geometry"])
    return out
