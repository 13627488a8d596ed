"""The session settings every connection of the application gets: the statement timeout
(``STATEMENT_TIMEOUT_MS``) and UTC.

Connected directly, they travel in each connection's startup ``options``
(``-c statement_timeout=…``; :func:`connect_args`). PgBouncer refuses that startup
parameter, and in transaction pooling a ``SET`` would stay behind on a server connection
the pooler hands to someone else; a ``SET LOCAL`` per transaction would miss the
autocommit engines of ``app.plumbing.readdb`` (no transaction to begin) and cost a round
trip each time. So with ``DATABASE_POOLED`` they are the application role's defaults in
its database (``ALTER ROLE … IN DATABASE … SET``, :func:`apply`), made by
``flask db upgrade`` (migrations/env.py): PostgreSQL applies them when any session of
that role starts, through the pooler or on a replica (the catalog is replicated).

Not always, because the defaults reach every session of the role: where the application
connects as the superuser (development, the tests, the benchmarks) an operator's psql
or a benchmark's plain tool would get the 15 s limit too. A role that may not change its
own defaults gets a warning and keeps what the database administrator set.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import Connection, Engine, event, text

from geo.pg.prepared import PLAIN

log = logging.getLogger(__name__)


def settings(config: Mapping) -> dict[str, str]:
    return {"statement_timeout": str(int(config["STATEMENT_TIMEOUT_MS"])), "timezone": "UTC"}


def engine_options(config: Mapping) -> dict:
    """The ORM engine's options: the settings in ``connect_args``; behind a pooler, no
    pre-ping. A pre-ping (``SELECT 1`` at each checkout, a round trip per request) there
    would test only the hop to PgBouncer, whose client connections outlive a database
    restart: PgBouncer tests its own server connections (``server_check_query``). If the
    pooler itself restarts, the first statement on each stale connection fails and
    SQLAlchemy discards that process's pool (one error per worker)."""
    options = {**config["SQLALCHEMY_ENGINE_OPTIONS"], "connect_args": connect_args(config)}
    if config["DATABASE_POOLED"]:
        options["pool_pre_ping"] = False
    return options


def connect_args(config: Mapping) -> dict:
    """The driver's connect arguments: the settings as startup options, unless pooled."""
    args = dict(config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {}))
    args.pop("options", None)
    if not config["DATABASE_POOLED"]:
        args["options"] = " ".join(f"-c {k}={v}" for k, v in settings(config).items())
    return args


def upgraded(conn: Connection, config: Mapping) -> None:
    """After ``flask db upgrade``: behind a pooler, the settings become the role's."""
    if config["DATABASE_POOLED"]:
        apply(conn, config)


def apply(conn: Connection, config: Mapping) -> None:
    """Make ``settings`` the current role's defaults in the current database."""
    database = conn.execute(text("SELECT quote_ident(current_database())")).scalar_one()
    try:
        with conn.begin_nested():
            for name, value in settings(config).items():
                quoted = conn.execute(text("SELECT quote_literal(:v)"), {"v": value}).scalar_one()
                conn.exec_driver_sql(
                    f"ALTER ROLE CURRENT_USER IN DATABASE {database} SET {name} = {quoted}")
    except Exception as err:  # permission: the DBA's own settings stay
        log.warning("could not set the role's session defaults (%s): %s", settings(config), err)


def mark_pooled(engine: Engine) -> None:
    """Connections of ``engine`` go through a transaction pooler: no SQL-level PREPARE."""

    @event.listens_for(engine, "connect")
    def plain(dbapi_connection, record):
        record.info[PLAIN] = True
