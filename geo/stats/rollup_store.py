"""Every SQL statement of the evaluation's monthly roll-up (``geo.stats.rollup``).

``eval_rollup`` holds, per kept month (``eval_rollup_months``: a local month of a time
zone in ``eval_rollup_zones``, by its instants ``[t0, t1)``), level, unit and category
(``''``: every category; level ``total``, unit ``''``: the totals over every unit), every
indicator's ``[numerator, denominator, extra]`` as JSON — written by the live sums'
statement (``evaluation_store.sums_sql``) grouped by category too, so the roll-up and the
live evaluation are one definition. Triggers on ``incident_facts`` (migration
0023_evalroll) queue the (month, level, unit)s whose facts changed in
``eval_rollup_dirty`` (``'*'``: the whole level of a month just kept); ``rewrite`` brings
them up to date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import Connection, text

from geo.stats.evaluation_store import _in_period, sums_sql
from geo.stats.indicators import (
    FAMILIES,
    INDICATORS,
    PENDING_RESPONSE,
    RESOLVED_RULES,
)

LEVELS = ("street", "community", "grid", "worker", "department", "total")
BASE_RULE = RESOLVED_RULES[0]  # the rule the stored numerators follow; the others' beside
RULED = [(i, ind) for i, ind in enumerate(INDICATORS) if ":rule" in ind.numerator]
assert not any(":rule" in ind.denominator for ind in INDICATORS)  # noqa: S101


# A level's units (:units, codes as text) as a predicate on the facts that an index answers
# (ix_incident_facts_<column>, migration 0023_evalroll): a few units' rows of a month are
# rewritten from their own facts, not from a scan of the month's.
_UNITS_WHERE = {
    "street": "f.community_id IN (SELECT id FROM communities WHERE street_code = ANY(:units))",
    "community": "f.community_id IN (SELECT id FROM communities WHERE code = ANY(:units))",
    "grid": "f.grid_id IN (SELECT id FROM grids WHERE code = ANY(:units))",
    "worker": "f.assignee_id = ANY(CAST(:units AS int[]))",
    "department": "f.department_id = ANY(CAST(:units AS int[]))",
}


def _written(level: str, units: bool) -> str:
    """The statement writing ``level``'s rows of a month (``units``: only those)."""
    total = level == "total"
    extra = ["CASE WHEN GROUPING(f.category) = 1 THEN '' ELSE f.category END AS category",
             f"max(f.response_due_at) FILTER (WHERE {_in_period('reported')} AND "
             f"{PENDING_RESPONSE}) AS pending_until"]
    extra += [f"count(*) FILTER (WHERE {_in_period(ind.family)} AND "
              f"{ind.numerator.replace(':rule', repr(rule))}) AS r{i}_{rule}"
              for i, ind in RULED for rule in RESOLVED_RULES[1:]]
    inds, sums = sums_sql(
        "worker" if total else level, list(FAMILIES), extra=tuple(extra),  # totals: no join
        sets="(f.category), ()" if total else "(KEY, f.category), (KEY)",
        where=f"AND {_UNITS_WHERE[level]}" if units else "")
    parts = []
    for i, ind in enumerate(inds):
        x = f"s.x{i}" if ind.percentile is not None or ind.column and ind.kind == "count" \
            else "NULL"
        parts.append(f"'{ind.key}', jsonb_build_array(s.n{i}, s.d{i}, {x})")
    parts += [f"'{ind.key}@{rule}', jsonb_build_array(s.r{i}_{rule}, s.d{i}, NULL)"
              for i, ind in RULED for rule in RESOLVED_RULES[1:]]
    return f"""
        WITH s AS ({sums})
        INSERT INTO eval_rollup (t0, level, unit, category, sums, pending_until)
        SELECT :t0, :level, coalesce(CAST(s.key AS text), ''), s.category,
               jsonb_build_object({", ".join(parts)}), s.pending_until
          FROM s WHERE {"s.total" if total else "s.key IS NOT NULL"}
        ON CONFLICT (t0, level, unit, category) DO UPDATE
           SET sums = EXCLUDED.sums, pending_until = EXCLUDED.pending_until"""


def take_marks(conn: Connection) -> dict[tuple[dt.datetime, dt.datetime, str], set[str]]:
    """The queued (month, level, unit)s, taken off the queue: ``{(t0, t1, level): units}``
    (a unit ``'*'``: every unit). Another refresh's marks are waited for."""
    out: dict = defaultdict(set)
    for t0, t1, level, unit in conn.execute(text("""
            DELETE FROM eval_rollup_dirty d USING eval_rollup_months m
             WHERE d.t0 = m.t0 RETURNING d.t0, m.t1, d.level, d.unit""")):
        out[(t0, t1, level)].add(unit)
    return dict(out)


