"""Bulk writes: check foreign keys once per statement instead of once per row.

PostgreSQL checks a foreign key row by row, and each check locks the referenced row; for
a million inserted rows the checks cost more than the insert (10.7 s on top of 6.1 s when
locating the city's incidents). Dropping the constraints is no way out: that takes an
exclusive lock on the *referenced* tables (incidents, grids), stalling every reader.

Instead, where the database role may (superuser, as on the local clusters), the bulk
statement runs with ``session_replication_role = replica`` (the row-by-row triggers are
off, as in ``pg_restore --disable-triggers``) and every foreign key of the table is then
checked in one set-based anti-join before the transaction commits; a violation raises
and rolls everything back. Roles without that right get the ordinary row-by-row checks:
slower, same result. The constraints themselves stay declared throughout.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, text

from geo.core.errors import GridmapError


class IntegrityViolation(GridmapError):
    code = "integrity_violation"


_FOREIGN_KEYS = """
    SELECT con.conname, a.attname AS col, ref.relname AS ref_table, ra.attname AS ref_col
      FROM pg_constraint con
      JOIN pg_class ref ON ref.oid = con.confrelid
      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
      JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
     WHERE con.conrelid = CAST(:t AS regclass) AND con.contype = 'f'
       AND cardinality(con.conkey) = 1
"""


def _may_skip_triggers(conn: Connection) -> bool:
    return bool(conn.execute(text(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar())


@contextmanager
def foreign_keys_checked_once(conn: Connection, table: str, written: Collection[str] = (),
                              rows: str = "TRUE", params: dict | None = None,
                              ) -> Iterator[bool]:
    """Within the block, check ``table``'s foreign keys set-based at the end (see above).

    Yields whether the checks wait for the end of the block: only in a transaction and
    for a role that may turn the row-by-row checks off. Otherwise (autocommit, an
    ordinary role) each row is checked as it is written, so referenced rows go first.

    ``written`` names referenced tables whose rows the caller inserts itself in this
    transaction, taking the referencing values from the very ids it inserts (a bulk load
    writing incidents and their events): those keys hold by construction, and no other
    transaction can delete rows it cannot see yet, so they are not checked again (for a
    million rows that anti-join costs about 0.3 s per table).

    ``rows`` (SQL over the table as ``t``, binding ``params``) limits the checks to the
    rows the block writes, e.g. an id range: a file of 100,000 rows appended to a table
    of two million is checked in its own rows, not in the whole table.

    Every ordinary trigger of ``table`` is off in the block too (only ``ENABLE ALWAYS``
    ones fire): a caller writing to a table with such a trigger does its work itself.
    """
    if not _may_skip_triggers(conn):
        yield False
        return
    keys = conn.execute(text(_FOREIGN_KEYS), {"t": table}).all()
    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    deferred = conn.exec_driver_sql("SHOW session_replication_role").scalar() == "replica"
    try:
        yield deferred
    finally:
        conn.exec_driver_sql("SET LOCAL session_replication_role = origin")
    checked = [key for key in keys if key[2] not in written] if deferred else []
    if not checked:
        return
    orphan = conn.execute(text(_orphans_sql(table, rows, checked)), params or {}).first()
    if orphan is not None:
        name, col, ref_table, _ = checked[orphan[0]]
        raise IntegrityViolation(f"bulk write broke {name}: {table}.{col} = {orphan[1]} "
                                 f"has no row in {ref_table}; nothing was written")


def _orphans_sql(table: str, rows: str, keys: Sequence) -> str:
    """One statement for all of ``keys``' checks: the written rows' key columns are read
    once into a narrow set (a scan of a table's wide rows per key cost 50-100 ms each for
    100,000 rows, eight keys on incidents), then each key's distinct values (a file's
    rows share a few thousand grids or workers) are looked up in the referenced table.
    Yields (the key's index in ``keys``, the orphan value as text) or no row."""
    columns = ", ".join(dict.fromkeys(f"t.{col}" for _, col, _, _ in keys))
    checks = " UNION ALL ".join(
        f"(SELECT {i}, CAST(w.v AS text) FROM (SELECT DISTINCT {col} AS v FROM written"
        f" WHERE {col} IS NOT NULL) w"
        f" WHERE NOT EXISTS (SELECT 1 FROM {ref_table} r WHERE r.{ref_col} = w.v) LIMIT 1)"
        for i, (_, col, ref_table, ref_col) in enumerate(keys))
    return (f"WITH written AS MATERIALIZED (SELECT {columns} FROM {table} t WHERE {rows})"
            f" SELECT * FROM ({checks}) orphans LIMIT 1")


@contextmanager
def indexes_rebuilt(conn: Connection, table: str, names: tuple[str, ...]) -> Iterator[None]:
    """Drop the named indexes for the block and build them again after it.

    An UPDATE that changes an indexed column can never be HOT (rewritten within its
    page); with the indexes on the changing columns gone, and free space in the pages
    (the table's fillfactor), it is, and rebuilding an index afterwards costs a fraction
    of maintaining it row by row. Holds an exclusive lock on ``table`` until commit.
    """
    defs = conn.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes"
        " WHERE tablename = :t AND indexname = ANY(:names) ORDER BY indexname"),
        {"t": table, "names": list(names)}).all()
    for name, _ in defs:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _, definition in defs:
        conn.exec_driver_sql(definition)


