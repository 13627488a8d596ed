"""Read queries: one named function per question asked of PostGIS.

GeoJSON is assembled inside PostgreSQL (``json_build_object``/``json_agg``) and handed
back as text: the server builds it faster than Python could re-encode it, and output
follows RFC 7946 (lon/lat, counter-clockwise exteriors via ``ST_ForcePolygonCCW``, no
``crs`` member, 7 decimals ≈ 1 cm). Every read goes through the connection it is given,
so read-only paths can be pointed at a replica in one place.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from geo.core.params import Box
from geo.places.assign import COMMUNITIES_AT, GRIDS_AT, locate_sql

PUBLIC_WORKER_FIELDS = ("name", "role", "public_phone", "masked_phone", "service_hours")
# A worker with no public phone is shown with the private one masked (138****1234), so
# that a resident can tell it is the number the call-relay line puts them through to;
# shorter numbers would give too much away and are not shown at all.
MASKED_PHONE_SQL = ("CASE WHEN m.public_phone IS NULL AND length(m.private_phone) >= 11"
                    " THEN left(m.private_phone, 3) || '****' || right(m.private_phone, 4) END")

# The lookup is the hottest query, and planning its four-branch rule is about two thirds
# of the statement's time (bench/bench_scale.py). It runs as the PL/pgSQL function
# gridmap_lookup (migration 0022_lookupfn): PL/pgSQL plans its statement once per database
# session and keeps the plan, on a direct connection as through PgBouncer's transaction
# pooling (whose server connections persist, where a SQL-level PREPARE would be missing on
# the next one; psycopg2 has no protocol-level prepares). One path for both. The migration
# holds a copy of LOOKUP_FUNCTION_BODY (gridmap_lookup(float8, float8, float8) RETURNS text,
# LANGUAGE plpgsql STABLE) frozen at its time; tests/places/test_lookup_function.py checks
# that the database's function is this text, so a change here needs a migration.
_LOOKUP = """
    SELECT (loc.grid_id IS NOT NULL OR loc.community_id IS NOT NULL) AS found, json_build_object(
      'community',
           (SELECT json_build_object('code', c.code, 'name', c.name,
                                     'street_name', c.street_name, 'street_code', c.street_code,
                                     'office_address', c.office_address)
              FROM {communities} WHERE c.id = loc.community_id),
      'grid', (SELECT json_build_object('id', {grid_id}, 'code', g.code, 'name', g.name{grid_extra})
                 FROM {grids} WHERE g.id = loc.grid_id),
      'workers', (SELECT coalesce(json_agg(json_build_object(
                        'name', m.name, 'role', m.role, 'public_phone', m.public_phone,
                        'masked_phone', {masked}, 'service_hours', m.service_hours)
                      ORDER BY array_position(
                        ARRAY['grid_chief','full_time','part_time','building_head','grid_instructor'],
                        m.role::text),
                      m.id), '[]'::json)
              FROM grid_members m JOIN worker_grids_now wg ON wg.worker_id = m.id
             WHERE wg.grid_id = loc.grid_id AND m.active AND m.publish{workers_extra}),
      'snapped', loc.state = 'snapped',
      'distance_m', round(loc.distance_m::numeric, 1))::text
      FROM ({locate}) loc
