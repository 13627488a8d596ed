"""Every SQL statement of the evaluation (``geo.stats.evaluation``), one function per question.

The sums are one statement per family of indicators (``geo.stats.indicators.FAMILIES``):
``count(*) FILTER`` per numerator and denominator, over ``incident_facts`` rows whose
anchor time is in the period, grouped by the unit's code (and the month, for a trend) with
a grouping set for the totals. The predicates are the indicator table's, so the drill-down
to the incidents behind a number uses the same words as the number.

Unit codes: a street's ``street_code``, a community's or grid's code (an incident counts
under the grid version it was located in, shown under the current grid with its code), a
worker's or department's id as text. Scopes are sorted lists of community ids or None.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, RowMapping, text

from geo.stats.indicators import FAMILIES, INDICATORS, Indicator

# level → (joins after "incident_facts f", the unit's code to group by). Codes are digits:
# grouped in the "C" collation (a byte compare; the database's linguistic collation makes
# the sort of a month's facts several times slower); ids as integers.
KEYS = {
    "street": ("LEFT JOIN communities c ON c.id = f.community_id",
               'c.street_code COLLATE "C"'),
    "community": ("LEFT JOIN communities c ON c.id = f.community_id", 'c.code COLLATE "C"'),
    "grid": ("LEFT JOIN grids v ON v.id = f.grid_id", 'v.code COLLATE "C"'),
    "worker": ("", "f.assignee_id"),
    "department": ("", "f.department_id"),
}
_FILTER = ("(CAST(:category AS text) IS NULL OR f.category = :category)"
           " AND (CAST(:scope AS int[]) IS NULL OR f.community_id = ANY(:scope))")


def _in_period(family: str) -> str:
    anchor, where = FAMILIES[family]
    return f"({where} AND f.{anchor} >= :t0 AND f.{anchor} < :t1)"


def _aggregates(ind: Indicator, i: int, p90: bool = True) -> list[str]:
    fam = _in_period(ind.family)
    num, den = f"{fam} AND {ind.numerator}", f"{fam} AND {ind.denominator}"
    out = [f"count(*) FILTER (WHERE {den}) AS d{i}"]
    if ind.kind == "hours" and ind.percentile is None:
        out.append(f"sum(f.{ind.column}) FILTER (WHERE {num}) / 3600.0 AS n{i}")
    else:
        out.append(f"count(*) FILTER (WHERE {num}) AS n{i}")
    if ind.percentile is not None and p90:
        out.append(f"percentile_cont({ind.percentile}) WITHIN GROUP (ORDER BY"
                   f" f.{ind.column} / 3600.0) FILTER (WHERE {num}) AS x{i}")
    elif ind.column is not None and ind.kind == "count":
        out.append(f"sum(f.{ind.column}) FILTER (WHERE {num}) AS x{i}")
    return out


def family_sums(conn: Connection, *, family: str | None, level: str, t0: dt.datetime,
                t1: dt.datetime, category: str | None, scope: list[int] | None,
                now: dt.datetime, rule: str, monthly_tz: str | None = None,
                asked: tuple[str, ...] | None = None
                ) -> tuple[list[Indicator], list[RowMapping]]:
    """The family's indicators (None: every family's, in one pass over the facts; not
    monthly) and, per unit code (``key``, a worker's or department's id as an integer;
    None: no unit) and month (``bucket``, ``YYYY-MM`` in ``monthly_tz``; '' when not
    monthly), their ``n<i>``, ``d<i>`` (and ``x<i>``: a p90, a sum) in the indicators'
    order; rows with ``total`` true are the totals over every unit; ``asked``: the
    indicators whose p90 is wanted (None: all; the others' sorts are left out, their
    ``x<i>`` missing). Allowed 30 s."""
    families = list(FAMILIES) if family is None else [family]
    inds, sql = sums_sql(level, families, asked=asked, monthly=monthly_tz is not None)
    conn.execute(text("SET LOCAL statement_timeout = '30s'"))
    conn.execute(text("SET LOCAL work_mem = '64MB'"))  # a month's facts sorted in memory
    rows = conn.execute(text(sql), {
        "t0": t0, "t1": t1, "category": category, "scope": scope, "now": now,
        "rule": rule, "tz": monthly_tz}).mappings().all()
    return inds, list(rows)


def sums_sql(level: str, families: list[str], *, asked: tuple[str, ...] | None = None,
             monthly: bool = False, sets: str | None = None, where: str = "",
             extra: tuple[str, ...] = ()) -> tuple[list[Indicator], str]:
    """The one statement of the sums (``family_sums``'s; the monthly roll-up writes its
    rows with it, ``geo.stats.rollup_store``): ``sets`` replaces the grouping sets (the
    unit's code is ``KEY``, the month's ``BUCKET``), ``where`` narrows the facts,
    ``extra`` adds select items."""
    joins, key = KEYS[level]
    inds = [ind for ind in INDICATORS if ind.family in families]
    aggs = ", ".join(a for i, ind in enumerate(inds) for a in _aggregates(
        ind, i, asked is None or ind.key in asked))
    if not monthly:
        bucket, grouped = "''", "(KEY), ()"
    else:
        anchor = FAMILIES[families[0]][0]
        bucket = f"to_char(f.{anchor} AT TIME ZONE CAST(:tz AS text), 'YYYY-MM') COLLATE \"C\""
        grouped = "(KEY, BUCKET), (BUCKET)"
    grouped = sets or grouped
    # grouping sets without the unit (the roll-up's totals): every row is a total
    unit, total = (key, f"GROUPING({key}) = 1") if "KEY" in grouped else ("NULL", "true")
    grouped = grouped.replace("KEY", key).replace("BUCKET", bucket)
    return inds, f"""
        SELECT {unit} AS key, {bucket} AS bucket, {total} AS total,
               {", ".join((*extra, aggs))}
          FROM incident_facts f {joins}
         WHERE ({" OR ".join(_in_period(fam) for fam in families)}) AND {_FILTER} {where}
         GROUP BY GROUPING SETS ({grouped})"""


_UNITS = {
    "street": """
        SELECT c.street_code AS code, min(c.street_name) AS name, NULL::int AS id,
               NULL AS parent_code, NULL AS parent_name
          FROM communities c WHERE c.street_code IS NOT NULL
         GROUP BY c.street_code
        HAVING CAST(:scope AS int[]) IS NULL OR bool_and(c.id = ANY(:scope))""",
    "community": """
        SELECT c.code, c.name, c.id, c.street_code AS parent_code,
               c.street_name AS parent_name
          FROM communities c WHERE CAST(:scope AS int[]) IS NULL OR c.id = ANY(:scope)""",
    "grid": """
        SELECT g.code, g.name, g.id, c.code AS parent_code, c.name AS parent_name
          FROM grids g JOIN communities c ON c.id = g.community_id
         WHERE g.valid_to IS NULL
           AND (CAST(:scope AS int[]) IS NULL OR g.community_id = ANY(:scope))""",
    "worker": """
        SELECT m.id::text AS code, m.name, m.id, c.code AS parent_code,
               c.name AS parent_name
          FROM grid_members m LEFT JOIN communities c ON c.id = m.community_id
         WHERE (m.active OR m.id::text = ANY(:keys))
           AND (CAST(:scope AS int[]) IS NULL OR m.community_id = ANY(:scope))""",
    "department": """
        SELECT d.id::text AS code, d.name, d.id, NULL AS parent_code, NULL AS parent_name
          FROM departments d
         WHERE CASE WHEN CAST(:scope AS int[]) IS NULL THEN d.active OR d.id::text = ANY(:keys)
                    ELSE d.id::text = ANY(:keys) OR d.id IN (
                         SELECT department_id FROM department_communities
                          WHERE community_id = ANY(:scope)) END""",
}


def units(conn: Connection, level: str, scope: list[int] | None,
          keys: list[str]) -> list[RowMapping]:
    """The units of ``level`` the scope sees (``code``, ``name``, ``id``, ``parent_code``,
    ``parent_name``), in code order; ``keys``: codes that have numbers (a worker or
    department no longer active is listed when it has some)."""
    rows = conn.execute(text(_UNITS[level] + " ORDER BY 1"),
                        {"scope": scope, "keys": keys}).mappings().all()
    return list(rows)


def communities_within(conn: Connection, code: str) -> list[int]:
    """The ids of the community with ``code`` (12 digits) or of a street's (9 digits)."""
    column = "street_code" if len(code) == 9 else "code"
    return list(conn.execute(text(f"SELECT id FROM communities WHERE {column} = :c"),
                             {"c": code}).scalars())


