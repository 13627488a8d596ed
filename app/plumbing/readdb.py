"""The one-statement paths: an engine every read query goes through (point it at a
replica with ``READ_DATABASE_URL``), and one on the primary for requests whose every
write is a single statement (the account behind a request, an incident's intake).

With a replica, each read asks ``app.plumbing.replica`` first: a replica that is down
or lagging, or one that has not yet replayed the caller's last write (read-your-writes:
the WAL position a signed-in account's write leaves in a cookie), sends the read to the
primary instead; a read that finds the replica unreachable is run again on the primary.

Both run in autocommit (no BEGIN, no COMMIT or ROLLBACK on return) and without a
pre-ping: on the hottest paths those are three round trips around the one that matters,
and a single statement is atomic by itself. Recovery after a database restart comes
instead from one retry when a query finds its connection dead (SQLAlchemy then discards
the whole stale pool); a write is never retried (it may have landed before the
connection died), so a write on a dead connection answers 503.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import psycopg2
from flask import Flask, current_app, g, has_request_context, request
from psycopg2 import errors as pg_errors
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import DBAPIError

from app.plumbing import dbsettings
from app.plumbing import replica as replicas

T = TypeVar("T")
log = logging.getLogger(__name__)
KEY = "gridmap_read_engine"
PRIMARY = "gridmap_primary_autocommit_engine"
REPLICA = "gridmap_replica"  # the replica's state (app.plumbing.replica), when there is one
_held = threading.local()
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def init_app(app: Flask) -> None:
    from app.config import normalize_url

    cfg = app.config
    replica_url = normalize_url(cfg.get("READ_DATABASE_URL"))
    options = cfg["SQLALCHEMY_ENGINE_OPTIONS"]
    connect_args = options.get("connect_args", {})
    read_args = ({**connect_args, "connect_timeout": cfg["READ_CONNECT_TIMEOUT"]}
                 if replica_url else connect_args)
    for key, target, args in ((KEY, replica_url or cfg["SQLALCHEMY_DATABASE_URI"], read_args),
                              (PRIMARY, cfg["SQLALCHEMY_DATABASE_URI"], connect_args)):
        app.extensions[key] = create_engine(
            target, isolation_level="AUTOCOMMIT", pool_size=8, max_overflow=8,
            pool_recycle=options.get("pool_recycle", 1800), connect_args=args)
    if cfg["DATABASE_POOLED"]:
        dbsettings.mark_pooled(app.extensions[PRIMARY])
        if not replica_url:
            dbsettings.mark_pooled(app.extensions[KEY])
    if replica_url:
        app.extensions[REPLICA] = replicas.Replica(
            app.extensions[KEY], max_lag=float(cfg["READ_MAX_LAG_SECONDS"]),
            check_seconds=float(cfg["READ_CHECK_SECONDS"]),
            retry_seconds=float(cfg["READ_RETRY_SECONDS"]))
        app.after_request(_remember_write)


def read(query: Callable[[Connection], T], *, engine_key: str = KEY) -> T:
    """Run ``query(conn)`` on the read engine (the replica when it may serve this
    caller, else the primary), once more if the connection was dead."""
    app = current_app
    replica = app.extensions.get(REPLICA) if engine_key == KEY else None
    if replica is not None:
        if replica.usable(_written_lsn()):
            try:
                return _retried(app.extensions[KEY], query)
            except DBAPIError as err:
                if not _unreachable(err):
                    raise
                replica.failed(err)
        engine_key = PRIMARY
    return _retried(app.extensions[engine_key], query)


def _retried(engine, query: Callable[[Connection], T]) -> T:
    try:
        return _run(engine, query)
    except DBAPIError as err:
        if not err.connection_invalidated:
            raise
    return _run(engine, query)


def _unreachable(err: DBAPIError) -> bool:
    """A replica that cannot serve (gone, restarting, refusing), not a bad statement or a
    timeout: the primary may answer."""
    orig = err.orig
    return err.connection_invalidated or (
        isinstance(orig, psycopg2.OperationalError)
        and not isinstance(orig, pg_errors.QueryCanceled))


def _written_lsn() -> int:
    """The WAL position of this caller's last write (read-your-writes), 0 for none."""
    if not has_request_context():
        return 0
    return replicas.lsn_number(request.cookies.get(replicas.COOKIE))


def _remember_write(response):
    """After a signed-in account's write, the primary's WAL position goes in a cookie:
    that account reads from the primary until the replica has replayed it."""
    user = g.get("_login_user")
    if (request.method in _WRITES and response.status_code < 400
            and getattr(user, "is_authenticated", False)):
        try:
            lsn = read_primary(lambda conn: conn.execute(
                text("SELECT pg_current_wal_insert_lsn()::text")).scalar_one())
        except DBAPIError:  # the write is done: its author may read a stale page once
            log.warning("read-your-writes: the primary's WAL position is unknown",
                        exc_info=True)
            return response
        response.set_cookie(replicas.COOKIE, lsn, max_age=replicas.COOKIE_SECONDS,
                            httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure)
    return response


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
    ``app`` is for callers outside an application context (app.api.places.fastlookup).
    The public lookup: the replica whenever it is up and not lagging (no read-your-writes)."""
    app = app or current_app
    replica = app.extensions.get(REPLICA)
    if replica is not None and replica.usable():
        try:
            return _held_run(app.extensions[KEY], query)
        except DBAPIError as err:
            if not _unreachable(err):
                raise
            replica.failed(err)
        return _held_run(app.extensions[PRIMARY], query)
    return _held_run(app.extensions[KEY if replica is None else PRIMARY], query)


def _held_run(engine, query: Callable[[Connection], T]) -> T:
    """``query`` on this thread's held connection of ``engine`` (one per engine)."""
    held = _held.__dict__.setdefault("conns", {})
    for attempt in (1, 2):
        conn = held.get(id(engine))
        if conn is None or conn.engine is not engine or conn.closed:
            if conn is not None:
                conn.close()
            conn = held[id(engine)] = engine.connect()
        try:
            return _guarded(conn, engine, query)
        except DBAPIError as err:
            held.pop(id(engine), None)
            conn.close()
            if attempt == 2 or not err.connection_invalidated:
                raise
    raise AssertionError("unreachable")


def release_held(engine) -> None:
    """Close this thread's held connection of ``engine`` (tests swap engines)."""
    conn = _held.__dict__.get("conns", {}).pop(id(engine), None)
    if conn is not None:
        conn.close()


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
    _held.conns = {}
    app.extensions[KEY].dispose(close=False)
    app.extensions[PRIMARY].dispose(close=False)
