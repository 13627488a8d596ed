"""SQL of the hotline file import (``geo.incidents.imports``): set-based, never per row.

The rows go into a TEMP table by COPY (``geo.pg.copyio``), are matched to buildings,
located and routed in one statement (``geo.incidents.routing``, which is the rule), then
inserted with their locations and ``report`` events. Raw SQL because every step is one
statement over the whole file: UPDATE ... FROM joins, LATERAL trigram probes, a routed
CTE and INSERT ... ON CONFLICT that an ORM would turn into a query per row.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, text

from geo.incidents.routing import duplicates_sql, report_details, routed_select
from geo.pg.copyio import copy_frame

_STAGING = """
    DROP TABLE IF EXISTS hotline_staging, hotline_routed;
    CREATE TEMP TABLE hotline_staging (
        row_no int, locate_by text, external_id text, category text, description text,
        address text, reporter_name text, reporter_phone text, building text, source text,
        priority int, reported_at timestamptz, lon float8, lat float8, address_key text,
        route_to text, due_at timestamptz, response_due_at timestamptz, building_id int,
        point geometry(Point, 4326), matches int)
"""
# A building code: its building (and its address when the row has none), as a report.
_BY_CODE = """
    UPDATE hotline_staging s SET building_id = b.id, address = coalesce(s.address, b.address)
      FROM buildings b WHERE s.locate_by = 'building' AND b.code = s.building
"""
# An address: the buildings whose address is the text. Hash-joined (``|| ''`` keeps the
# trigram index out of it: probing it for an equal CJK text costs milliseconds a row).
_BY_ADDRESS = """
    UPDATE hotline_staging s SET matches = m.n,
           building_id = CASE WHEN m.n = 1 THEN m.building_id END
      FROM (SELECT s.row_no, count(*) AS n, min(b.id) AS building_id
              FROM hotline_staging s JOIN buildings b ON b.address || '' = s.address_key
             WHERE s.locate_by = 'address' GROUP BY s.row_no) m
     WHERE m.row_no = s.row_no