"""
_LOOKUP_NOW = _LOOKUP.format(
    locate=locate_sql("ST_SetSRID(ST_MakePoint($1, $2), 4326)"),
    masked=MASKED_PHONE_SQL, grid_extra="", workers_extra="", grid_id="g.id", grids="grids g",
    communities="communities c").replace(":snap", "$3")
# Its JSON text; NULL when the point is outside every community and grid. $1, $2, $3: lon,
# lat (WGS-84) and the snapping distance in metres (positional: a named parameter would
# clash with any column of that name in the tables read).
LOOKUP_FUNCTION_BODY = (
    "\nBEGIN\n    RETURN (SELECT CASE WHEN located THEN body END FROM ("
    + _LOOKUP_NOW.rstrip() + "\n    ) answer (located, body));\nEND\n")
# On a date: the versions in force then (grid with its dates, community as it was then);
# on a later date, a scheduled change's grid (no id yet, ``scheduled``: true). Workers
# serve the current version of their grid (they follow redraws), so a past or scheduled
# version lists none.
_LOOKUP_AT = _LOOKUP.format(
    locate=locate_sql("ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)", grids=GRIDS_AT,
                      version="TRUE", communities=COMMUNITIES_AT),
    communities=COMMUNITIES_AT, masked=MASKED_PHONE_SQL,
    grid_id="CASE WHEN g.id > 0 THEN g.id END", grids=GRIDS_AT,
    grid_extra=", 'valid_from', g.valid_from, 'valid_to', g.valid_to, 'scheduled', g.id < 0",
    workers_extra=" AND EXISTS (SELECT 1 FROM grids cg WHERE cg.id = loc.grid_id"
                  " AND cg.valid_to IS NULL)")


def lookup(conn: Connection, lon: float, lat: float, snap_meters: float) -> str | None:
    """Community, grid and workers' public fields for a WGS-84 point (see geo.places.assign).

    The answer is JSON text made by PostgreSQL (nothing to decode and encode again), or
    None when the point is outside every community and grid.
    """
    # The driver's cursor directly: SQLAlchemy's execution machinery would cost a third
    # of this query's time. Driver errors are translated by app.plumbing.readdb.read.
    with conn.connection.dbapi_connection.cursor() as cursor:
        cursor.execute("SELECT gridmap_lookup(CAST(%s AS float8), CAST(%s AS float8),"
                       " CAST(%s AS float8))", (lon, lat, snap_meters))
        return cursor.fetchone()[0]


def lookup_at(conn: Connection, lon: float, lat: float, snap_meters: float,
              at: dt.date) -> str | None:
    """As :func:`lookup`, against the grid versions in force on ``at`` (see geo.places.assign)."""
    found, body = conn.execute(text(_LOOKUP_AT), {"lon": lon, "lat": lat, "snap": snap_meters,
                                                  "at": at}).one()
    return body if found else None


def _feature_collection(conn: Connection, alias: str, props: str, from_where: str,
                        params: dict) -> str:
    """Features ``alias.id``/``alias.geom``/``props`` of ``FROM from_where``, by code, paged."""
    sql = f"""
        WITH page AS (
            SELECT {alias}.id AS id, {alias}.geom AS geom, {props} AS props,
                   row_number() OVER (ORDER BY {alias}.code) AS ord
              FROM {from_where}
             ORDER BY {alias}.code LIMIT :limit OFFSET :offset)
        SELECT json_build_object(
                 'type', 'FeatureCollection',
                 'numberMatched', (SELECT count(*) FROM {from_where}),
                 'numberReturned', count(id),
                 'features', coalesce(json_agg(json_build_object(
                     'type', 'Feature', 'id', id,
                     'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 7)::json,
                     'properties', props) ORDER BY ord) FILTER (WHERE id IS NOT NULL),
                   '[]'::json))::text
          FROM page
    """
    return conn.execute(text(sql), {"offset": 0, **params}).scalar_one()


def communities(conn: Connection, *, box: Box | None, limit: int, offset: int,
                at: dt.date | None = None) -> str:
    """Communities as they were on ``at`` (current ones when None), optionally by bbox."""
    where, params = _bbox_filter("c", box)
    source = "communities c" if at is None else COMMUNITIES_AT
    if at is not None:
        params["at"] = at
    props = """json_build_object('code', c.code, 'name', c.name, 'street_name', c.street_name,
                                 'street_code', c.street_code, 'households', c.households,
                                 'office_address', c.office_address)"""
    return _feature_collection(conn, "c", props, f"{source} WHERE {where}",
                               {**params, "limit": limit, "offset": offset})


_GRID_PROPS = """json_build_object(
        'code', g.code, 'name', g.name, 'community_code', c.code, 'community_name', c.name,
        'households', coalesce(g.households, (SELECT sum(b.households)::int FROM buildings b
                                               WHERE b.grid_id = g.id)),
        'valid_from', g.valid_from, 'valid_to', g.valid_to)"""


def grids(conn: Connection, *, community: str | None, box: Box | None, at: dt.date | None,
          limit: int, offset: int) -> str:
    """Grids in force on ``at`` (current ones when None), optionally by community and bbox."""
    where, params = _bbox_filter("g", box)
    grids_in_force = "grids g"
    if at is None:
        where += " AND g.valid_to IS NULL"
    else:
        # The versions in force that day, a change scheduled by then included (its grids
        # have no version id yet: negative ids, see geo.places.assign.GRIDS_AT).
        grids_in_force = GRIDS_AT
        params["at"] = at
    if community:
        where += " AND c.code = :community"
        params["community"] = community
    from_where = f"{grids_in_force} JOIN communities c ON c.id = g.community_id WHERE {where}"
    return _feature_collection(conn, "g", _GRID_PROPS, from_where,
                               {**params, "limit": limit, "offset": offset})


def grid(conn: Connection, grid_id: int) -> str | None:
    """One grid version as a GeoJSON Feature, with its workers' public fields."""
    sql = f"""
        SELECT json_build_object(
                 'type', 'Feature', 'id', g.id,
                 'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(g.geom), 7)::json,
                 'properties', ({_GRID_PROPS}::jsonb || jsonb_build_object(
                     'area_m2', round(ST_Area(g.geom::geography)::numeric, 1),
                     'workers', (SELECT coalesce(json_agg(json_build_object(
                                    'name', m.name, 'role', m.role,
                                    'public_phone', m.public_phone,
                                    'service_hours', m.service_hours) ORDER BY m.id), '[]')
                                   FROM grid_members m
                                   JOIN worker_grids_now wg ON wg.worker_id = m.id
                                  WHERE wg.grid_id = g.id AND m.active AND m.publish))
                 ))::text
          FROM grids g JOIN communities c ON c.id = g.community_id
         WHERE g.id = :id"""
    return conn.execute(text(sql), {"id": grid_id}).scalar()


