"""Retention: reporters' personal data is kept for ``years`` after an incident is finished.

What is removed, from incidents *finished* (closed or rejected) before the cut-off: the
reporter's name and phone (``incidents.reporter_name``/``reporter_phone``; a resident's
contact on the public map is stored there too) and the comment of a call-back rating.
``anonymised_at`` records when. Nothing else is touched: the incident's point (where the
problem was, not where the reporter was), category, times and history stay, and so do the
statistics, which read none of these fields. Photos keep no EXIF (``geo.incidents.photos``
re-encodes them at intake), so there is nothing to strip from them here. Open and resolved
incidents are never touched, however old: their reporter may still be called back.

One set-based step per run, idempotent (a second run finds nothing), recorded in
``retention_runs`` — by :func:`anonymise` for a given cut-off (``flask incidents anonymise
--before``) and :func:`run_daily` from the scheduler, at most once a day.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from sqlalchemy import Connection

from geo.incidents.store import retention as store

DEFAULT_YEARS = 5
# The scheduler asks every few minutes; a day's run is due once the last is this old.
DAILY = dt.timedelta(hours=23)


@dataclass(frozen=True)
class Run:
    """What one run did: its cut-off, rows changed, seconds taken, its history row."""

    before: dt.datetime
    incidents: int
    ratings: int
    seconds: float
    run_id: int


def cutoff(now: dt.datetime, years: int) -> dt.datetime:
    """The moment ``years`` calendar years before ``now`` (29 February: the 28th).

    >>> cutoff(dt.datetime(2026, 12, 7, 3, tzinfo=dt.UTC), 5).isoformat()
    '2021-12-07T03:00:00+00:00'
    >>> cutoff(dt.datetime(2028, 2, 29, tzinfo=dt.UTC), 1).date().isoformat()
    '2027-02-28'
    """
    if years < 1:
        raise ValueError(f"retention must be at least 1 year, not {years}")
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def anonymise(conn: Connection, before: dt.datetime, *, now: dt.datetime, actor: str) -> Run:
    """Remove reporters' data from incidents finished before ``before`` and record the run.

    Parameters
    ----------
    conn : Connection
        In the caller's transaction: the update and its history row commit together.
    before : datetime
        Timezone-aware cut-off; must not be later than ``now``.
    now : datetime
        The clock of the run (``anonymised_at`` and the history's ``at``).
    actor : str
        Who ran it, for the history.
    """
    if before.tzinfo is None or before > now:
        raise ValueError("the cut-off must be a timezone-aware moment in the past")
    started = time.perf_counter()
    incidents, ratings = store.anonymise(conn, before, now)
    seconds = round(time.perf_counter() - started, 3)
    run_id = store.record(conn, now, before, incidents, ratings, seconds, actor)
    return Run(before, incidents, ratings, seconds, run_id)


def run_daily(conn: Connection, *, now: dt.datetime, years: int, actor: str) -> Run | None:
    """:func:`anonymise` with the cut-off ``years`` before ``now``, unless a run was made
    within the last day or another node is running it (then None)."""
    if not store.try_lock(conn):
        return None
    last = store.last_run_at(conn)
    if last is not None and last > now - DAILY:
        return None
    return anonymise(conn, cutoff(now, years), now=now, actor=actor)
