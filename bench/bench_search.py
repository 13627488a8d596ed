"""The dispatcher's word search (issue 24): ``geo.incidents.store.reads.incidents`` with
``q`` as the queue calls it (order=due, a page of 50, a dispatcher who sees reporters),
over open work and over every status, for a rare and a common two-character word, three-
and four-character words and a phone; and an insert of 100,000 incidents.

"gridmap" is the search as it is (``reads.WORD``: the pieces index, then the exact
``ILIKE``); the plain tool, in the same run, is the same search with ``ILIKE`` alone
(PostgreSQL with whatever other index it has for it: none once 0023_bigram replaced the
trigram indexes, so it reads the table or walks ``ix_incidents_reported_at``). Each row's
notes carry EXPLAIN (ANALYZE, BUFFERS) of the search's capped statement (the newest
SEARCH_CAP + 1 matches): the scans of ``incidents``, the rows they read and the buffers.

The word indexes: built on the 1M incidents, then 100,000 incidents (copies, no ticket, no
client id) inserted, in one transaction rolled back: the pieces indexes (0024_pieces)
against pg_trgm's (and neither), on the same table in the same run.
"""

from __future__ import annotations

import json
import statistics
import time

from sqlalchemy import Engine, event, text

from bench.common import Row

# (label, word or "phone"); the demo's descriptions are 22 sentences, its addresses
# street + number: 积水 occurs nowhere, 宫西 in ~260 addresses, 路灯 in 1 description in 25.
CASES = (("rare 2-char word, no match", "积水"), ("rare 2-char word, ~260 addresses", "宫西"),
         ("common 2-char word", "路灯"), ("3-char word", "雨水口"), ("4-char word", "消防通道"),
         ("1-char word", "灯"), ("phone", "phone"))
WORD_INDEXES = ("ix_incidents_description_pieces", "ix_incidents_address_pieces",
                "ix_incidents_description_trgm", "ix_incidents_address_trgm")
INSERTED = 100_000


def run(engine: Engine, reps: int) -> list[Row]:
    from geo.core.statuses import OPEN
    from geo.incidents.store import reads

    statuses = (("open", tuple(OPEN)), ("every status", None))
    with engine.connect() as conn:
        phone = conn.execute(text(
            "SELECT reporter_phone FROM incidents WHERE reporter_phone IS NOT NULL"
            " ORDER BY id DESC LIMIT 1")).scalar() or "13800000000"
    rows = []
    for status_label, status in statuses:
        for label, word in CASES:
            q = phone if word == "phone" else word
            ours, plain, plan = _measure(engine, reads, q, status, max(reps, 1) * 3)
            a, b = statistics.median(ours), statistics.median(plain) if plain else None
            rows.append(Row(
                f"search {status_label}: {label} ({q})", f"{a:.0f} ms",
                f"{b:.0f} ms (ILIKE alone)" if b else "-",
                f"{b / a:.1f}x faster" if b else "-", "not slower", (a <= 1.2 * b) if b else None,
                [f"median of {len(ours)}; plan of the capped statement: {plan}"]))
    rows.extend(_insert(engine, reps))
    return rows


