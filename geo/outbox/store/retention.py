"""SQL of the outbox's retention (``geo.outbox.worker``): old outbox rows delivered to every
target they were fanned out to go, with their deliveries and delivery log, a batch at a
time; old log rows of delivered deliveries go too. A row with a delivery still pending — or
failed, given up — stays: nothing not delivered is ever removed (removing the endpoint
removes its deliveries, and then the row may go). Times are parameters, never ``now()``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

# One statement: the foreign keys (attempts → deliveries → outbox) are checked at its end,
# when all three deletes are done. SKIP LOCKED: a second worker purges other rows.
_OUTBOX = """
WITH old AS (
    SELECT o.id FROM outbox o
     WHERE o.fanned_out_at IS NOT NULL AND o.created_at < :cutoff
       AND NOT EXISTS (SELECT 1 FROM deliveries d
                        WHERE d.outbox_id = o.id AND d.status <> 'delivered')
     ORDER BY o.created_at LIMIT :batch FOR UPDATE OF o SKIP LOCKED),
attempts AS (
    DELETE FROM delivery_attempts a USING deliveries d, old
     WHERE a.delivery_id = d.id AND d.outbox_id = old.id RETURNING 1),
made AS (DELETE FROM deliveries d USING old WHERE d.outbox_id = old.id RETURNING 1),
gone AS (DELETE FROM outbox o USING old WHERE o.id = old.id RETURNING 1)
SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM attempts)"""

_LOG = """
WITH old AS (
    SELECT a.id FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
     WHERE a.at < :cutoff AND d.status = 'delivered'
     ORDER BY a.id LIMIT :batch FOR UPDATE OF a SKIP LOCKED)
DELETE FROM delivery_attempts a USING old WHERE a.id = old.id"""


def purge(conn: Connection, cutoff: dt.datetime, batch: int) -> tuple[int, int]:
    """(outbox rows, delivery-log rows) removed, each at most ``batch``: rows older than
    ``cutoff`` delivered to every target."""
    rows, attempts = conn.execute(text(_OUTBOX), {"cutoff": cutoff, "batch": batch}).one()
    attempts += conn.execute(text(_LOG), {"cutoff": cutoff, "batch": batch}).rowcount
    return rows, attempts
