"""SQL of the Open311 GeoReport v2 reads (``geo.incidents.open311``).

Service requests are incidents seen through the standard's fields: one SELECT with the
joins they need, filtered by ids or by a reporting window (``reported_at`` is indexed, so
a 90-day window stays cheap on a million rows).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Row, text

from geo.core.statuses import FINISHED

_SELECT = """
    SELECT i.id, i.status, i.category, cat.name_en, i.description, i.address,
           i.reported_at, coalesce(i.closed_at, i.updated_at, i.reported_at) AS updated_at,
           i.due_at, i.merged_into_id,
           round(ST_Y(i.geom)::numeric, 6)::float8 AS lat,
           round(ST_X(i.geom)::numeric, 6)::float8 AS lon,
           g.code AS grid_code, g.name AS grid_name, c.code AS community_code,
           c.name AS community_name, b.code AS building_code,
           dep.name AS department_name, i.routed_to, c.street_name
      FROM incidents i
      LEFT JOIN incident_locations l ON l.incident_id = i.id
      LEFT JOIN grids g ON g.id = l.grid_id
      LEFT JOIN communities c ON c.id = l.community_id
      LEFT JOIN buildings b ON b.id = i.building_id
      LEFT JOIN categories cat ON cat.code = i.category
      LEFT JOIN departments dep ON dep.id = i.department_id
"""
_FINISHED_SQL = "({})".format(", ".join(f"'{s}'" for s in FINISHED))


def public_categories(conn: Connection) -> Sequence[Row]:
    """(code, name_en, response_hours, resolve_hours, clock, route_to) of the active
    public categories, by code: what residents may report and see."""
    return conn.execute(text("SELECT code, name_en, response_hours, resolve_hours, clock,"
                             " route_to FROM categories WHERE active AND public"
                             " ORDER BY code")).all()


def category_public(conn: Connection, code: str) -> bool:
    return conn.execute(text("SELECT 1 FROM categories WHERE active AND public AND code = :c"),
                        {"c": code}).scalar() is not None


# A caller limited to some communities sees nothing located outside them (as in
# ``geo.incidents.store.reads``); None is every community.
_IN_SCOPE = "(CAST(:scope AS int[]) IS NULL OR l.community_id = ANY(:scope))"
# The public sees only incidents of public categories; a code no longer in the table
# (cat.public NULL) is hidden too.
_PUBLIC_ONLY = "coalesce(cat.public, false)"


def _scope(scope: frozenset[int] | None) -> list[int] | None:
    return None if scope is None else sorted(scope)


def requests(conn: Connection, query: dict, scope: frozenset[int] | None,
             public_only: bool) -> Sequence[Row]:
    """Incidents matching a ``geo.incidents.open311.parse_query`` result, newest first,
    within the ``scope`` communities (None: every community), of public categories only
    when ``public_only``."""
    where = [_IN_SCOPE] + ([_PUBLIC_ONLY] if public_only else [])
    values = {"limit": query["limit"], "offset": query["offset"], "scope": _scope(scope)}
    if "ids" in query:
        where.append("i.id = ANY(:ids)")
        values["ids"] = query["ids"]
    else:
        where.append("i.reported_at BETWEEN :start AND :end")
        values.update(start=query["start"], end=query["end"])
        if query["codes"]:
            where.append("i.category = ANY(:codes)")
            values["codes"] = query["codes"]
        if query["closed"] is not None:
            where.append(f"i.status {'' if query['closed'] else 'NOT '}IN {_FINISHED_SQL}")
    return conn.execute(text(f"{_SELECT} WHERE {' AND '.join(where)}"
                             " ORDER BY i.reported_at DESC, i.id DESC"
                             " LIMIT :limit OFFSET :offset"), values).all()


def request(conn: Connection, incident_id: int, scope: frozenset[int] | None,
            public_only: bool) -> Row | None:
    only = f" AND {_PUBLIC_ONLY}" if public_only else ""
    return conn.execute(text(f"{_SELECT} WHERE i.id = :id AND {_IN_SCOPE}{only}"),
                        {"id": incident_id, "scope": _scope(scope)}).first()