# The indexes of some tables that no constraint stands behind (those a load may drop and
# rebuild after, which is faster than keeping them up to date row by row).
_INDEXES = """
    SELECT indrelid::regclass::text AS tbl, indexrelid::regclass::text AS name,
           pg_get_indexdef(indexrelid) AS ddl
      FROM pg_index i
     WHERE indrelid = ANY(CAST(:tables AS regclass[]))
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


def drop_indexes(conn: Connection, tables: Sequence[str]) -> list:
    """Drop the indexes of ``tables`` that no constraint stands behind; returns their rows
    (``tbl``, ``name``, ``ddl``: the statement that builds each again)."""
    indexes = conn.execute(text(_INDEXES), {"tables": list(tables)}).all()
    for index in indexes:
        conn.execute(text(f"DROP INDEX {index.name}"))
    return indexes


# The GIN indexes of a table that the current role may clean (gin_clean_pending_list wants
# the index's owner, as VACUUM does; an index without fastupdate has no list: a no-op).
_GIN = """
    SELECT i.indexrelid::regclass::text
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_am am ON am.oid = c.relam
     WHERE i.indrelid = CAST(:t AS regclass) AND am.amname = 'gin'
       AND pg_has_role(current_user, c.relowner, 'USAGE')
     ORDER BY 1
"""


@contextmanager
def gin_merged_once(conn: Connection, table: str) -> Iterator[None]:
    """Within the block, rows written to ``table`` queue their GIN entries (trigram or
    word pieces indexes of texts) in each index's pending list, and the lists are merged into
    the indexes in one pass at the end of the block (``gin_clean_pending_list``).

    A GIN index takes a row's keys one by one; with ``fastupdate`` they first go to a
    pending list, merged in bulk whenever it exceeds ``gin_pending_list_limit`` (4 MB by
    default: for 100,000 hotline rows, some 20 merges, each walking the posting trees of
    the same keys again). A limit larger than the block writes lets one merge do it all,
    sorted by key, with ``maintenance_work_mem`` to gather the keys in. The merge runs
    before the block returns, so no later statement (or writer in another session) finds
    a long pending list to scan or to merge. While the block runs, a search of the index
    in another session also reads the list, and a writer there whose insert finds it over
    its own limit merges it (as it would have merged its 4 MB share otherwise). An error
    in the block rolls back to a savepoint or aborts the transaction: the queued entries
    point to dead rows, as after any aborted insert. For a role that owns no such index,
    nothing changes: each writer merges as the limit says."""
    indexes = conn.execute(text(_GIN), {"t": table}).scalars().all()
    if not indexes:
        yield
        return
    with _settings_kept(conn, "gin_pending_list_limit", "maintenance_work_mem"):
        conn.exec_driver_sql("SET LOCAL gin_pending_list_limit = 2097151")  # kB: 2 GB
        yield
        conn.exec_driver_sql("SELECT set_config('maintenance_work_mem',"
                             " greatest(setting::bigint, 262144) || 'kB', true)"
                             " FROM pg_settings WHERE name = 'maintenance_work_mem'")  # ≥ 256 MB
        for index in indexes:
            conn.execute(text("SELECT gin_clean_pending_list(CAST(:i AS regclass))"),
                         {"i": index})


@contextmanager
def join_methods_off(conn: Connection, *methods: str) -> Iterator[None]:
    """Within the block, the planner does without the named join methods (``hashjoin``,
    ``mergejoin``, ``nestloop``), where a bulk statement's estimates would mislead it;
    the settings are as before after the block (this transaction's)."""
    names = [f"enable_{m}" for m in methods]
    with _settings_kept(conn, *names):
        for name in names:
            conn.exec_driver_sql(f"SET LOCAL {name} = off")
        yield


@contextmanager
def _settings_kept(conn: Connection, *names: str) -> Iterator[None]:
    """The named settings as they were before the block, after it (for the rest of this
    transaction: what the block set with SET LOCAL does not outlive it)."""
    saved = {name: conn.exec_driver_sql(f"SHOW {name}").scalar() for name in names}
    yield
    for name, value in saved.items():
        conn.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
