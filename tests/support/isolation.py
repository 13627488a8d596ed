"""How tests are kept apart: by default a rollback, for ``commits`` tests a TRUNCATE.

**Rollback** (:func:`joined`) is SQLAlchemy 2.0's "Joining a Session into an External
Transaction" recipe, extended to the app's one-statement engines. One connection opens an
outer transaction and everything the app does in the test runs on it:

- ``db.session`` is bound to it with ``join_transaction_mode="create_savepoint"``, so the
  app's commits and rollbacks are savepoints released or rolled back inside the outer
  transaction; the session is removed after every request, as a request's own application
  context would remove it (work a request forgot to commit is gone before the test looks).
- the read and one-statement engines of :mod:`app.plumbing.readdb` (autocommit engines with
  connections of their own) are replaced by an engine whose every connection is this one:
  each statement runs in a savepoint of its own, so a failing statement leaves the outer
  transaction usable as it would in autocommit; its COMMIT and ROLLBACK do nothing.

At the end the outer transaction is rolled back: nothing the test did was committed, and
no other connection could see it. What it cannot give: ``now()`` is the same for the whole
test (one transaction), ``ON COMMIT DROP`` tables live until the end of the test, sequences
move on (ids do not start at 1), and nothing is visible to another connection, thread or
process. A test that needs any of those is marked ``commits``; a commit through the app's
engine during a rolled-back test fails it (see :attr:`Joined.commits_elsewhere`).

**TRUNCATE** (:func:`truncate`) empties the tables the tests fill, read from the database
(:func:`app_tables`), and restarts their sequences.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import Flask, request_tearing_down
from flask_sqlalchemy.session import Session
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

SAVEPOINT = "gridmap_test_statement"
DEADLOCK = "40P01"  # PostgreSQL's SQLSTATE for deadlock_detected


@dataclass(frozen=True)
class Tables:
    """The tables tests fill, and the sequences of their ids."""

    names: tuple[str, ...]
    sequences: tuple[str, ...]


def app_tables(conn: Connection) -> Tables:
    """All tables of the public schema but PostGIS's and Alembic's, and but those the
    migrations fill (reference data such as the categories, left as they are)."""
    names = conn.scalars(text(
        "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'"
        " AND tablename NOT IN ('alembic_version', 'spatial_ref_sys') ORDER BY 1")).all()
    empty = tuple(n for n in names if not conn.scalar(text(f"SELECT EXISTS (TABLE {n})")))
    # The sequences those tables own (serial 'a', identity 'i'), as TRUNCATE ... RESTART
    # IDENTITY would restart them.
    sequences = conn.scalars(text(
        "SELECT quote_ident(s.relname) FROM pg_class s"
        " JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid"
        " AND d.deptype IN ('a', 'i') JOIN pg_class t ON t.oid = d.refobjid"
        " WHERE s.relkind = 'S' AND t.relnamespace = 'public'::regnamespace"
        " AND quote_ident(t.relname) = ANY(:names) ORDER BY 1"), {"names": list(empty)}).all()
    return Tables(empty, tuple(sequences))


def truncate(engine: Engine, tables: Tables, attempts: int = 5) -> None:
    """Empty ``tables``. A request a browser test left in flight (a page still loading its
    queue when the test ended) can hold a table TRUNCATE needs while waiting for one
    TRUNCATE holds: PostgreSQL then cancels one of the two as a deadlock. When it cancels
    the TRUNCATE, wait for the request to finish and try again, rather than leave the
    test's rows behind for the next test."""
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                conn.execute(text(
                    f"TRUNCATE {', '.join(tables.names)} RESTART IDENTITY CASCADE"))
            return
        except DBAPIError as error:
            if attempt == attempts or getattr(error.orig, "pgcode", None) != DEADLOCK:
                raise
            time.sleep(0.2 * attempt)


