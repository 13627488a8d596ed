"""SQL of retention (``geo.incidents.retention``): clearing reporters' data from finished
incidents, and the history of runs.

Both updates find their rows through partial indexes of migration 0022 (the finished
incidents still holding a reporter's name or phone, by closure; the ratings still holding
a comment, by time), so a run reads only the rows it changes however large the table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from geo.core.statuses import FINISHED

# The WHERE clause repeats ix_incidents_retention's predicate word for word, so the
# planner can prove the index applies. status: a reopened incident has closed_at NULL
# already; the status test keeps open work out even if a row said otherwise.
_INCIDENTS = f"""
    UPDATE incidents
       SET reporter_name = NULL, reporter_phone = NULL, anonymised_at = :at
     WHERE closed_at < :before
       AND closed_at IS NOT NULL AND (reporter_name IS NOT NULL OR reporter_phone IS NOT NULL)
       AND status IN {tuple(FINISHED)!r}
"""
# A call-back comes after the closure it rates, so a comment older than the cut-off is on
# an incident finished before it — unless that incident was reopened and finished again
# later, which the join checks.
_RATINGS = f"""
    UPDATE incident_ratings r SET comment = NULL
      FROM incidents i
     WHERE r.at < :before AND r.comment IS NOT NULL
       AND i.id = r.incident_id AND i.closed_at < :before AND i.status IN {tuple(FINISHED)!r}
"""


def anonymise(conn: Connection, before: dt.datetime, at: dt.datetime) -> tuple[int, int]:
    """Clear reporters' names and phones and call-back comments of incidents finished
    before ``before``; (incidents, ratings) changed."""
    # Nothing the statistics read changes: skip the triggers that would queue every row
    # for a recount (migration 0008's switch, for this transaction only).
    conn.execute(text("SET LOCAL gridmap.stats_deferred = 'on'"))
    # A first run over years of backlog changes hundreds of thousands of rows (a year of the
    # province: about 40 s), past the web requests' statement timeout.
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    incidents = conn.execute(text(_INCIDENTS), {"before": before, "at": at}).rowcount
    ratings = conn.execute(text(_RATINGS), {"before": before}).rowcount
    conn.execute(text("SET LOCAL gridmap.stats_deferred = 'off'"))
    return incidents, ratings


def record(conn: Connection, at: dt.datetime, before: dt.datetime, incidents: int,
           ratings: int, seconds: float, actor: str) -> int:
    """Add a row to the history of runs; its id."""
    return conn.execute(text(
        "INSERT INTO retention_runs (at, before, incidents, ratings, seconds, actor)"
        " VALUES (:at, :before, :incidents, :ratings, :seconds, :actor) RETURNING id"),
        {"at": at, "before": before, "incidents": incidents, "ratings": ratings,
         "seconds": seconds, "actor": actor}).scalar_one()


def last_run_at(conn: Connection) -> dt.datetime | None:
    return conn.execute(text("SELECT max(at) FROM retention_runs")).scalar()


def try_lock(conn: Connection) -> bool:
    """One runner at a time across nodes: a transaction-level advisory lock (kept by
    PgBouncer's transaction mode)."""
    return bool(conn.execute(text(
        "SELECT pg_try_advisory_xact_lock(hashtext('gridmap.retention'))")).scalar())
