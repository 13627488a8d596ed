"""SQL of the webhook endpoints (``geo.outbox.endpoints``)."""

from __future__ import annotations

from sqlalchemy import Connection, Row, text

_COLUMNS = ("id, url, events, description, active, consecutive_failures, disabled_at,"
            " created_at, communities, (SELECT array_agg(c.code ORDER BY c.code)"
            " FROM communities c WHERE c.id = ANY(e.communities)) AS community_codes")
# Within a caller's limit (:scope NULL: every endpoint): an endpoint of the caller's
# communities only; one hearing every community (NULL) is the unlimited's.
_WITHIN = ("(CAST(:scope AS integer[]) IS NULL"
           " OR (e.communities IS NOT NULL AND e.communities <@ CAST(:scope AS integer[])))")


def _scope(scope) -> list[int] | None:
    return None if scope is None else sorted(scope)


def listed(conn: Connection, scope=None) -> list[Row]:
    return conn.execute(text(f"SELECT {_COLUMNS} FROM webhook_endpoints e WHERE {_WITHIN}"
                             " ORDER BY id"), {"scope": _scope(scope)}).all()


def one(conn: Connection, endpoint_id: int, lock: bool = False, scope=None) -> Row | None:
    return conn.execute(text(f"SELECT {_COLUMNS} FROM webhook_endpoints e WHERE id = :id"
                             f" AND {_WITHIN}" + (" FOR UPDATE" if lock else "")),
                        {"id": endpoint_id, "scope": _scope(scope)}).first()


def community_ids(conn: Connection, codes: list[str]) -> dict[str, int]:
    """{code: id} of the communities among ``codes``."""
    return dict(conn.execute(text("SELECT code, id FROM communities WHERE code = ANY(:codes)"),
                             {"codes": codes}).all())


def insert(conn: Connection, url: str, secret: str, events: list[str],
           description: str | None, communities: list[int] | None) -> int:
    return conn.execute(text(
        "INSERT INTO webhook_endpoints (url, secret, events, description, communities)"
        " VALUES (:url, :secret, :events, :description, :communities) RETURNING id"),
        {"url": url, "secret": secret, "events": events, "description": description,
         "communities": communities}).scalar()


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