def buildings(conn: Connection, *, box: Box, limit: int) -> str:
    where, params = _bbox_filter("b", box)
    props = """json_build_object('code', b.code, 'name', b.name, 'address', b.address,
                                 'grid_code', g.code,
                                 'community_code', c.code)"""
    from_where = f"""buildings b LEFT JOIN grids g ON g.id = b.grid_id
                     LEFT JOIN communities c ON c.id = b.community_id WHERE {where}"""
    return _feature_collection(conn, "b", props, from_where, {**params, "limit": limit})


def _bbox_filter(alias: str, box: Box | None) -> tuple[str, dict]:
    if box is None:
        return "TRUE", {}
    # && uses the GiST index; ST_Intersects then drops features whose box merely touches.
    return (f"{alias}.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)"
            f" AND ST_Intersects({alias}.geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))",
            dict(zip(("x0", "y0", "x1", "y1"), box, strict=True)))


def community_choices(conn: Connection, scope: frozenset[int] | None) -> list[dict]:
    """Communities (id, code, name, street) a staff member may pick, by code."""
    sql = """SELECT id, code, name, street_name FROM communities
              WHERE CAST(:scope AS int[]) IS NULL OR id = ANY(:scope) ORDER BY code"""
    rows = conn.execute(text(sql), {"scope": sorted(scope) if scope is not None else None})
    return [dict(row._mapping) for row in rows]


def grid_workers(conn: Connection, community_id: int) -> dict[str, list[dict]]:
    """Active workers of the community's current grids, by grid code (public fields)."""
    sql = """SELECT g.code, m.name, m.role, m.public_phone
               FROM grids g JOIN worker_grids_now wg ON wg.grid_id = g.id
               JOIN grid_members m ON m.id = wg.worker_id AND m.active
              WHERE g.community_id = :community AND g.valid_to IS NULL
              ORDER BY g.code, array_position(
                  ARRAY['grid_chief','full_time','part_time','building_head','grid_instructor'],
                  m.role::text), m.id"""
    workers: dict[str, list[dict]] = {}
    for code, *fields in conn.execute(text(sql), {"community": community_id}):
        workers.setdefault(code, []).append(dict(zip(("name", "role", "public_phone"),
                                                     fields, strict=True)))
    return workers


def communities_extent(conn: Connection,
                       scope: frozenset[int] | None) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` of the communities in ``scope`` (None: all).

    A city has a few hundred communities and ST_Extent needs only their bounding boxes:
    cheap enough to run on every page load, so nothing is cached.
    """
    row = conn.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e"
        " FROM communities WHERE CAST(:scope AS int[]) IS NULL OR id = ANY(:scope)) x"),
        {"scope": sorted(scope) if scope is not None else None}).one()
    return None if row[0] is None else [[row[1], row[0]], [row[3], row[2]]]


def community_grids(conn: Connection, community_id: int) -> list[dict]:
    """The community's current grids (id, code, name) by code."""
    rows = conn.execute(text("SELECT id, code, name FROM grids WHERE community_id = :c"
                             " AND valid_to IS NULL ORDER BY code"), {"c": community_id})
    return [dict(row._mapping) for row in rows]


def grid_buildings(conn: Connection, grid_id: int) -> list[dict]:
    """The buildings assigned to a grid (code, name, address) by code."""
    rows = conn.execute(text("SELECT code, name, address FROM buildings WHERE grid_id = :g"
                             " ORDER BY code"), {"g": grid_id})
    return [dict(row._mapping) for row in rows]


def current_grid_shapes(conn: Connection) -> list[tuple[int, int | None, bytes]]:
    """(id, community id, WKB) of every current grid, lowest code first (the order the
    location rule breaks ties in: ``geo.places.covering``)."""
    return [(r[0], r[1], bytes(r[2])) for r in conn.execute(text(
        "SELECT id, community_id, ST_AsBinary(geom) FROM grids"
        " WHERE valid_to IS NULL ORDER BY code, id"))]
