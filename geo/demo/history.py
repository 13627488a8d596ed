"""Years of history behind a loaded demo city: the ``province`` size's ten million incidents.

The city generator (``geo.demo.incidents``) draws 90 days in numpy and COPYs them; drawing
ten years the same way would hold ~10 GB of frames in memory. The years before are made
inside PostgreSQL instead, set-based, from those 90 days: quarter ``k`` (k = 1, 2, …, 13
weeks apart so weekdays and hours keep their rhythm) is a sample of the finished (closed or
rejected) incidents, moved ``k × 91`` days back with their history (``incident_events``),
their location and their statistics' facts. So every copied incident has a real path
through the workflow, closure times, a reporter where the original had one, and a location
on the city's buildings; an old quarter holds no open work, as a real archive would not.
Each quarter takes a different sample (a hash of id and quarter), in equal numbers.

Ids: a copy gets ``base + (quarters - k) × span + id``: above every id of the city, and in
order of time among the copies (the archive as if imported after the city went live).
Hotline tickets are renumbered with the copy's id (8 digits: never a city ticket's 7);
field-app client ids and duplicate flags are not copied (they must stay unique, and point
at work of the time).

Written in the caller's transaction, with the secondary indexes of the four tables dropped
and rebuilt after (as ``geo.demo.store`` does), foreign keys not re-checked row by row
(``session_replication_role = replica``: copies of checked rows, remapped to copies), the
outbox trigger silenced by the same switch (history is not news) and the statistics'
triggers told the facts come along (``gridmap.stats_deferred``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from sqlalchemy import Connection, text

from geo.demo.incidents import DAYS
from geo.pg import bulk

QUARTER_DAYS = 91  # 13 weeks
TABLES = ("incidents", "incident_events", "incident_locations", "incident_facts")
_MOD = 10_007  # prime: id × 7919 mod it is uniform over any run of ids
_SAMPLED = "(({col} * 7919 + q.k * 104729) % 10007) < :threshold"
# Quarter q.k's copy of an id, and how far back it moves.
_OFFSET = "(:span + (:quarters - q.k) * :span)"
_SHIFT = "(q.k * 91 * interval '1 day')"
_FINISHED = "status IN ('closed', 'rejected')"


def quarters(years: float) -> int:
    """How many 91-day copies reach back ``years`` before the 90 days of the city.

    >>> quarters(10)
    40
    """
    return max(1, math.ceil((years * 365.25 - DAYS) / QUARTER_DAYS))


def grow(conn: Connection, *, total: int, years: float,
         progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Add history to the loaded city until it holds about ``total`` incidents.

    Parameters
    ----------
    conn : Connection
        In a transaction; the city demo loaded, as a superuser (for
        ``session_replication_role``).
    total : int
        Incidents wanted in all (the city's included); met to within a per mille.
    years : float
        How far back the history reaches.
    progress : callable, optional
        Called with one line per step.

    Returns
    -------
    dict
        Rows added per table.
    """
    say = progress or (lambda _line: None)
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    conn.execute(text("SET LOCAL gridmap.stats_deferred = 'on'"))
    span, finished = conn.execute(text(
        f"SELECT coalesce(max(id), 0), count(*) FILTER (WHERE {_FINISHED}) FROM incidents")).one()
    have = conn.execute(text("SELECT count(*) FROM incidents")).scalar()
    n = quarters(years)
    per_quarter = max(0, total - have) / n
    threshold = min(_MOD, round(per_quarter / max(finished, 1) * _MOD))
    columns = {t: _columns(conn, t) for t in TABLES}
    indexes = _drop_indexes(conn)
    added = {}
    params = {"quarters": n, "threshold": threshold, "span": span}
    for table in TABLES:  # one statement each: every table is read once
        started = time.perf_counter()
        added[table] = conn.execute(text(_copy_sql(table, columns[table])), params).rowcount
        say(f"history: {added[table]:,} rows of {table} over {n} quarters "
            f"({time.perf_counter() - started:.0f} s)")
    _rebuild(conn, indexes, say)
    conn.execute(text("SET LOCAL session_replication_role = origin"))
    conn.execute(text("SET LOCAL gridmap.stats_deferred = 'off'"))
    return added


def _columns(conn: Connection, table: str) -> list[tuple[str, str]]:
    return [tuple(r) for r in conn.execute(text(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position"),
        {"t": table})]


# What a copied column becomes (else: as it was; timestamps: moved back).
_NEW_ID = "t.{col} + " + _OFFSET
_SPECIAL = {
    "incidents": {
        "id": _NEW_ID,
        "external_id": ("CASE WHEN t.external_id IS NOT NULL THEN '12345-' || extract(year FROM"
                        f" (t.reported_at - {_SHIFT}) AT TIME ZONE 'Asia/Shanghai')::int"
                        f" || '-' || lpad((t.id + {_OFFSET})::text, 8, '0') END"),
        "client_id": "NULL", "duplicate_of_id": "NULL", "anonymised_at": "NULL",
        # the incident it was merged into, if that was copied too
        "merged_into_id": (f"(SELECT m.id + {_OFFSET} FROM incidents m"
                           f" WHERE m.id = t.merged_into_id AND m.{_FINISHED}"
                           f" AND {_SAMPLED.format(col='m.id')})"),
    },
    "incident_events": {"id": None, "incident_id": _NEW_ID, "client_id": "NULL"},
    "incident_locations": {"incident_id": _NEW_ID},
    "incident_facts": {"incident_id": _NEW_ID},
}


def _copy_sql(table: str, columns: list[tuple[str, str]]) -> str:
    special = _SPECIAL[table]
    names, values = [], []
    for name, kind in columns:
        rule = special.get(name, "")
        if rule is None:  # a serial id: the sequence gives it
            continue
        names.append(name)
        if rule:
            values.append(rule.format(col=name))
        elif kind.startswith("timestamp"):
            values.append(f"t.{name} - {_SHIFT}")
        else:
            values.append(f"t.{name}")
    # The city's finished incidents, each sampled for some quarters.
    quarters = "CROSS JOIN generate_series(1, :quarters) AS q(k)"
    if table == "incidents":
        source = f"incidents t {quarters} WHERE t.{_FINISHED} AND {_SAMPLED.format(col='t.id')}"
    else:
        source = (f"{table} t JOIN incidents i ON i.id = t.incident_id {quarters}"
                  f" WHERE i.{_FINISHED} AND {_SAMPLED.format(col='i.id')}")
    return f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)} FROM {source}"


def _drop_indexes(conn: Connection) -> list[tuple[str, str]]:
    """Drop the four tables' indexes not behind a constraint; (table, DDL) to rebuild them."""
    return [(row.tbl, row.ddl) for row in bulk.drop_indexes(conn, TABLES)]


def _rebuild(conn: Connection, indexes: list[tuple[str, str]], say) -> None:
    started = time.perf_counter()
    for _table, ddl in indexes:
        conn.execute(text(ddl))
    for table in TABLES:
        conn.execute(text(f"ANALYZE {table}"))
    conn.execute(text("SELECT setval(pg_get_serial_sequence('incidents', 'id'),"
                      " (SELECT max(id) FROM incidents) + 1, false)"))
    say(f"history: {len(indexes)} indexes rebuilt ({time.perf_counter() - started:.0f} s)")
