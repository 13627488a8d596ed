"""The session settings every connection of the application gets, kept in the database.

They used to travel in each connection's startup ``options`` (``-c statement_timeout=…``);
PgBouncer refuses that startup parameter, and a ``SET`` would stay behind on a server
connection the pooler then hands to someone else. A ``SET LOCAL`` per transaction would
miss the autocommit engines of ``app.plumbing.readdb`` (no transaction to begin) and cost
a round trip each time. So they are the application role's defaults in its database
(``ALTER ROLE … IN DATABASE … SET``): PostgreSQL applies them when any session of that
role starts — direct, through a pooler, on a replica (the catalog is replicated) — and
nobody else (an operator's psql as another role) gets them.

Applied by ``flask db upgrade`` (migrations/env.py), so a deployment gets them with its
schema; ``STATEMENT_TIMEOUT_MS`` sets the timeout (``SET LOCAL`` raises it where bulk
work needs longer). A role that may not change its own defaults gets a warning and
keeps what the database administrator set.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import Connection, Engine, event, text

from geo.pg.prepared import PLAIN

log = logging.getLogger(__name__)


def settings(config: Mapping) -> dict[str, str]:
    return {"statement_timeout": str(int(config["STATEMENT_TIMEOUT_MS"])), "timezone": "UTC"}


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
