"""Loading a generated demo city (``geo.demo.city``) into PostGIS, in the caller's transaction.

Every table is written with ``COPY ... FROM STDIN`` (``geo.pg.copyio``): a million incidents
go in within seconds, where row-by-row INSERTs would take minutes. Foreign keys and
secondary indexes are dropped for the load and put back after it, as pg_restore does.
Ids come from the frames, so the id sequences are moved past them afterwards. Geometry
travels as hex EWKB with SRID 4326, which PostGIS reads straight into its typed columns
(and checks against ``ST_IsValid``).

After the COPY the project's assignment core (``geo.places.assign``) places buildings and
incidents; the generator pre-fills where it put them, so the assignment only rewrites the
few rows where the rule disagrees (a building straddling an edge, an incident jittered
across one) instead of every row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import pandas as pd
from sqlalchemy import Connection, text

from geo.demo import people
from geo.demo.city import TABLES
from geo.pg.copyio import copy_frame
from geo.places.assign import assign_buildings, assign_incidents

Progress = Callable[[str], None]
Item = TypeVar("Item")


@dataclass
class LoadReport:
    """What :func:`load` did: rows per table, seconds per step, what assignment changed."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    buildings_reassigned: int = 0
    incidents: dict[str, int] = field(default_factory=dict)
    assignees_changed: int = 0


def has_communities(conn: Connection) -> bool:
    """True when the database holds a city already (any community)."""
    return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM communities)")).scalar())


# What --replace empties: the city and everything hanging off it (accounts stay).
# Accounts refer to workers and communities, so TRUNCATE ... CASCADE would follow those
# keys and empty the accounts and the audit log too. The tables accounts can reach are
# emptied with DELETE instead, after every table that refers to them.
_TRUNCATED = ("incident_facts", "stats_dirty", "stats_ranges", "building_coverage",
              "resident_reports", "notifications", "incident_photos", "patrol_grids",
              "patrol_points", "patrols",
              "incident_events", "incident_locations", "party_members", "party_orgs",
              "incidents", "plan_buildings", "buildings", "plan_grids",
              # the field app's rows hang off incidents, grids and workers
              "incident_photos", "notifications", "patrol_grids", "patrol_points", "patrols",
              # escalation's extension requests hang off incidents, call-back ratings too; the
              # outbox hangs off incident events (webhook endpoints and reminder steps are
              # settings: they stay)
              "incident_extensions", "incident_ratings", "delivery_attempts", "deliveries",
              "outbox", "reminders_sent")
_DELETED = ("worker_leave", "worker_grids", "grid_members", "department_communities",
            "grids", "plans", "communities")
DEMO_TABLES = _TRUNCATED + _DELETED


def clear(conn: Connection) -> None:
    """Empty :data:`DEMO_TABLES`; accounts must not refer to their rows any more."""
    conn.execute(text(f"TRUNCATE {', '.join(_TRUNCATED)} RESTART IDENTITY"))
    for table in _DELETED:
        conn.execute(text(f"DELETE FROM {table}"))


def load(conn: Connection, tables: Iterable[tuple[str, pd.DataFrame]], *,
         snap_meters: float = 50.0, progress: Progress | None = None) -> LoadReport:
    """COPY the generated tables, then let ``geo.places.assign`` place buildings and incidents.

    Parameters
    ----------
    conn : Connection
        In a transaction; the tables must be empty (ids come from the frames).
    tables : iterable of (str, DataFrame)
        ``DemoCity.tables()`` or :func:`geo.demo.city.iter_tables`, in that order. The next
        pair is asked for (in a worker thread) while this one is being written, so with
        ``iter_tables`` the incidents are drawn while buildings are being assigned.
    snap_meters : float
        Passed to :func:`geo.places.assign.assign_incidents`.
    progress : callable, optional
        Called with one line of text per step.

    Returns
    -------
    LoadReport
        Rows per table, seconds per step and what the assignment changed.
    """
    say = progress or (lambda _line: None)
    report = LoadReport()
    # Loading a city takes longer than the web requests' statement timeout allows.
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    every = [*TABLES, "incident_locations"]
    with _timed(report, "drop keys"):
        indexes, foreign_keys = _drop_keys(conn, every)
    finished = _copy_tables(conn, tables, indexes, report, say)
    _finish_tables(conn, indexes, [t for t in every if t not in finished], report, say)
    if not finished:  # the tables came in another order
        _assign_buildings(conn, report, say)
    _assign_incidents(conn, report, snap_meters, say)
    with _timed(report, "foreign keys"):
        for ddl in foreign_keys:
            conn.execute(text(ddl))
    say(f"foreign keys checked ({report.seconds['foreign keys']:.1f} s)")
    return report


def _copy_tables(conn: Connection, tables: Iterable[tuple[str, pd.DataFrame]],
                 indexes: dict[str, list[str]], report: LoadReport, say: Progress) -> list[str]:
    """COPY each table as it comes. Once the places are in, index them and assign the
    buildings while the incidents are still being drawn; return the tables so finished."""
    places = list(TABLES[:TABLES.index("incidents")])
    loaded: list[str] = []
    finished: list[str] = []
    for table, frame in _ahead(iter(tables), report):
        with _timed(report, f"copy {table}"):
            if not people.write(conn, table, frame):  # people: through geo.people
                copy_frame(conn, table, frame)
        loaded.append(table)
        report.rows[table] = len(frame)
        say(f"{table}: {len(frame):,} rows ({report.seconds[f'copy {table}']:.1f} s)")
        if loaded == places:
            _finish_tables(conn, indexes, places, report, say)
            finished = places
            _assign_buildings(conn, report, say)
    return finished


