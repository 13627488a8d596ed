"""Server-side prepared statements for the statements a request runs every time.

PostgreSQL plans a statement each time it receives its text; for the long routing
statement of an intake that planning costs more than running it. ``execute`` sends
``PREPARE`` once per database connection (remembered in the connection's ``info``,
which lives and dies with that connection) and ``EXECUTE`` afterwards. A prepared
statement is not undone by a rollback, and PostgreSQL re-plans it by itself when a
table it reads changes shape.

Behind PgBouncer in transaction pooling mode a prepared statement would live on one
server connection and be missing on the next: connections whose ``info`` holds
:data:`PLAIN` (the application sets it for a pooled database) get the same statement as
plain SQL, each parameter cast to its type as ``PREPARE`` would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, CursorResult

_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")
PLAIN = "gridmap.plain_sql"  # connection info key: no SQL-level PREPARE on this connection


@dataclass(frozen=True)
class Prepared:
    """A statement written with ``:name`` parameters, and the SQL type of each."""

    name: str
    prepare: str
    execute: str
    plain: str

    @classmethod
    def of(cls, name: str, sql: str, types: dict[str, str]) -> Prepared:
        order = list(dict.fromkeys(_PARAM.findall(sql)))
        missing = set(order) - set(types)
        if missing:
            raise ValueError(f"{name}: no SQL type for {', '.join(sorted(missing))}")
        body = _PARAM.sub(lambda m: f"${order.index(m.group(1)) + 1}", sql)
        prepare = f"PREPARE {name} ({', '.join(types[p] for p in order)}) AS {body}"
        execute = f"EXECUTE {name} ({', '.join(f'%({p})s' for p in order)})"
        plain = _PARAM.sub(lambda m: f"CAST(%({m.group(1)})s AS {types[m.group(1)]})",
                           sql.replace("%", "%%"))
        return cls(name, prepare, execute, plain)

    def run(self, conn: Connection, values: dict) -> CursorResult:
        """Execute with ``values`` (by parameter name) on ``conn``, preparing it first
        when this connection has not seen it yet (plain SQL on a pooled connection)."""
        if conn.info.get(PLAIN):
            return conn.exec_driver_sql(self.plain, values)
        if not conn.info.get(self.name):
            conn.exec_driver_sql(self.prepare)
            conn.info[self.name] = True
        return conn.exec_driver_sql(self.execute, values)
