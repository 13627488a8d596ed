"""The hotline import phase by phase: ``python -m bench.profile_hotline [rows]``.

Runs the engine ``flask incidents import`` runs (``bench.bench_hotline._ours``: all or
nothing, rolled back) on the bench copy (``GRIDMAP_BENCH_*`` as for ``python -m bench``)
with a file of ``rows`` rows (100,000 or 1,000,000: the bench's own files; another count:
the first rows of the 1,000,000-row file), and prints the seconds of each step of
``geo.incidents.store.imports`` and of the Python side (checks, in-process locating,
staging COPY, the duplicate prefilter), each step's own statements, and the process's CPU.
"""

from __future__ import annotations

import functools
import resource
import sys
import time
from collections import defaultdict

from sqlalchemy import create_engine, event

from bench import bench_hotline as hb
from bench.common import database_url, run_sql
from geo.incidents.imports import load, suspects
from geo.incidents.store import imports as store

TIMES: dict[str, float] = defaultdict(float)
STATEMENTS: dict[str, float] = defaultdict(float)


def _timed(owner, name: str, label: str) -> None:
    inner = getattr(owner, name)

    @functools.wraps(inner)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - started
    setattr(owner, name, wrapper)


def _statement_timer(engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        words = " ".join(statement.split())[:90]
        STATEMENTS[words] += time.perf_counter() - conn.info.pop("started")


def main(rows: int) -> None:
    engine = create_engine(database_url())
    _statement_timer(engine)
    for name in ("create_staging", "reserve_ids", "stage", "drop_repeated",
                 "locate_by_building", "drop_stored", "route", "building_points",
                 "open_incidents", "insert", "write_events", "queue_stats", "drop_staging"):
        _timed(store, name, f"store.{name}")
    _timed(load, "check", "python: checks")
    _timed(load, "_staged_frame", "python: deadlines, locate in process, frame")
    _timed(suspects, "possible", "python: duplicate prefilter")
    path = hb.CSV if rows == hb.ROWS else hb.CSV_1M
    if not path.exists():
        hb.make_csv(engine, path, hb.ROWS if path == hb.CSV else 1_000_000)
    data = path.read_bytes()
    if rows not in (hb.ROWS, 1_000_000):
        data = b"".join(data.splitlines(keepends=True)[:rows + 1])
    run_sql(engine, hb.TIDY)
    cpu = time.process_time()
    seconds, result = hb._ours(engine, data, path.name)
    cpu = time.process_time() - cpu
    print(f"{result.rows:,} rows in {seconds:.1f} s ({result.rows / seconds:,.0f} rows/s);"
          f" process CPU {cpu:.1f} s; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    print(f"loaded {result.loaded}, rejected {len(result.rejected)}, flagged {result.flagged}")
    for label, spent in sorted(TIMES.items(), key=lambda kv: -kv[1]):
        print(f"{spent:8.2f} s  {label}")
    print("statements over 0.1 s:")
    for words, spent in sorted(STATEMENTS.items(), key=lambda kv: -kv[1]):
        if spent >= 0.1:
            print(f"{spent:8.2f} s  {words}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else hb.ROWS)