def incidents_behind(conn: Connection, *, ind: Indicator, part: str, level: str, unit: str,
                     t0: dt.datetime, t1: dt.datetime, category: str | None,
                     scope: list[int] | None, now: dt.datetime, rule: str,
                     limit: int) -> tuple[int, list[RowMapping]]:
    """How many incidents are counted in ``ind``'s ``part`` (numerator | denominator) for
    the unit ``unit`` of ``level``, and the first ``limit`` of them by id."""
    joins, key = KEYS[level]
    pred = ind.numerator if part == "numerator" else ind.denominator
    conn.execute(text("SET LOCAL statement_timeout = '10s'"))
    rows = conn.execute(text(f"""
        SELECT count(*) OVER () AS total, i.id, i.external_id AS ref, i.category, i.status,
               i.reported_at, i.closed_at, i.due_at, i.address, i.assignee_id, i.department_id,
               cm.code AS community_code, gv.code AS grid_code
          FROM incident_facts f {joins} JOIN incidents i ON i.id = f.incident_id
          LEFT JOIN communities cm ON cm.id = f.community_id
          LEFT JOIN grids gv ON gv.id = f.grid_id
         WHERE {_in_period(ind.family)} AND {_FILTER}
           AND CAST({key} AS text) = :unit AND {pred}
         ORDER BY f.incident_id LIMIT :limit"""),
        {"t0": t0, "t1": t1, "category": category, "scope": scope, "now": now,
         "rule": rule, "unit": unit, "limit": limit}).mappings().all()
    return (rows[0]["total"] if rows else 0), list(rows)
