"""SQL of the deliveries: fan an outbox row out to its targets, lease the due ones (``FOR
UPDATE SKIP LOCKED``: workers never take the same row), record an attempt's outcome, read
the log. Every time is a parameter (the worker's clock), never ``now()``, so tests move it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Row, text

_FAN_OUT = """
WITH batch AS (
    SELECT id, kind, incident_id, created_at FROM outbox WHERE fanned_out_at IS NULL
     ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED),
made AS (
    INSERT INTO deliveries (outbox_id, channel, endpoint_id, target, next_attempt_at,
                            created_at)
    SELECT b.id, 'webhook', e.id, 'endpoint:' || e.id, :now, :now
      FROM batch b LEFT JOIN incident_locations l ON l.incident_id = b.incident_id
      JOIN webhook_endpoints e ON e.active AND e.created_at <= b.created_at
       AND (cardinality(e.events) = 0 OR b.kind = ANY(e.events))
       -- a scoped endpoint hears the incidents located in its communities only
       AND (e.communities IS NULL OR l.community_id = ANY(e.communities))
    ON CONFLICT ON CONSTRAINT uq_deliveries_target DO NOTHING RETURNING 1),
texts AS (
    INSERT INTO deliveries (outbox_id, channel, recipient, target, next_attempt_at,
                            created_at)
    SELECT b.id, 'sms', p.phone, 'sms:' || p.phone, :now, :now
      FROM batch b JOIN incidents i ON i.id = b.incident_id
      JOIN grid_members m ON m.id = i.assignee_id AND m.active
     CROSS JOIN LATERAL (SELECT coalesce(m.private_phone, m.public_phone) AS phone) p
     WHERE b.kind = ANY(:sms_kinds) AND p.phone IS NOT NULL
    ON CONFLICT ON CONSTRAINT uq_deliveries_target DO NOTHING RETURNING 1),
marked AS (
    UPDATE outbox SET fanned_out_at = :now WHERE id IN (SELECT id FROM batch) RETURNING 1)
SELECT (SELECT count(*) FROM marked),
       (SELECT count(*) FROM made) + (SELECT count(*) FROM texts)"""

_CLAIM = """
WITH pick AS (
    SELECT d.id FROM deliveries d LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id
     WHERE d.status = 'pending' AND d.next_attempt_at <= :now
       AND (d.lease_until IS NULL OR d.lease_until <= :now)
       AND (d.endpoint_id IS NULL OR e.active)
     ORDER BY d.next_attempt_at, d.id LIMIT :limit FOR UPDATE OF d SKIP LOCKED),
taken AS (
    UPDATE deliveries d SET lease_until = :lease_until, attempts = d.attempts + 1
      FROM pick WHERE d.id = pick.id
    RETURNING d.id, d.outbox_id, d.channel, d.endpoint_id, d.recipient, d.attempts,
              d.created_at)
SELECT t.*, o.kind, o.payload, o.incident_id, i.category, e.url, e.secret
  FROM taken t JOIN outbox o ON o.id = t.outbox_id
  LEFT JOIN incidents i ON i.id = o.incident_id
  LEFT JOIN webhook_endpoints e ON e.id = t.endpoint_id ORDER BY t.id"""


def fan_out(conn: Connection, now: dt.datetime, limit: int = 1000,
            sms_kinds: tuple[str, ...] = ()) -> tuple[int, int]:
    """(outbox rows fanned out, deliveries made) for up to ``limit`` waiting rows: one per
    matching webhook endpoint (its event kinds; its communities, by where the incident is
    located), and a text to the assignee for ``sms_kinds``."""
    rows, made = conn.execute(text(_FAN_OUT), {"now": now, "limit": limit,
                                               "sms_kinds": list(sms_kinds)}).one()
    return rows, made


def claim(conn: Connection, now: dt.datetime, lease: dt.timedelta, limit: int) -> list[Row]:
    """Lease up to ``limit`` due deliveries until ``now + lease``, counting the attempt."""
    return conn.execute(text(_CLAIM), {"now": now, "lease_until": now + lease,
                                       "limit": limit}).all()


def _log(conn: Connection, delivery_id: int, now: dt.datetime, ok: bool,
         status_code: int | None, error: str | None) -> None:
    conn.execute(text(
        "INSERT INTO delivery_attempts (delivery_id, at, ok, status_code, error)"
        " VALUES (:id, :now, :ok, :code, :error)"),
        {"id": delivery_id, "now": now, "ok": ok, "code": status_code, "error": error})


def delivered(conn: Connection, row: Row, now: dt.datetime, status_code: int | None) -> None:
    """A successful attempt: the delivery is done for good; its endpoint's failures reset."""
    conn.execute(text(
        "UPDATE deliveries SET status = 'delivered', delivered_at = :now, lease_until = NULL,"
        " last_error = NULL WHERE id = :id AND status = 'pending'"), {"id": row.id, "now": now})
    _log(conn, row.id, now, True, status_code, None)
    if row.endpoint_id is not None:
        conn.execute(text("UPDATE webhook_endpoints SET consecutive_failures = 0"
                          " WHERE id = :id"), {"id": row.endpoint_id})


def failed(conn: Connection, row: Row, now: dt.datetime, error: str, status_code: int | None,
           retry_at: dt.datetime | None, disable_after: int) -> None:
    """A failed attempt: retried at ``retry_at`` (None: given up); the endpoint is disabled
    after ``disable_after`` failures in a row."""
    conn.execute(text(
        "UPDATE deliveries SET lease_until = NULL, last_error = :error,"
        " status = CASE WHEN CAST(:retry AS timestamptz) IS NULL THEN 'failed' ELSE status END,"
        " next_attempt_at = coalesce(CAST(:retry AS timestamptz), next_attempt_at)"
        " WHERE id = :id AND status = 'pending'"),
        {"id": row.id, "error": error[:300], "retry": retry_at})
    _log(conn, row.id, now, False, status_code, error[:300])
    if row.endpoint_id is not None:
        conn.execute(text(
            "UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1,"
            " active = active AND consecutive_failures + 1 < :n,"
            " disabled_at = CASE WHEN active AND consecutive_failures + 1 >= :n THEN :now"
            " ELSE disabled_at END WHERE id = :id"),
            {"id": row.endpoint_id, "n": disable_after, "now": now})


def log(conn: Connection, endpoint_id: int, limit: int = 100) -> list[Row]:
    """An endpoint's latest deliveries, newest first, with their event."""
    return conn.execute(text(
        "SELECT d.id, d.status, d.attempts, d.next_attempt_at, d.last_error, d.delivered_at,"
        " d.created_at, o.event_id, o.kind, o.incident_id FROM deliveries d"
        " JOIN outbox o ON o.id = d.outbox_id WHERE d.endpoint_id = :id"
        " ORDER BY d.id DESC LIMIT :limit"), {"id": endpoint_id, "limit": limit}).all()
