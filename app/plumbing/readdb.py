"""The one-statement paths: an engine every read query goes through (point it at a
replica with ``READ_DATABASE_URL``), and one on the primary for requests whose every
write is a single statement (the account behind a request, an incident's intake).

Both run in autocommit (no BEGIN, no COMMIT or ROLLBACK on return) and without a
pre-ping: on the hottest paths those are three round trips around the one that matters,
and a single statement is atomic by itself. Recovery after a database restart comes
instead from one retry when a query finds its connection dead (SQLAlchemy then discards
the whole stale pool); a write is never retried (it may have landed before the
connection died), so a write on a dead connection answers 503.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import psycopg2
from flask import Flask, current_app
from sqlalchemy import Connection, create_engine
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")
KEY = "gridmap_read_engine"
PRIMARY = "gridmap_primary_autocommit_engine"
_held = threading.local()


def init_app(app: Flask) -> None:
    from app.config import normalize_url

    url = (normalize_url(app.config.get("READ_DATABASE_URL"))
           or app.config["SQLALCHEMY_DATABASE_URI"])
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    for key, target in ((KEY, url), (PRIMARY, app.config["SQLALCHEMY_DATABASE_URI"])):
        app.extensions[key] = create_engine(
            target, isolation_level="AUTOCOMMIT", pool_size=8, max_overflow=8,
            pool_recycle=options.get("pool_recycle", 1800),
            connect_args=options.get("connect_args", {}))


def read(query: Callable[[Connection], T], *, engine_key: str = KEY) -> T:
    """Run ``query(conn)`` on the read engine, once more if the connection was dead."""
    engine = current_app.extensions[engine_key]
    try:
        return _run(engine, query)
    except DBAPIError as err:
        if not err.connection_invalidated:
            raise
    return _run(engine, query)


def read_primary(query: Callable[[Connection], T]) -> T:
    """``read`` on the primary: for what must see the latest writes (who holds a token)."""
    return read(query, engine_key=PRIMARY)


def write_statements(work: Callable[[Connection], T]) -> T:
    """Run ``work(conn)`` on the primary in autocommit: each statement it sends commits
    by itself, so it must make each change in one statement. Not retried."""
    with current_app.extensions[PRIMARY].connect() as conn:
        return _guarded(conn, current_app.extensions[PRIMARY], work)


def read_held(query: Callable[[Connection], T], app: Flask | None = None) -> T:
    """``read`` on a connection this thread keeps between requests: for the hottest
    public query, where checking a connection out of the pool and back in costs a
    noticeable share of the request. Same retry when the connection has died.
    ``app`` is for callers outside an application context (app.api.places.fastlookup)."""
    engine = (app or current_app).extensions[KEY]
    for attempt in (1, 2):
        conn = getattr(_held, "conn", None)
        if conn is None or conn.engine is not engine or conn.closed:
            if conn is not None:
                conn.close()
            conn = _held.conn = engine.connect()
        try:
            return _guarded(conn, engine, query)
        except DBAPIError as err:
            _held.conn = None
            conn.close()
            if attempt == 2 or not err.connection_invalidated:
                raise
    raise AssertionError("unreachable")


def _run(engine, query: Callable[[Connection], T]) -> T:
    with engine.connect() as conn:
        return _guarded(conn, engine, query)


def _guarded(conn: Connection, engine, query: Callable[[Connection], T]) -> T:
    try:
        return query(conn)
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as err:
        # Raised by a query that used the driver's cursor directly: do what SQLAlchemy
        # does for its own statements (drop the dead connection, wrap the error).
        dead = conn.closed or conn.connection.dbapi_connection.closed != 0
        if dead:  # its pooled siblings are as dead: start a fresh pool
            conn.invalidate()
            engine.dispose(close=False)
        raise DBAPIError.instance(None, None, err, psycopg2.Error,
                                  connection_invalidated=bool(dead)) from err


def dispose(app: Flask) -> None:
    """After fork: start with an empty pool (connections never cross fork())."""
    _held.conn = None
    app.extensions[KEY].dispose(close=False)
    app.extensions[PRIMARY].dispose(close=False)
