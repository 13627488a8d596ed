"""SQL of the hotline file import (``geo.incidents.imports``): set-based, never per row.

The checked rows of each chunk go into a TEMP table by binary COPY (``geo.pg.copyio``)
with ids already taken from the incidents' sequence and, for rows given by coordinates,
the grid the in-process rule (``geo.places.covering``) found. Rows given by building
code or address are matched to buildings here (a building with a grid gives its grid).
Then one statement routes them all: the rows covered by one grid with no other grid
near get the assignee rule (``geo.incidents.routing.assigned_set_sql``) alone; rows
whose grid is known but with another grid near, the boundary rule too; the rest the
whole rule (``located_select``: locating by PostGIS, boundary). They are inserted with
their locations, their possible-duplicate flags (the rule's set-based shape over the
rows and the open incidents of their time window, before the insert) and ``report``
events. Raw SQL because each step is one statement over the whole file: UPDATE ... FROM
joins, LATERAL probes, INSERT ... ON CONFLICT that an ORM would turn into a query per row.

The statistics triggers are told to skip the import's statements (``gridmap.stats_
deferred``, migration 0008) and its ids are queued as a few ranges instead of a million
rows (``stats_ranges``), which the statistics refresh turns into work a batch at a time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from psycopg2.errors import ForeignKeyViolation
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from geo.core.statuses import OPEN_SQL
from geo.incidents.routing import (
    assigned_set_sql,
    boundary_probe,
    duplicate_window_sql,
    duplicates_set_sql,
    located_select,
    report_details,
)
from geo.pg.bulk import (
    IntegrityViolation,
    foreign_keys_checked_once,
    gin_merged_once,
    join_methods_off,
)
from geo.pg.copyio import copy_frame

_STAGING = """
    DROP TABLE IF EXISTS import_staging, import_routed, import_duplicates,
        import_suspect_ids, import_suspects, duplicate_window, duplicate_cell;
    CREATE TEMP TABLE import_staging (
        row_no int, id bigint, locate_by text, external_id text, category text,
        description text, address text, reporter_name text, reporter_phone text,
        building text, source text, priority int, reported_at timestamptz, address_key text,
        route_to text, due_at timestamptz, response_due_at timestamptz, in_grid bigint,
        in_community bigint, settled boolean,
        geom geometry(Point, 4326), building_id int, matches int)
"""
# A ticket given twice in the file, in different chunks (one chunk's repeats are
# rejected by the checks): the later rows go.
_REPEATED = """
    DELETE FROM import_staging s USING (
        SELECT external_id, min(row_no) AS first FROM import_staging
         WHERE external_id IS NOT NULL GROUP BY external_id HAVING count(*) > 1) t
     WHERE s.external_id = t.external_id AND s.row_no > t.first
    RETURNING s.row_no, s.external_id, t.first
"""
# A building code: its building (and its address when the row has none), as a report.
_BY_CODE = """
    UPDATE import_staging s SET building_id = b.id, address = coalesce(s.address, b.address)
      FROM buildings b WHERE s.locate_by = 'building' AND b.code = s.building
"""
# An address: the buildings whose address is the text. The file's texts are hashed once
# and the buildings scanned against them (``|| ''`` keeps the trigram index out of it:
# probing it for an equal CJK text costs milliseconds a row; joined to the rows instead,
# the planner sorted every building for a merge join: 0.45 s for 2,000 rows).
_BY_ADDRESS = """
    UPDATE import_staging s SET matches = m.n,
           building_id = CASE WHEN m.n = 1 THEN m.building_id END
      FROM (SELECT b.address AS address_key, count(*) AS n, min(b.id) AS building_id
              FROM buildings b
             WHERE b.address || '' IN (SELECT address_key FROM import_staging
                                        WHERE locate_by = 'address')
             GROUP BY b.address) m
     WHERE s.locate_by = 'address' AND s.address_key = m.address_key
