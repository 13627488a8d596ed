"""The dispatch catalogue's audited writes, shared by the API and the admin page."""

from __future__ import annotations

from app.extensions import db
from app.security import audit
from geo.core.errors import NotFound
from geo.incidents import catalogue
from geo.incidents.store import escalation as store


def put_entry(body: dict) -> dict:
    """Check and store an entry (replacing that of the same category and street), audited;
    the caller commits."""
    conn = db.session.connection()
    entry = catalogue.check_entry(conn, body)
    entry_id = store.put_entry(conn, entry)
    audit.record("dispatch_catalogue.put", "dispatch_catalogue", entry_id, after=entry)
    return {"id": entry_id, **entry}


def delete_entry(entry_id: int) -> None:
    gone = store.delete_entry(db.session.connection(), entry_id)
    if gone is None:
        raise NotFound(f"no dispatch catalogue entry {entry_id}")
    audit.record("dispatch_catalogue.delete", "dispatch_catalogue", entry_id, before=gone)


def page_rows() -> tuple[list[dict], list[dict]]:
    """(entries, active departments as id and name) for the admin page."""
    conn = db.session.connection()
    return store.catalogue(conn), store.department_choices(conn)
