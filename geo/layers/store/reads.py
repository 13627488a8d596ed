"""Reading layers back out of PostGIS: the columns an import takes, and WKB geometries.

Raw SQL: geometries leave as WKB (``ST_AsBinary``) for pyogrio to write without a
shapely round trip per row, and the grid versions in force on a day are a date-range
filter on the version columns.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from geo.places.assign import COMMUNITIES_AT, GRIDS_AT

EXPORT_SQL = {
    "communities": """
        SELECT code, name, street_name, street_code, households, office_address,
               ST_AsBinary(geom) AS wkb
        FROM communities ORDER BY code""",
    # As they were on :at (community_versions, geo.places.assign.COMMUNITIES_AT).
    "communities_at": f"""
        SELECT c.code, c.name, c.street_name, c.street_code, c.households, c.office_address,
               ST_AsBinary(c.geom) AS wkb
        FROM {COMMUNITIES_AT} ORDER BY c.code""",
    "grids": """
        SELECT g.code, g.name, c.code AS parent, g.households,
               g.valid_from, g.valid_to, ST_AsBinary(g.geom) AS wkb
        FROM grids g JOIN communities c ON c.id = g.community_id
        WHERE g.valid_to IS NULL
        ORDER BY g.code""",
    # Versions in force on :at are half-open [valid_from, valid_to): a grid closed and
    # redrawn on the same day shows only its new version. A change scheduled by then is
    # included (geo.places.assign.GRIDS_AT).
    "grids_at": f"""
        SELECT g.code, g.name, c.code AS parent, g.households,
               g.valid_from, g.valid_to, ST_AsBinary(g.geom) AS wkb
        FROM {GRIDS_AT} JOIN communities c ON c.id = g.community_id
        ORDER BY g.code""",
    "buildings": """
        SELECT b.code, b.name, b.address, coalesce(g.code, c.code) AS parent,
               b.households, b.residents, ST_AsBinary(b.geom) AS wkb
        FROM buildings b
        LEFT JOIN grids g ON g.id = b.grid_id
        LEFT JOIN communities c ON c.id = b.community_id
        WHERE {in_scope}
        ORDER BY b.code""",
}
# A building belongs to its grid's community, else to its own (a building in no grid);
# a caller limited to some communities gets only theirs (None: every community).
IN_SCOPE = ("(CAST(:scope AS int[]) IS NULL"
            " OR coalesce(g.community_id, b.community_id) = ANY(:scope))")


def _scope(scope: frozenset[int] | None) -> list[int] | None:
    return None if scope is None else sorted(scope)


def read_layer(conn: Connection, kind: str, at: dt.date | None = None,
               scope: frozenset[int] | None = None) -> tuple[dict[str, list], list[bytes]]:
    """Public columns of a layer (named as the import expects them) and WKB geometries.

    ``at`` picks the grid or community versions in force on that day (current ones by
    default);
    ``scope`` limits buildings to those communities (None: every building).
    """
    if kind == "buildings":
        rows = conn.execute(text(EXPORT_SQL[kind].format(in_scope=IN_SCOPE)),
                            {"scope": _scope(scope)})
    else:
        query = f"{kind}_at" if at is not None else kind
        rows = conn.execute(text(EXPORT_SQL[query]), {"at": at} if at is not None else {})
    names = [n for n in rows.keys() if n != "wkb"]
    data = rows.all()
    columns = {n: [getattr(r, n) for r in data] for n in names}
    return columns, [bytes(r.wkb) for r in data]


_ASSIGNMENT = f"""
    SELECT b.code AS building_code, b.name AS building_name, b.address,
           g.code AS grid_code, g.name AS grid_name, c.code AS community_code,
           c.name AS community_name, b.households, b.residents
      FROM buildings b
      LEFT JOIN grids g ON g.id = b.grid_id
      LEFT JOIN communities c ON c.id = b.community_id
     WHERE {IN_SCOPE}
     ORDER BY b.code"""


def building_assignments(conn: Connection, scope: frozenset[int] | None = None
                         ) -> tuple[list[str], list[tuple]]:
    """(column names, rows): which current grid and community holds each building, by
    building code; buildings in no grid have None there. ``scope`` as in :func:`read_layer`."""
    rows = conn.execute(text(_ASSIGNMENT), {"scope": _scope(scope)})
    return list(rows.keys()), [tuple(row) for row in rows]