"""
# None: the buildings whose address contains it (the trigram index serves LIKE; two
# found are enough to know it is ambiguous).
_BY_ADDRESS_PART = r"""
    UPDATE import_staging s SET matches = m.n,
           building_id = CASE WHEN m.n = 1 THEN m.building_id END
      FROM (SELECT s.row_no, x.n, x.building_id
              FROM import_staging s
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
# (Probing the buildings by id for the rows located by building: the staging table's
# statistics, taken before building_id was set, would have every building hashed.)
_BUILDING_POINTS = """
    UPDATE import_staging s SET geom = ST_PointOnSurface(b.geom)
      FROM buildings b WHERE s.locate_by <> 'point' AND b.id = s.building_id
"""
_UNRESOLVED = """
    DELETE FROM import_staging WHERE locate_by <> 'point' AND geom IS NULL
    RETURNING row_no, locate_by, building, coalesce(matches, 0)
"""
_STORED = """
    DELETE FROM import_staging s USING incidents i
     WHERE s.external_id IS NOT NULL AND i.external_id IS NOT NULL
       AND i.external_id = s.external_id
"""
# Settled rows: located in process (covered by one grid, no other within the boundary
# distance, so no boundary flag). Rows whose grid was found in process (in_grid; points
# clear of other grids, buildings with a grid): the boundary rule in SQL. Others: the
# location and boundary rules in SQL. Then the assignee rule for all rows at once, as of
# now (routing's ``assigned_set_sql``), in the same statement (no table of located rows).
_KNOWN = "CAST(s.in_grid AS int), CAST(nullif(s.in_community, -1) AS int), 'covered', NULL::float8"
_ROUTE = f"""
    CREATE TEMP TABLE import_routed AS
    WITH import_located AS MATERIALIZED (
        {{located}}
        UNION ALL
        SELECT s.*, {_KNOWN}, b.* FROM import_staging s
          LEFT JOIN LATERAL ({{boundary}}) b ON TRUE
         WHERE NOT s.settled AND s.in_grid >= 0
        UNION ALL
        SELECT s.*, {_KNOWN}, NULL::int, NULL::float8 FROM import_staging s WHERE s.settled)
    SELECT * FROM ({{assigned}}) routed;
    ANALYZE import_routed (id, community_id, reported_at, external_id)
"""
_OUTSIDE_SCOPE = """
    DELETE FROM import_routed
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
                               routed_to, boundary_grid_id, boundary_distance_m, overlay_id,
                               duplicate_of_id, updated_at)
        SELECT r.id, category, description, geom, address, source, external_id, reported_at,
               'reported', priority, assignee_id, due_at, response_due_at, reporter_name,
               reporter_phone, building_id, routed_to, boundary_grid_id, boundary_distance_m,
               overlay_id, f.duplicate_of_id, now()
          FROM import_routed r LEFT JOIN import_duplicates f ON f.id = r.id ORDER BY r.id
        ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO NOTHING
        RETURNING id),
    located AS (
        INSERT INTO incident_locations (incident_id, grid_id, community_id, state,
                                        snap_distance_m)
        SELECT r.id, r.grid_id, r.community_id, r.state, r.distance_m
          FROM import_routed r JOIN ins USING (id))
    SELECT id FROM ins ORDER BY id
"""
# The event records the duplicate flag as a single report's does. With the row-by-row
# triggers off (:func:`write_events`), the outbox rows of exactly these events are written
# here, by the function the outbox trigger calls (migration 0022_import_outbox).
_EVENTS = """
    WITH ev AS (
        INSERT INTO incident_events (incident_id, at, actor, user_id, action, to_status,
                                     details)
        SELECT r.id, r.reported_at, :actor, :user_id, 'report', 'reported', DETAILS
          FROM import_routed r JOIN incidents i ON i.id = r.id
           AND i.id BETWEEN (SELECT min(id) FROM import_routed)  -- the file's id range:
                        AND (SELECT max(id) FROM import_routed)  -- not all incidents
        RETURNING id, incident_id, action, from_status, to_status, at, details),
    outbox AS (
        INSERT INTO outbox (event_id, kind, incident_id, payload)
        SELECT id, action, incident_id,
               outbox_payload(id, incident_id, action, from_status, to_status, at)
          FROM ev WHERE :outbox)
    SELECT details->>'located', details->>'routed_to', details->'boundary_grid_id' IS NOT NULL,
           details->'duplicate_of_id' IS NOT NULL, count(*)
      FROM ev GROUP BY 1, 2, 3, 4
""".replace("DETAILS", report_details("r", "i"))


def create_staging(conn: Connection) -> None:
    """A fresh (TEMP) staging table; bulk work on a file the size of an upload may take
    longer than a request's usual statement limit, and sorts more than its memory."""
    conn.exec_driver_sql("SET LOCAL statement_timeout = '1800s'")
    # Sorts and hashes over the whole file in memory, for this transaction only.
    conn.exec_driver_sql("SET LOCAL work_mem = '128MB'")
    conn.exec_driver_sql(_STAGING)


def reserve_ids(conn: Connection, n: int) -> np.ndarray:
    """``n`` consecutive incident ids, taken from the sequence in one step."""
    first = conn.execute(text(
        "SELECT setval(s, nextval(s) + :n - 1) - :n + 1"
        " FROM CAST(pg_get_serial_sequence('incidents', 'id') AS regclass) s"),
        {"n": n}).scalar_one()
    return np.arange(first, first + n, dtype=np.int64)


def stage(conn: Connection, frame: pd.DataFrame) -> None:
    """COPY checked rows (their columns are the staging table's) into it."""
    copy_frame(conn, "import_staging", frame)


# The columns the steps filter and join the staging table on: analysing only those skips
# sorting samples of the long texts (descriptions, addresses: a third of a second).
_STAGING_KEYS = "row_no, id, external_id, locate_by, settled, building, address_key"


def drop_repeated(conn: Connection) -> list[tuple[int, str, int]]:
    """Remove rows whose ticket an earlier chunk holds: (row, external_id, first row)."""
    conn.exec_driver_sql(f"ANALYZE import_staging ({_STAGING_KEYS})")
    return [tuple(row) for row in conn.execute(text(_REPEATED))]


def locate_by_building(conn: Connection) -> list[tuple[int, str, str, int]]:
    """Give rows located by building code or address their building's point; remove the
    rows that cannot be and return them as (row, locate_by, building code, matches)."""
    for sql in (_BY_CODE, _BY_ADDRESS, _BY_ADDRESS_PART, _BUILDING_POINTS):
        conn.execute(text(sql))
    return [tuple(row) for row in conn.execute(text(_UNRESOLVED))]


def drop_stored(conn: Connection, rows: int) -> int:
    """Remove staged rows whose ``external_id`` is already stored; how many. A file of
    up to :data:`PROBED` ``rows`` probes the unique index row by row (the planner hashed
    every stored ticket instead: 0.4 s against 0.09 s for 100,000 rows and 400,000
    tickets stored); a larger one is left to the planner."""
    if rows > PROBED:
        return conn.execute(text(_STORED)).rowcount
    with join_methods_off(conn, "hashjoin", "mergejoin"):
        return conn.execute(text(_STORED)).rowcount


PROBED = 200_000


def route(conn: Connection, rules: dict) -> None:
    """Route every staged row (``geo.incidents.routing``) into ``import_routed``."""
    hard = "(SELECT * FROM import_staging WHERE NOT settled AND in_grid < 0) s"
    conn.execute(text(_ROUTE.format(
        located=located_select(hard), assigned=assigned_set_sql("import_located"),
        boundary=boundary_probe("CAST(s.in_grid AS int)"))), rules)


def drop_outside_scope(conn: Connection, scope: frozenset[int]) -> list[int]:
    """Remove routed rows located outside the ``scope`` communities; their row numbers."""
    return [row for row, in conn.execute(text(_OUTSIDE_SCOPE), {"scope": sorted(scope)})]


# The file's rows as candidates too, so that they see each other (ids taken in order).
_CANDIDATES = """(SELECT id, geom, category, status, merged_into_id, reported_at FROM incidents
    UNION ALL SELECT id, geom, category, 'reported', NULL::bigint, reported_at
                FROM import_routed)"""
# The rows that may have a possible original (the others skip the rule): their ids go
# in by COPY (as a literal array, a million ids took seconds to parse, three times).
_SUSPECT_IDS = """
    DROP TABLE IF EXISTS import_suspect_ids;
    CREATE TEMP TABLE import_suspect_ids (id bigint)
"""
_FLAG = f"""
    DROP TABLE IF EXISTS import_suspects;
    CREATE TEMP TABLE import_suspects AS
    SELECT id, geom, category, reported_at FROM import_routed
     WHERE id IN (SELECT id FROM import_suspect_ids);
    ANALYZE import_suspects (id, category, reported_at);
    {duplicate_window_sql("import_suspects", _CANDIDATES)};
    DROP TABLE IF EXISTS import_duplicates
"""
# A hash join (the planner, blind to the cells' spread, prefers sorting nine neighbour
# rows per row for a merge join: 34 s instead of 22 s for a million rows).
_FLAGGED = f"""
    CREATE TEMP TABLE import_duplicates AS {duplicates_set_sql("import_suspects")}
"""
# A ticket of the file stored meanwhile by someone else (after :func:`drop_stored`): the
# row goes, as a stored one, and so does any flag pointing to it.
_STORED_MEANWHILE = """
    DELETE FROM import_routed r USING incidents i
     WHERE r.external_id IS NOT NULL AND i.external_id = r.external_id AND i.id <> r.id
"""


def _checked_once(conn: Connection, table: str, column: str,
                  written: tuple[str, ...] = ()):
    """``geo.pg.bulk.foreign_keys_checked_once`` for ``table``'s rows of the file (their
    ``column`` in the file's id range)."""
    lo, hi = conn.execute(text("SELECT min(id), max(id) FROM import_routed")).one()
    return foreign_keys_checked_once(conn, table, written, params={"lo": lo, "hi": hi},
                                     rows=f"t.{column} BETWEEN :lo AND :hi")


def insert(conn: Connection, rules: dict, suspects: np.ndarray) -> tuple[np.ndarray, int]:
    """Flag possible duplicates among ``suspects`` (the rows that may have one; the
    rule's set-based shape, before the insert: the rows and the open incidents of their
    window), then insert the routed rows with their flags and locations, their foreign
    keys checked once and their texts' GIN entries merged once (``gin_merged_once``).
    Returns (ids inserted, rows routed): the difference lost to a ticket stored
    meanwhile."""
    routed = conn.execute(text("SELECT count(*) FROM import_routed")).scalar_one()
    conn.exec_driver_sql(_SUSPECT_IDS)
    copy_frame(conn, "import_suspect_ids", pd.DataFrame({"id": suspects.astype(np.int64)}))
    for retry in (False, True):
        conn.execute(text(_FLAG), rules)
        with join_methods_off(conn, "mergejoin"):
            conn.execute(text(_FLAGGED), rules)
        try:
            with conn.begin_nested(), _checked_once(conn, "incidents", "id"), \
                    _checked_once(conn, "incident_locations", "incident_id", ("incidents",)), \
                    gin_merged_once(conn, "incidents"):
                ids = conn.execute(text(_INSERT)).scalars().all()
            return np.array(ids, np.int64), routed
        except (IntegrityError, IntegrityViolation) as error:
            # A flag pointing to a ticket someone stored meanwhile (skipped here).
            if retry or not isinstance(getattr(error, "orig", error),
                                       (ForeignKeyViolation, IntegrityViolation)):
                raise
            conn.execute(text(_STORED_MEANWHILE))
    raise AssertionError("unreachable")


def write_events(conn: Connection, actor: str, user_id: int | None) -> list[tuple]:
    """The ``report`` event of each inserted row, and its outbox row (by the trigger, or
    here when the row-by-row triggers are off: once either way); counts by (located,
    routed_to, on a boundary, possible duplicate)."""
    with _checked_once(conn, "incident_events", "incident_id", ("incidents",)) as off:
        return [tuple(row) for row in conn.execute(text(_EVENTS), {
            "actor": actor, "user_id": user_id, "outbox": off})]


_POINTS = """SELECT s.id, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, s.category,
                    (extract(epoch FROM s.reported_at) * 1e6)::bigint AS at"""


def building_points(conn: Connection) -> pd.DataFrame:
    """(id, lon, lat, category, at, grid_id, community_id) of the staged rows located by
    building or address, with their building's grid and community (-1: none)."""
    return pd.DataFrame(conn.execute(text(
        f"{_POINTS}, coalesce(b.grid_id, -1), coalesce(b.community_id, -1)"
        " FROM import_staging s JOIN buildings b ON b.id = s.building_id"
        " WHERE s.locate_by <> 'point'")).all(),
        columns=["id", "lon", "lat", "category", "at", "grid_id", "community_id"])


def settle(conn: Connection, frame: pd.DataFrame) -> None:
    """Give staged rows (``id``) the grid and community (``in_grid``, ``in_community``:
    -1 none) found in process and whether that settles them (``settled``: the boundary
    flag too), as the chunks' points have them (``_ROUTE``)."""
    if not len(frame):
        return
    conn.exec_driver_sql("CREATE TEMP TABLE import_settled (id bigint, in_grid bigint,"
                         " in_community bigint, settled boolean)")
    copy_frame(conn, "import_settled", frame)
    conn.exec_driver_sql("UPDATE import_staging s SET settled = x.settled,"
                         " in_grid = x.in_grid, in_community = x.in_community"
                         " FROM import_settled x WHERE x.id = s.id; DROP TABLE import_settled")


def open_incidents(conn: Connection, first_us: int, last_us: int) -> pd.DataFrame:
    """(id, lon, lat, category, at) of the open, unmerged incidents reported between two
    instants (microseconds since 1970): the candidates a file's duplicates may point to."""
    return pd.DataFrame(conn.execute(text(
        f"{_POINTS} FROM incidents s WHERE status IN {OPEN_SQL} AND merged_into_id IS NULL"
        " AND geom IS NOT NULL AND reported_at BETWEEN to_timestamp(:a / 1e6)"
        " AND to_timestamp(:b / 1e6)"), {"a": first_us, "b": last_us}).all(),
        columns=["id", "lon", "lat", "category", "at"])


def stats_deferred(conn: Connection, on: bool) -> None:
    """Tell the statistics triggers to skip (``on``) or see again this transaction's
    statements (migration 0008); the import queues its ids with :func:`queue_stats`."""
    conn.exec_driver_sql(f"SET LOCAL gridmap.stats_deferred = '{'on' if on else 'off'}'")


def queue_stats(conn: Connection, ids: np.ndarray) -> None:
    """Queue ``ids`` for the statistics as runs of consecutive ids (a few rows)."""
    ordered = np.unique(ids)
    if not ordered.size:
        return
    breaks = np.flatnonzero(np.diff(ordered) != 1)
    firsts = np.concatenate([[ordered[0]], ordered[breaks + 1]])
    lasts = np.concatenate([ordered[breaks], [ordered[-1]]])
    conn.execute(text("INSERT INTO stats_ranges (first_id, last_id)"
                      " SELECT * FROM unnest(CAST(:a AS bigint[]), CAST(:b AS bigint[]))"),
                 {"a": firsts.tolist(), "b": lasts.tolist()})


def drop_staging(conn: Connection) -> None:
    conn.exec_driver_sql("DROP TABLE import_staging, import_routed, import_duplicates,"
                         " import_suspect_ids, import_suspects, duplicate_window,"
                         " duplicate_cell")
