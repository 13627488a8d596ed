"""The evaluation's monthly roll-up: every indicator's numerator, denominator and extra
(the exact p90s, the 督办 sums) per kept local month, level, unit and category, so that a
month for every grid or street is read, not counted (docs/evaluation.md).

One definition: the rows are written by the live evaluation's own statement over
``incident_facts`` (``evaluation_store.sums_sql``), grouped by category as well. They stay
current through the facts' refresh: triggers on ``incident_facts`` queue the (month,
level, unit)s whose facts changed (old and new values: an incident moved from one grid or
month to another changes both), and ``refresh``, run after
the facts' refresh (``geo.stats.caseload.refresh``) by ``flask stats refresh`` (the
scheduler loop of scripts/run.sh, every few minutes), ``flask reports monthly`` and
``flask demo``, rewrites those rows. Requests never wait for it: while a month has
queued units the evaluation counts it live (the same statement), as before the roll-up.
A month is kept in each time zone of ``eval_rollup_zones`` (``keep``: the ``TIMEZONE``
setting, by migration 0023_evalroll) from the first fact in it.

``sums`` answers only what it holds exactly: a kept month (``[t0, t1)`` its instants; a
local month of a kept zone that is not kept has no facts, so nothing to count),
nothing of it queued, no scope (a community-limited account's numbers are counted live),
and a ``now`` after every response limit still open in the month (the roll-up counts
those as due; before, 响应率 depends on the clock and is counted live).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from geo.stats import rollup_store as store

WHOLE_AT = 2_000  # more queued units of a level-month than this: rewrite it whole


def refresh(conn: Connection) -> int:
    """Bring the roll-up up to date with the facts (run ``geo.stats.caseload.refresh``
    first): what ``flask stats refresh`` (the scheduler loop), ``flask reports monthly``
    and ``flask demo`` run: the rows queued since the last call rewritten, in the caller's
    transaction; rows written."""
    written = 0
    for (t0, t1, level), units in sorted(store.take_marks(conn).items()):
        whole = level == "total" or "*" in units or len(units) > WHOLE_AT
        written += store.rewrite(conn, t0=t0, t1=t1, level=level,
                                 units=None if whole else sorted(units))
    return written


def keep(conn: Connection, timezone: str) -> int:
    """Keep the roll-up's months in ``timezone`` (every month the facts have now, then
    each new one); written by the next ``refresh``. How many months were added."""
    return store.keep(conn, timezone)


def sums(conn: Connection, *, level: str, t0: dt.datetime, t1: dt.datetime,
         category: str | None, scope: frozenset[int] | None, now: dt.datetime,
         rule: str, bucket: str = "") -> dict | None:
    """The sums of every indicator for ``level`` over ``[t0, t1)`` from the roll-up, as
    ``geo.stats.evaluation`` collects the live ones — ``{(unit code, None for the
    totals; bucket): {key: (numerator, denominator, extra)}}`` — or None when the roll-up
    does not hold them exactly."""
    if scope is not None:
        return None
    held = store.usable(conn, t0=t0, t1=t1, level=level, category=category, now=now,
                        timezone=_zone_month(t0, t1))
    if held is None:
        return None
    out: dict = {}
    if held == "empty":
        return out
    ruled = {} if rule == store.BASE_RULE else {
        ind.key: f"{ind.key}@{rule}" for _, ind in store.RULED}
    for unit, stored in store.read(conn, t0=t0, level=level, category=category):
        slot = out[(unit, bucket)] = {key: tuple(v) for key, v in stored.items()
                                      if "@" not in key}
        for key, other in ruled.items():
            slot[key] = (stored[other][0], *slot[key][1:])
    return out


def _zone_month(t0: dt.datetime, t1: dt.datetime) -> str | None:
    """The time zone ``[t0, t1)`` is a whole local month of (its instants' zone), or None."""
    zone = getattr(t0.tzinfo, "key", None)
    if zone is None or t0.time() != dt.time() or t0.day != 1:
        return None
    after = (t0.year * 12 + t0.month) % 12 + 1, t0.year + (t0.month == 12)
    expected = dt.datetime(after[1], after[0], 1, tzinfo=t0.tzinfo)
    return zone if t1 == expected else None