def _measure(engine: Engine, reads, q: str, status, times: int):
    with engine.connect() as conn:
        statements: list = []

        def keep(conn_, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", keep)
        try:
            _search(conn, reads, q, status)  # warm; and the statements it runs
        finally:
            event.remove(engine, "before_cursor_execute", keep)
        plan = _plan(conn, *statements[0])
        ours, plain = [], []
        word = getattr(reads, "WORD", None)
        for _ in range(times):
            ours.append(_timed(lambda: _search(conn, reads, q, status)))
            if word is None:
                continue
            reads.WORD = "{col} ILIKE :q_like"
            try:
                plain.append(_timed(lambda: _search(conn, reads, q, status)))
            finally:
                reads.WORD = word
        conn.rollback()
    return ours, plain, plan


def _search(conn, reads, q, status):
    return reads.incidents(conn, None, with_reporter=True, status=status, order="due",
                           search=q, limit=50)


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _plan(conn, statement: str, parameters) -> str:
    raw = conn.connection.dbapi_connection.cursor()
    raw.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters)
    plan = raw.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    top = plan[0]["Plan"]
    scans = []

    def walk(node):
        if node.get("Relation Name") == "incidents" or "Index Name" in node and \
                "incidents" in node.get("Index Name", ""):
            loops = node.get("Actual Loops", 1)
            read = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                    + node.get("Rows Removed by Index Recheck", 0)) * loops
            scans.append(f"{node['Node Type']}"
                         f"{' ' + node['Index Name'] if 'Index Name' in node else ''}"
                         f" {read:,} rows")
        for child in node.get("Plans", []):
            walk(child)

    walk(top)
    buffers = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
    return (f"{plan[0]['Execution Time']:.0f} ms, {buffers:,} buffers, "
            f"{top.get('Actual Rows', 0):,} kept; " + "; ".join(scans))


def _insert(engine: Engine, reps: int) -> list[Row]:
    """The word indexes built, then 100,000 incidents inserted, each in a transaction
    rolled back: pieces against trigram (and neither), alternating, so that each build and
    insert starts from the same table and a fresh index."""
    with engine.connect() as conn:
        present = list(conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'incidents'"
            " AND indexname = ANY(:names)"), {"names": list(WORD_INDEXES)}).scalars())
    times: dict[str, list[tuple[float, float]]] = {kind: [] for kind in BUILDS}
    for _ in range(max(reps, 1)):
        for kind, ddl in BUILDS.items():
            times[kind].append(_insert_once(engine, present, ddl))
    build = {kind: statistics.median(t[0] for t in runs) for kind, runs in times.items()}
    insert = {kind: statistics.median(t[1] for t in runs) for kind, runs in times.items()}
    notes = [f"insert without word indexes {insert['none']:.1f} s; runs (build, insert): "
             + "; ".join(f"{k} " + ", ".join(f"({b:.1f}, {i:.1f})" for b, i in runs)
                         for k, runs in times.items())]
    return [Row("build the word indexes of 1M incidents (pieces vs trigram)",
                f"{build['pieces']:.1f} s", f"{build['trigram']:.1f} s (pg_trgm)",
                f"{build['pieces'] / build['trigram']:.2f}x the time", "-", None, notes),
            Row(f"insert {INSERTED:,} incidents with the word indexes (pieces vs trigram)",
                f"{insert['pieces']:.1f} s", f"{insert['trigram']:.1f} s (pg_trgm)",
                f"{insert['pieces'] / insert['trigram']:.2f}x the time", "-", None, notes)]


BUILDS = {
    "none": [],
    "trigram": [f"CREATE INDEX bench_{c}_trgm ON incidents USING gin ({c} gin_trgm_ops)"
                for c in ("description", "address")],
    "pieces": [f"CREATE INDEX bench_{c}_pieces ON incidents USING gin (text_pieces({c}))"
               for c in ("description", "address")]}


def _insert_once(engine: Engine, dropped, ddl) -> tuple[float, float]:
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            for name in dropped:
                conn.execute(text(f"DROP INDEX {name}"))
            started = time.perf_counter()
            for statement in ddl:
                conn.execute(text(statement))
            built = time.perf_counter() - started
            started = time.perf_counter()
            conn.execute(text(f"""
                INSERT INTO incidents (category, description, address, source, reported_at,
                                       status, priority, geom, reporter_name, reporter_phone)
                SELECT category, description, address, source, reported_at, status, priority,
                       geom, reporter_name, reporter_phone
                  FROM incidents ORDER BY id LIMIT {INSERTED}"""))
            return built, time.perf_counter() - started
        finally:
            trans.rollback()
