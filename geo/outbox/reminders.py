"""Deadline reminders (issue 21 part 2): steps per category (``reminder_steps``; a category
without its own uses the default ones), each an offset from an open incident's due time
and an audience up the chain — the assignee, the grid chief, the community
(community_admin accounts of the incident's community), the street (dispatchers who see
it). Negative offsets are calendar hours before the due time; from 0 on they are working
hours after it (``WORK_HOURS``, ``WORK_WEEKDAYS`` and the holidays table), so "24 hours
late" skips nights, weekends and holidays.

The delivery worker fires them (:func:`fire`) with its clock (``GRIDMAP_NOW`` in a test or
a demo); each step once per incident and deadline (``reminders_sent``'s key — a deadline
moved by an extension is a new one), as in-app notifications of kind ``reminder``. A step
more than :data:`STALE` past its moment (the worker was down) is recorded without
notifying anyone. Resolved (awaiting verification) and finished incidents get none.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import Connection, Row

from geo.incidents.worktime import WorkCalendar
from geo.outbox.store import reminders as store

STALE = dt.timedelta(days=7)
OLDEST_DUE = dt.timedelta(days=60)  # no step lies further after a due time than this


def moments(rows: list[Row], calendar: WorkCalendar) -> list[dt.datetime]:
    """When each (due_at, offset_hours) step is due."""
    due = np.array([r.due_at.timestamp() for r in rows], dtype=np.float64)
    offsets = np.array([r.offset_hours for r in rows], dtype=np.float64)
    out = due + np.minimum(offsets, 0) * 3600.0
    later = offsets > 0
    if later.any():
        out[later] = calendar.add_hours(due[later], offsets[later])
    return [dt.datetime.fromtimestamp(float(t), dt.UTC) for t in out]


def fire(conn: Connection, now: dt.datetime, calendar: WorkCalendar) -> int:
    """Fire the steps whose moment has come; how many notifications were made."""
    rows = store.candidates(conn, now, now - OLDEST_DUE)
    made = 0
    for row, moment in zip(rows, moments(rows, calendar) if rows else [], strict=True):
        if moment > now or not store.claim(conn, row, now):
            continue
        if moment >= now - STALE:
            made += store.notify(conn, row, now)
    return made
