"""SQL of evidence photos (``incident_photos``): added with an action, listed, read one.

Stored in the database like residents' photos, in the transaction of the action they prove.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Row, text


def add(conn: Connection, incident_id: int, event_id: int | None, user_id: int | None,
        photos: Sequence) -> list[int]:
    """Store cleaned photos (``geo.field.evidence.CleanPhoto``) of an incident's event in the
    caller's transaction; their ids, in order."""
    return [conn.execute(text(
        "INSERT INTO incident_photos (incident_id, event_id, user_id, photo, content_type,"
        " width, height) VALUES (:incident, :event, :user, :photo, :type, :w, :h)"
        " RETURNING id"),
        {"incident": incident_id, "event": event_id, "user": user_id, "photo": p.data,
         "type": p.content_type, "w": p.width, "h": p.height}).scalar_one() for p in photos]


def of_incident(conn: Connection, incident_id: int) -> list[Row]:
    """(id, event_id, created_at, width, height) of an incident's photos, oldest first."""
    return list(conn.execute(text(
        "SELECT id, event_id, created_at, width, height FROM incident_photos"
        " WHERE incident_id = :id ORDER BY id"), {"id": incident_id}))


def one(conn: Connection, incident_id: int, photo_id: int) -> Row | None:
    """(photo, content_type) of one photo of an incident."""
    return conn.execute(text(
        "SELECT photo, content_type FROM incident_photos"
        " WHERE id = :photo AND incident_id = :incident"),
        {"photo": photo_id, "incident": incident_id}).first()
