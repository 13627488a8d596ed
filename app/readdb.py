"""The read-only path: one engine every read query goes through (point it at a replica
with ``READ_DATABASE_URL``).

Reads run in autocommit (no BEGIN, no ROLLBACK on return) and without a pre-ping: on the
hottest path (the lookup) those are three round trips around the one that matters.
Recovery after a database restart comes instead from one retry when a query finds its
connection dead (SQLAlchemy then discards the whole stale pool).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import psycopg2
from flask import Flask, current_app
from sqlalchemy import Connection, create_engine
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")
KEY = "gridmap_read_engine"


def init_app(app: Flask) -> None:
    from app.config import normalize_url

    url = (normalize_url(app.config.get("READ_DATABASE_URL"))
           or app.config["SQLALCHEMY_DATABASE_URI"])
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    app.extensions[KEY] = create_engine(
        url, isolation_level="AUTOCOMMIT", pool_size=8, max_overflow=8,
        pool_recycle=options.get("pool_recycle", 1800),
        connect_args=options.get("connect_args", {}))


def read(query: Callable[[Connection], T]) -> T:
    """Run ``query(conn)`` on the read engine, once more if the connection was dead."""
    engine = current_app.extensions[KEY]
    try:
        return _run(engine, query)
    except DBAPIError as err:
        if not err.connection_invalidated:
            raise
    return _run(engine, query)


def _run(engine, query: Callable[[Connection], T]) -> T:
    with engine.connect() as conn:
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
    app.extensions[KEY].dispose(close=False)
