"""SQL of resident reports (``geo.incidents.reports``): the reference, the public note, the photo.

Small statements, hand-written so that each names exactly the columns a resident may see
(``by_reference``) and so that a reference clash is settled by the unique index in the
same statement (``INSERT ... ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

from sqlalchemy import Connection, Row, text


def add_reference(conn: Connection, reference: str, incident_id: int, photo: bytes | None,
                  photo_type: str | None) -> bool:
    """Store the resident's reference (and photo) of an incident; False if it is taken."""
    return conn.execute(text(
        "INSERT INTO resident_reports (reference, incident_id, photo, photo_type)"
        " VALUES (:ref, :incident, :photo, :type) ON CONFLICT (reference) DO NOTHING"
        " RETURNING id"),
        {"ref": reference, "incident": incident_id, "photo": photo,
         "type": photo_type}).first() is not None


def by_reference(conn: Connection, reference: str) -> Row | None:
    """The public fields of the report holding ``reference``; its category only while the
    category is public (staff may have moved the report into one that is not)."""
    return conn.execute(text("""
        SELECT r.reference, CASE WHEN c.public THEN i.category END AS category,
               i.id AS incident_id, i.category AS category_code,
               i.reported_at, i.status, i.closed_at, r.public_note, r.public_note_at
          FROM resident_reports r JOIN incidents i ON i.id = r.incident_id
          LEFT JOIN categories c ON c.code = i.category
         WHERE r.reference = :ref"""), {"ref": reference}).first()


def public_category_codes(conn: Connection) -> frozenset[str]:
    """Codes of the categories residents may report in: active and public."""
    return frozenset(conn.execute(text(
        "SELECT code FROM categories WHERE active AND public")).scalars())


def set_public_note(conn: Connection, incident_id: int, note: str | None) -> Row | None:
    """Set (None: clear) the public note; (reference, public_note, public_note_at) or None
    when the incident is no resident report."""
    return conn.execute(text(
        "UPDATE resident_reports SET public_note = :note,"
        " public_note_at = CASE WHEN :note IS NULL THEN NULL ELSE now() END"
        " WHERE incident_id = :id RETURNING reference, public_note, public_note_at"),
        {"note": note, "id": incident_id}).first()


def public_note_event(conn: Connection, incident_id: int, actor: str, user_id: int | None,
                      note: str, text_: str | None = None) -> None:
    """The history event of a public note published (``text_``: the note, shown to the
    resident among the replies) or withdrawn."""
    conn.execute(text(
        "INSERT INTO incident_events (incident_id, at, actor, user_id, action, note, details)"
        " VALUES (:id, now(), :actor, :uid, 'note', :note,"
        " jsonb_build_object('public_note', true, 'public_text', CAST(:text AS text)))"),
        {"id": incident_id, "actor": actor, "uid": user_id, "note": note, "text": text_})


def photo(conn: Connection, incident_id: int) -> Row | None:
    """(photo, photo_type) of a resident report that has a photo."""
    return conn.execute(text("SELECT photo, photo_type FROM resident_reports"
                             " WHERE incident_id = :id AND photo IS NOT NULL"),
                        {"id": incident_id}).first()
