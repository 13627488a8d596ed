"""SQL of the webhook endpoints (``geo.outbox.endpoints``)."""

from __future__ import annotations

from sqlalchemy import Connection, Row, text

_COLUMNS = ("id, url, events, description, active, consecutive_failures, disabled_at,"
            " created_at")


def listed(conn: Connection) -> list[Row]:
    return conn.execute(text(f"SELECT {_COLUMNS} FROM webhook_endpoints ORDER BY id")).all()


def one(conn: Connection, endpoint_id: int, lock: bool = False) -> Row | None:
    return conn.execute(text(f"SELECT {_COLUMNS} FROM webhook_endpoints WHERE id = :id"
                             + (" FOR UPDATE" if lock else "")), {"id": endpoint_id}).first()


def insert(conn: Connection, url: str, secret: str, events: list[str],
           description: str | None) -> int:
    return conn.execute(text(
        "INSERT INTO webhook_endpoints (url, secret, events, description)"
        " VALUES (:url, :secret, :events, :description) RETURNING id"),
        {"url": url, "secret": secret, "events": events, "description": description}).scalar()


def update(conn: Connection, endpoint_id: int, columns: dict) -> None:
    """Set ``columns`` (names chosen by ``geo.outbox.endpoints``); re-enabling an endpoint
    clears its failure count."""
    sets = [f"{key} = :{key}" for key in columns]
    if columns.get("active") is True:
        sets += ["consecutive_failures = 0", "disabled_at = NULL"]
    conn.execute(text(f"UPDATE webhook_endpoints SET {', '.join(sets)} WHERE id = :id"),
                 {**columns, "id": endpoint_id})


def delete(conn: Connection, endpoint_id: int) -> None:
    """The endpoint with its deliveries and their log."""
    conn.execute(text(
        "DELETE FROM delivery_attempts WHERE delivery_id IN"
        " (SELECT id FROM deliveries WHERE endpoint_id = :id)"), {"id": endpoint_id})
    conn.execute(text("DELETE FROM deliveries WHERE endpoint_id = :id"), {"id": endpoint_id})
    conn.execute(text("DELETE FROM webhook_endpoints WHERE id = :id"), {"id": endpoint_id})