def _ahead(items: Iterator[Item], report: LoadReport) -> Iterator[Item]:
    """``items``, each next one made in a worker thread while the caller uses this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(next, items, None)
        while True:
            with _timed(report, "waiting for the generator"):
                item = future.result()
            if item is None:
                return
            future = pool.submit(next, items, None)
            yield item


def _finish_tables(conn: Connection, indexes: dict[str, list[str]], tables: list[str],
                   report: LoadReport, say: Progress) -> None:
    """Recreate the indexes of freshly loaded ``tables``, move their id sequences past
    the loaded ids and give them statistics."""
    start = time.perf_counter()
    with _timed(report, "indexes"):
        for table in tables:
            for ddl in indexes.pop(table, []):
                conn.execute(text(ddl))
            if table in TABLES:
                _move_sequence(conn, table)
            conn.execute(text(f"ANALYZE {table}"))  # fresh statistics for the joins below
    say(f"indexes rebuilt ({time.perf_counter() - start:.1f} s)")


def _assign_buildings(conn: Connection, report: LoadReport, say: Progress) -> None:
    with _timed(report, "assign buildings"):
        report.buildings_reassigned = assign_buildings(conn)
        _recount_households(conn)
    say(f"buildings assigned: {report.buildings_reassigned:,} moved by the largest-part rule "
        f"({report.seconds['assign buildings']:.1f} s)")


def _assign_incidents(conn: Connection, report: LoadReport, snap_meters: float,
                      say: Progress) -> None:
    with _timed(report, "assign incidents"):
        report.incidents = assign_incidents(conn, snap_meters=snap_meters)
        conn.execute(text("ANALYZE incident_locations"))
    say("incidents located: " + ", ".join(f"{k} {v:,}" for k, v in report.incidents.items())
        + f" ({report.seconds['assign incidents']:.1f} s)")
    with _timed(report, "assignees"):
        report.assignees_changed = _fix_assignees(conn)
    say(f"assignees corrected: {report.assignees_changed:,} "
        f"({report.seconds['assignees']:.1f} s)")


# Bulk loading the way pg_restore does it: without foreign keys (each checked row would
# lock its parent row: a million incidents' events would rewrite every incident) and
# without secondary indexes (one sorted build is several times cheaper than a million
# inserts into a GiST). Both are read from the catalog and put back, exactly as they
# were, inside the same transaction; re-adding a foreign key validates every row at once.
_FOREIGN_KEYS = """
    SELECT conrelid::regclass::text AS tbl, quote_ident(conname) AS name,
           pg_get_constraintdef(oid) AS ddl
      FROM pg_constraint
     WHERE contype = 'f' AND conrelid = ANY(CAST(:tables AS regclass[]))
"""
_INDEXES = """
    SELECT indrelid::regclass::text AS tbl, indexrelid::regclass::text AS name,
           pg_get_indexdef(indexrelid) AS ddl
      FROM pg_index i
     WHERE indrelid = ANY(CAST(:tables AS regclass[]))
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


def _drop_keys(conn: Connection, tables: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Drop the foreign keys and the indexes not behind a constraint of ``tables``; return
    the statements that recreate them (the indexes by table)."""
    params = {"tables": tables}
    foreign_keys = conn.execute(text(_FOREIGN_KEYS), params).all()
    indexes = conn.execute(text(_INDEXES), params).all()
    for fk in foreign_keys:
        conn.execute(text(f"ALTER TABLE {fk.tbl} DROP CONSTRAINT {fk.name}"))
    for index in indexes:
        conn.execute(text(f"DROP INDEX {index.name}"))
    by_table: dict[str, list[str]] = {}
    for index in indexes:
        by_table.setdefault(index.tbl, []).append(index.ddl)
    restore = [f"ALTER TABLE {fk.tbl} ADD CONSTRAINT {fk.name} {fk.ddl}" for fk in foreign_keys]
    return by_table, restore


# Households follow the buildings' final grids, so a grid's count is the sum of what
# geo.places.assign put in it (a straddling building counts in the grid with its largest part).
_RECOUNT = """
    UPDATE {table} t SET households = s.households
      FROM (SELECT {key} AS id, sum(households)::int AS households
              FROM buildings WHERE {key} IS NOT NULL GROUP BY {key}) s
     WHERE t.id = s.id AND t.households IS DISTINCT FROM s.households
"""

# Dispatched work belongs to the 专职 worker of the grid the incident was located in; the
# generator guessed from the building it drew the point near. Only differing rows are
# written: rewriting a million wide incident rows costs several seconds.
_ASSIGNEES = """
    UPDATE incidents i SET assignee_id = m.id
      FROM incident_locations l
      LEFT JOIN (SELECT m.id, wg.grid_id FROM worker_grids wg
                   JOIN grid_members m ON m.id = wg.worker_id AND m.role = 'full_time') m
             ON m.grid_id = l.grid_id
     WHERE l.incident_id = i.id
       AND i.status NOT IN ('reported', 'accepted', 'rejected')
       AND i.assignee_id IS DISTINCT FROM m.id
"""


def _recount_households(conn: Connection) -> None:
    for table, key in (("grids", "grid_id"), ("communities", "community_id")):
        conn.execute(text(_RECOUNT.format(table=table, key=key)))


def _fix_assignees(conn: Connection) -> int:
    return conn.execute(text(_ASSIGNEES)).rowcount


def _move_sequence(conn: Connection, table: str) -> None:
    # The COPY set ids explicitly; the next INSERT must not collide with them.
    conn.execute(text(f"""
        SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                      COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"""))


@contextmanager
def _timed(report: LoadReport, step: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    report.seconds[step] = report.seconds.get(step, 0.0) + time.perf_counter() - start