def restart_sequences(engine: Engine, tables: Tables) -> None:
    """Ids from 1 again, after rolled-back tests moved the sequences on."""
    with engine.begin() as conn:
        conn.exec_driver_sql("; ".join(f"ALTER SEQUENCE {s} RESTART" for s in tables.sequences))


class JoinedSession(Session):
    """Flask-SQLAlchemy's session, but always on the test's connection (its ``get_bind``
    would otherwise pick the app's engine and leave the outer transaction)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


class StatementEngine:
    """An engine whose every connection is the current test's connection, each statement
    in a savepoint of its own, and whose COMMIT and ROLLBACK leave the outer transaction
    alone. One per database for the run (making an engine costs its dialect's first-connect
    queries); :meth:`join` points it at a test's connection."""

    def __init__(self, url) -> None:
        self.connection: Connection | None = None
        self.engine = engine = create_engine(
            url, poolclass=StaticPool, pool_reset_on_return=None,
            creator=lambda: self.connection.connection.dbapi_connection)
        engine.dialect.do_commit = engine.dialect.do_rollback = lambda dbapi_connection: None
        self._sent: list[str] = []  # the statement whose savepoint is open
        event.listen(engine, "checkout", self._same_info)
        event.listen(engine, "before_cursor_execute", self._open)
        event.listen(engine, "after_cursor_execute", self._release)
        event.listen(engine, "handle_error", self._undo)

    def join(self, connection: Connection) -> Engine:
        """Hand out ``connection`` from now on (a fresh pool: the old one held the last)."""
        self.connection = connection
        self.engine.dispose(close=False)
        return self.engine

    def _run(self, sql: str) -> None:
        with self.connection.connection.dbapi_connection.cursor() as cursor:
            cursor.execute(sql)

    def _same_info(self, dbapi_connection, record, proxy):
        # What the app remembers per database connection (its prepared statements) is
        # kept in the pool record's info: share the outer connection's.
        record.info = self.connection.connection.info

    def _open(self, conn, cursor, statement, parameters, context, executemany):
        self._run(f"SAVEPOINT {SAVEPOINT}")
        self._sent.append(statement)

    def _release(self, conn, cursor, statement, parameters, context, executemany):
        self._sent.clear()
        self._run(f"RELEASE SAVEPOINT {SAVEPOINT}")

    def _undo(self, context):
        if self._sent:
            self._sent.clear()
            self._run(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}")


_statement_engines: dict[str, StatementEngine] = {}


@dataclass
class Joined:
    engine: Engine
    """The statement engine: its connections are the test's connection."""
    commits_elsewhere: list[str] = field(default_factory=list)
    """Commits made through the app's engine on another connection during the test."""


@contextmanager
def joined(app: Flask) -> Iterator[Joined]:
    """Run the app on one connection in an outer transaction rolled back at the end."""
    from app.extensions import db
    from app.plumbing import readdb

    connection = db.engine.connect()
    outer = connection.begin()
    url = connection.engine.url
    where = url.render_as_string(hide_password=False)
    if where not in _statement_engines:
        _statement_engines[where] = StatementEngine(url)
    state = Joined(_statement_engines[where].join(connection))
    saved_session = db.session
    saved_engines = {key: app.extensions[key] for key in (readdb.KEY, readdb.PRIMARY)}
    db.session = db._make_scoped_session({"class_": JoinedSession, "bind": connection,
                                          "join_transaction_mode": "create_savepoint"})
    app.extensions.update(dict.fromkeys(saved_engines, state.engine))

    def end_session(sender, **extra):
        db.session.remove()

    def committed(conn):
        state.commits_elsewhere.append(repr(conn))

    request_tearing_down.connect(end_session, app)
    event.listen(db.engine, "commit", committed)
    try:
        yield state
    finally:
        event.remove(db.engine, "commit", committed)
        request_tearing_down.disconnect(end_session, app)
        db.session.remove()
        db.session = saved_session
        app.extensions.update(saved_engines)
        readdb.release_held(state.engine)  # read_held keeps one between requests
        state.engine.dispose(close=False)
        outer.rollback()
        connection.close()
