"""Who is on duty when: the duty schedule, leave and the grids a worker serves, as SQL
conditions over a worker row and a moment (``at``, a timestamptz expression).

These fragments are the definitions; ``geo.incidents.routing`` composes them into the one
assignee rule, and the people pages and API read the same ones (``store.workers``), so a
worker is "on leave" or "serving" in exactly one sense everywhere.

- **Serving**: a ``worker_grids`` row whose ``served_from``…``served_to`` (inclusive local
  days, ``served_to`` NULL = open) holds the local day of ``at``.
- **On leave**: a ``worker_leave`` row whose ``starts_on``…``ends_on`` holds that day.
- **In hours**: the local weekday is one of ``duty_days`` (NULL = every day) and the local
  time is in ``duty_start``–``duty_end`` (NULL = all day; an end before the start is a
  night shift across midnight). A worker without a schedule is always in hours.
"""

from __future__ import annotations

from geo.people.words import LOCAL_TZ


def local(at: str) -> str:
    """``at`` as local wall-clock time (timestamp without time zone)."""
    return f"({at} AT TIME ZONE '{LOCAL_TZ}')"


def day_in(start: str, end: str, at: str) -> str:
    """The local day of ``at`` is within ``start``…``end`` (inclusive dates, end NULL = open)."""
    day = f"{local(at)}::date"
    return f"({start} <= {day} AND ({end} IS NULL OR {end} >= {day}))"


def serving(wg: str, at: str) -> str:
    """``wg`` (a worker_grids row) is in force at ``at``."""
    return day_in(f"{wg}.served_from", f"{wg}.served_to", at)


def leave_of(worker_id: str, at: str) -> str:
    """A subquery: the leave row (``worker_id``, ``substitute_id``) of ``worker_id`` in force
    at ``at``, the latest started if several overlap; no row when not on leave."""
    return f"""SELECT l.worker_id, l.substitute_id FROM worker_leave l
                WHERE l.worker_id = {worker_id}
                  AND {day_in('l.starts_on', 'l.ends_on', at)}
                ORDER BY l.starts_on DESC, l.id DESC LIMIT 1"""


def in_hours(m: str, at: str) -> str:
    """``m`` (a grid_members row) works at ``at`` by its schedule."""
    t, start, end = f"{local(at)}::time", f"{m}.duty_start", f"{m}.duty_end"
    return f"""(({m}.duty_days IS NULL
                 OR extract(isodow FROM {local(at)})::int = ANY({m}.duty_days))
               AND ({start} IS NULL
                    OR CASE WHEN {start} <= {end} THEN {t} >= {start} AND {t} < {end}
                            ELSE {t} >= {start} OR {t} < {end} END))"""