def rewrite(conn: Connection, *, t0: dt.datetime, t1: dt.datetime, level: str,
            units: list[str] | None) -> int:
    """Recompute ``level``'s rows of the month ``[t0, t1)`` from the facts (``units``:
    only those units' rows; None: every row of the level); rows written."""
    conn.execute(text("SET LOCAL statement_timeout = '120s'"))
    conn.execute(text("SET LOCAL work_mem = '64MB'"))
    conn.execute(text("DELETE FROM eval_rollup WHERE t0 = :t0 AND level = :level"
                      " AND (CAST(:units AS text[]) IS NULL OR unit = ANY(:units))"),
                 {"t0": t0, "level": level, "units": units})
    return max(conn.execute(text(_written(level, units is not None)), {
        "t0": t0, "t1": t1, "level": level, "units": units, "category": None,
        "scope": None, "now": dt.datetime.max.replace(tzinfo=dt.UTC), "rule": BASE_RULE,
    }).rowcount, 0)


def usable(conn: Connection, *, t0: dt.datetime, t1: dt.datetime, level: str,
           category: str | None, now: dt.datetime, timezone: str | None) -> str | None:
    """Whether the roll-up answers ``level`` for ``[t0, t1)``: ``'rows'`` for a kept month
    with nothing of it queued and ``now`` past every response limit still open in it;
    ``'empty'`` for a local month of a kept ``timezone`` that is not kept (no fact has a
    time in it); else None."""
    return conn.execute(text("""
        SELECT CASE
          WHEN EXISTS (SELECT 1 FROM eval_rollup_months WHERE t0 = :t0 AND t1 = :t1)
          THEN CASE WHEN NOT EXISTS (SELECT 1 FROM eval_rollup_dirty
                                      WHERE t0 = :t0 AND level IN (:level, 'total'))
                     AND coalesce((SELECT pending_until FROM eval_rollup WHERE t0 = :t0
                                      AND level = 'total' AND unit = ''
                                      AND category = :category), '-infinity') <= :now
                    THEN 'rows' END
          WHEN EXISTS (SELECT 1 FROM eval_rollup_zones WHERE timezone = :tz)
               AND NOT EXISTS (SELECT 1 FROM eval_rollup_months WHERE t0 < :t1 AND t1 > :t0)
          THEN 'empty' END"""),
        {"t0": t0, "t1": t1, "level": level, "category": category or "", "now": now,
         "tz": timezone}).scalar()


def read(conn: Connection, *, t0: dt.datetime, level: str,
         category: str | None) -> list[tuple[str | None, dict]]:
    """The month's rows of ``level`` and its totals: ``(unit code, None for the totals;
    sums)``, ``sums`` as stored (``{key or key@rule: [numerator, denominator, extra]}``;
    parsed from JSON by the driver, not taken apart in SQL)."""
    return [(unit, sums) for unit, sums in conn.execute(text("""
        SELECT CASE WHEN r.level = 'total' THEN NULL ELSE r.unit END, r.sums
          FROM eval_rollup r
         WHERE r.t0 = :t0 AND r.level IN (:level, 'total') AND r.category = :category"""),
        {"t0": t0, "level": level, "category": category or ""})]


def keep(conn: Connection, timezone: str) -> int:
    """Keep a roll-up in ``timezone`` (local months): every month the facts have is kept
    and queued whole; months kept from then on as facts arrive in them. How many."""
    conn.execute(text("INSERT INTO eval_rollup_zones (timezone) VALUES (:tz)"
                      " ON CONFLICT DO NOTHING"), {"tz": timezone})
    # the months of every fact's times, kept and queued whole by the triggers' function
    return conn.execute(text("""
        SELECT eval_rollup_months_of(array_agg(DISTINCT date_trunc('month', x.at
                                               AT TIME ZONE CAST(:tz AS text))), :tz)
          FROM (SELECT min(reported_at) AS a, max(reported_at) AS b FROM incident_facts
                UNION ALL SELECT min(closed_at), max(closed_at) FROM incident_facts
                UNION ALL SELECT min(resolved_at), max(resolved_at) FROM incident_facts) m
         CROSS JOIN LATERAL (SELECT generate_series(m.a, m.b, interval '1 day')
                             UNION ALL SELECT m.b) x(at)"""),
        {"tz": timezone}).scalar() or 0