"""
# None: the buildings whose address contains it (the trigram index serves LIKE; two
# found are enough to know it is ambiguous).
_BY_ADDRESS_PART = r"""
    UPDATE hotline_staging s SET matches = m.n,
           building_id = CASE WHEN m.n = 1 THEN m.building_id END
      FROM (SELECT s.row_no, x.n, x.building_id
              FROM hotline_staging s
              CROSS JOIN LATERAL (
                    SELECT count(*) AS n, min(c.id) AS building_id
                      FROM (SELECT b.id FROM buildings b
                             WHERE b.address LIKE '%' || replace(replace(replace(
                                   s.address_key, '\', '\\'), '%', '\%'), '_', '\_') || '%'
                             LIMIT 2) c) x
             WHERE s.locate_by = 'address' AND s.matches IS NULL
               AND length(s.address_key) >= 3) m
     WHERE m.row_no = s.row_no
"""
_BUILDING_POINTS = """
    UPDATE hotline_staging s SET point = ST_PointOnSurface(b.geom)
      FROM buildings b WHERE b.id = s.building_id
"""
_UNRESOLVED = """
    DELETE FROM hotline_staging WHERE locate_by <> 'point' AND point IS NULL
    RETURNING row_no, locate_by, building, coalesce(matches, 0)
"""
_STORED = """
    DELETE FROM hotline_staging s USING incidents i
     WHERE s.external_id IS NOT NULL AND i.external_id IS NOT NULL
       AND i.external_id = s.external_id
"""
# Ids come from the incidents' sequence here, in file order, so that the routing rules
# (and the duplicate rule's tie-break) see each row's final id.
_ROUTE = """
    CREATE TEMP TABLE hotline_routed AS {routed};
    ANALYZE hotline_routed
"""
_SOURCE = """(SELECT nextval(pg_get_serial_sequence('incidents', 'id')) AS id,
                     coalesce(st.point, ST_SetSRID(ST_MakePoint(st.lon, st.lat), 4326)) AS geom,
                     st.*
                FROM hotline_staging st ORDER BY st.row_no) s"""
_OUTSIDE_SCOPE = """
    DELETE FROM hotline_routed
     WHERE community_id IS NULL OR community_id <> ALL(CAST(:scope AS int[]))
    RETURNING row_no
"""
# A ticket stored meanwhile by someone else is skipped, as a stored one (the unique index
# decides, as for a single report).
_INSERT = """
    WITH ins AS (
        INSERT INTO incidents (id, category, description, geom, address, source, external_id,
                               reported_at, status, priority, assignee_id, due_at,
                               response_due_at, reporter_name, reporter_phone, building_id,
                               routed_to, boundary_grid_id, boundary_distance_m, updated_at)
        SELECT id, category, description, geom, address, source, external_id, reported_at,
               'reported', priority, assignee_id, due_at, response_due_at, reporter_name,
               reporter_phone, building_id, routed_to, boundary_grid_id, boundary_distance_m,
               now()
          FROM hotline_routed ORDER BY id
        ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO NOTHING
        RETURNING id),
    located AS (
        INSERT INTO incident_locations (incident_id, grid_id, community_id, state,
                                        snap_distance_m)
        SELECT r.id, r.grid_id, r.community_id, r.state, r.distance_m
          FROM hotline_routed r JOIN ins USING (id))
    SELECT id FROM ins ORDER BY id
"""
# After the duplicate flags, so that the event records them as a single report's does.
_EVENTS = """
    WITH ev AS (
        INSERT INTO incident_events (incident_id, at, actor, user_id, action, to_status,
                                     details)
        SELECT r.id, r.reported_at, :actor, :user_id, 'report', 'reported', DETAILS
          FROM hotline_routed r JOIN incidents i ON i.id = r.id
        RETURNING details)
    SELECT details->>'located', details->>'routed_to', details->'boundary_grid_id' IS NOT NULL,
           details->'duplicate_of_id' IS NOT NULL, count(*)
      FROM ev GROUP BY 1, 2, 3, 4
""".replace("DETAILS", report_details("r", "i"))


def create_staging(conn: Connection) -> None:
    """A fresh (TEMP) staging table; bulk work on a file the size of an upload may take
    longer than a request's usual statement limit."""
    conn.exec_driver_sql("SET LOCAL statement_timeout = '600s'")
    conn.exec_driver_sql(_STAGING)


def stage(conn: Connection, frame: pd.DataFrame) -> None:
    """COPY checked rows (their columns are the staging table's) into it."""
    copy_frame(conn, "hotline_staging", frame)
    conn.exec_driver_sql("ANALYZE hotline_staging")


def locate_by_building(conn: Connection) -> list[tuple[int, str, str, int]]:
    """Give rows located by building code or address their building's point; remove the
    rows that cannot be and return them as (row, locate_by, building code, matches)."""
    for sql in (_BY_CODE, _BY_ADDRESS, _BY_ADDRESS_PART, _BUILDING_POINTS):
        conn.execute(text(sql))
    return [tuple(row) for row in conn.execute(text(_UNRESOLVED))]


def drop_stored(conn: Connection) -> int:
    """Remove staged rows whose ``external_id`` is already stored; how many."""
    return conn.execute(text(_STORED)).rowcount


def route(conn: Connection, rules: dict) -> None:
    """Locate and route every staged row (``geo.incidents.routing``) into ``hotline_routed``."""
    conn.execute(text(_ROUTE.format(routed=routed_select(_SOURCE, duplicates=False))), rules)


def drop_outside_scope(conn: Connection, scope: frozenset[int]) -> list[int]:
    """Remove routed rows located outside the ``scope`` communities; their row numbers."""
    return [row for row, in conn.execute(text(_OUTSIDE_SCOPE), {"scope": sorted(scope)})]


def insert(conn: Connection, rules: dict) -> tuple[list[int], int]:
    """Insert the routed rows with their locations, then flag possible duplicates among
    them. Returns (ids inserted, rows routed): the difference lost to a ticket stored
    meanwhile."""
    ids = conn.execute(text(_INSERT)).scalars().all()
    routed = conn.execute(text("SELECT count(*) FROM hotline_routed")).scalar_one()
    if ids:
        conn.execute(text(duplicates_sql()), {"ids": ids, **rules})
    return ids, routed


def write_events(conn: Connection, actor: str, user_id: int | None) -> list[tuple]:
    """The ``report`` event of each inserted row; counts by (located, routed_to, on a
    boundary, possible duplicate)."""
    return [tuple(row) for row in conn.execute(text(_EVENTS),
                                               {"actor": actor, "user_id": user_id})]


def drop_staging(conn: Connection) -> None:
    conn.exec_driver_sql("DROP TABLE hotline_staging, hotline_routed")
