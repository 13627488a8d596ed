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
from geo.pg import bulk
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
    loop: dict[str, int] = field(default_factory=dict)


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
    with _timed(report, "loop history"):
        report.loop = add_loop_history(conn, say)
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


def _drop_keys(conn: Connection, tables: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Drop the foreign keys and the indexes not behind a constraint of ``tables``; return
    the statements that recreate them (the indexes by table)."""
    params = {"tables": tables}
    foreign_keys = conn.execute(text(_FOREIGN_KEYS), params).all()
    for fk in foreign_keys:
        conn.execute(text(f"ALTER TABLE {fk.tbl} DROP CONSTRAINT {fk.name}"))
    indexes = bulk.drop_indexes(conn, tables)
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


# ---- the close-the-loop history (issue 22's evaluation needs it) ------------------------

# A few district departments the demo escalates to (kept across --replace, like the
# departments an administrator adds: only their links to communities are demo rows).
DEPARTMENTS = ("区市容环卫中心", "区水务局", "区园林绿化局", "区住房城乡建设委", "区城管执法局",
               "区交通支队", "区市场监管局", "区卫生健康委")


def _draw(salt: int) -> str:
    """A reproducible number 0–999 per incident (a multiplicative hash of its id)."""
    return f"(((i.id * 2654435761 + {salt * 40503}) / 256) % 1000)"


# Per incident: when it was first dispatched and resolved, its closing event. Only the
# incidents the generator gave these steps are touched.
_STEPS = """
CREATE TEMP TABLE demo_steps ON COMMIT DROP AS
SELECT e.incident_id AS id,
       min(e.at) FILTER (WHERE e.action = 'dispatch') AS dispatched_at,
       min(e.at) FILTER (WHERE e.action = 'resolve') AS resolved_at,
       max(e.id) FILTER (WHERE e.action IN ('close', 'verify')) AS close_id
  FROM incident_events e GROUP BY e.incident_id
HAVING min(e.at) FILTER (WHERE e.action = 'dispatch') IS NOT NULL
"""
_LOOP = {
    # 4 %: escalated to a department an hour after dispatch (the department holds it)
    "escalations": f"""
        WITH picked AS (
            SELECT i.id, s.dispatched_at, (SELECT array_agg(id ORDER BY id) FROM departments
                                            WHERE active) AS depts
              FROM incidents i JOIN demo_steps s ON s.id = i.id
             WHERE {_draw(1)} < 40 AND i.merged_into_id IS NULL),
        moved AS (
            UPDATE incidents i SET department_id = p.depts[1 + i.id % cardinality(p.depts)],
                   assignee_id = NULL, routed_to = 'department'
              FROM picked p WHERE p.id = i.id AND cardinality(p.depts) > 0
            RETURNING i.id, i.department_id, p.dispatched_at)
        INSERT INTO incident_events (incident_id, at, actor, action, from_status, to_status,
                                     note, details)
        SELECT id, dispatched_at + interval '1 hour', 'demo', 'escalate', 'dispatched',
               'dispatched', '需职能部门处置',
               jsonb_build_object('to', 'department', 'department_to', department_id)
          FROM moved""",
    # 5 % of the resolved: verification failed once (返工), resolved again
    "reworks": f"""
        WITH picked AS (
            UPDATE incidents i SET rework_count = 1 FROM demo_steps s
             WHERE s.id = i.id AND s.resolved_at IS NOT NULL AND s.close_id IS NOT NULL
               AND {_draw(2)} < 50
            RETURNING i.id, s.resolved_at)
        INSERT INTO incident_events (incident_id, at, actor, action, from_status, to_status,
                                     note)
        SELECT id, resolved_at + interval '20 minutes', 'demo', a.action, a.f, a.t, a.note
          FROM picked CROSS JOIN (VALUES
               ('rework', 'resolved', 'reopened', '核查未通过'),
               ('dispatch', 'reopened', 'dispatched', NULL),
               ('resolve', 'in_progress', 'resolved', NULL)) a(action, f, t, note)""",
    # 6 % of the dispatched with a deadline: an extension asked and approved (+48 h)
    "extensions": f"""
        WITH picked AS (
            SELECT i.id, i.due_at, s.dispatched_at FROM incidents i
              JOIN demo_steps s ON s.id = i.id
             WHERE i.due_at IS NOT NULL AND {_draw(3)} < 60),
        asked AS (
            INSERT INTO incident_extensions (incident_id, requested_at, requested_by,
                                             due_from, due_to, reason, state, decided_at,
                                             decided_by)
            SELECT id, dispatched_at + interval '2 hours', 'demo', due_at,
                   due_at + interval '48 hours', '需协调多方', 'approved',
                   dispatched_at + interval '3 hours', 'demo' FROM picked
            RETURNING incident_id, due_to, requested_at, decided_at),
        moved AS (
            UPDATE incidents i SET due_at = a.due_to FROM asked a WHERE a.incident_id = i.id
            RETURNING i.id)
        INSERT INTO incident_events (incident_id, at, actor, action, note)
        SELECT incident_id, x.at, 'demo', x.action, x.note FROM asked
         CROSS JOIN LATERAL (VALUES (requested_at, 'extend_request', '需协调多方'),
                                    (decided_at, 'extend_approve', '同意')) x(at, action, note)""",
    # a third of the overdue (closed late, or open past the deadline): 督办 2 h after it
    "supervisions": f"""
        INSERT INTO incident_events (incident_id, at, actor, action, note)
        SELECT i.id, i.due_at + interval '2 hours', 'demo', 'supervise', '请尽快办结'
          FROM incidents i
         WHERE i.due_at IS NOT NULL AND i.merged_into_id IS NULL AND {_draw(4)} < 333
           AND i.due_at + interval '2 hours' < coalesce(i.closed_at, now())
           AND i.status NOT IN ('rejected')""",
    # 60 % of the closed rated (resident or phone); late closures and reworks rate worse
    "ratings": f"""
        INSERT INTO incident_ratings (incident_id, closure_event_id, rating, channel, at)
        SELECT i.id, s.close_id,
               CASE WHEN {_draw(6)} < 60 + 120 * (i.due_at < i.closed_at)::int
                                         + 100 * (i.rework_count > 0)::int THEN 'unsatisfied'
                    WHEN {_draw(6)} < 300 THEN 'fair' ELSE 'satisfied' END,
               CASE WHEN {_draw(7)} < 400 THEN 'resident' ELSE 'phone' END,
               i.closed_at + interval '1 hour' * (1 + {_draw(8)} % 48)
          FROM incidents i JOIN demo_steps s ON s.id = i.id
         WHERE i.status = 'closed' AND s.close_id IS NOT NULL AND {_draw(5)} < 600""",
}


def add_loop_history(conn: Connection, progress: Progress | None = None) -> dict[str, int]:
    """Give the loaded incidents a share of what closing the loop records: escalations to
    departments (the departments added when missing), 返工, approved extensions, 督办 and
    call-back ratings; set-based, one statement each; rows written per kind.

    Idempotent only on a freshly loaded city (``flask demo`` calls it after the load; a
    bench copy made before it may be given it once). The events bypass the outbox (they are
    history, not news) and queue their incidents for the statistics like any write."""
    say = progress or (lambda _line: None)
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    conn.execute(text("INSERT INTO departments (name, kind) SELECT unnest(CAST(:n AS text[])),"
                      " 'department' ON CONFLICT (name) DO NOTHING"), {"n": list(DEPARTMENTS)})
    conn.execute(text("ALTER TABLE incident_events DISABLE TRIGGER trg_incident_events_outbox"))
    conn.execute(text("DROP TABLE IF EXISTS demo_steps"))
    conn.execute(text(_STEPS))
    done = {}
    for kind, sql in _LOOP.items():
        started = time.perf_counter()
        done[kind] = max(conn.execute(text(sql)).rowcount, 0)
        say(f"loop history: {done[kind]} {kind} ({time.perf_counter() - started:.1f} s)")
    conn.execute(text("ALTER TABLE incident_events ENABLE TRIGGER trg_incident_events_outbox"))
    return done
