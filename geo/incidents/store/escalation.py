"""SQL of escalation (``geo.incidents.escalation``): the dispatch catalogue, departments as
assignees, the street of an incident, extension requests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Row, text

_ENTRY = """SELECT dc.id, dc.category_code AS category, dc.street_code, dc.department_id,
                   d.name AS department_name, dc.response_hours, dc.resolve_hours
              FROM dispatch_catalogue dc JOIN departments d ON d.id = dc.department_id"""


def catalogue_for(conn: Connection, category: str, street_code: str | None) -> Row | None:
    """The catalogue's entry for a category in a street: the street's own, else the default."""
    return conn.execute(text(
        f"{_ENTRY} WHERE dc.category_code = :c AND (dc.street_code IS NULL"
        " OR dc.street_code = :s) ORDER BY dc.street_code IS NULL LIMIT 1"),
        {"c": category, "s": street_code}).first()


def catalogue(conn: Connection) -> list[dict]:
    rows = conn.execute(text(f"{_ENTRY} ORDER BY dc.category_code,"
                             " dc.street_code NULLS FIRST")).mappings()
    return [dict(r) for r in rows]


def put_entry(conn: Connection, entry: dict) -> int:
    """Insert or replace the entry of (category, street)."""
    return conn.execute(text(
        "INSERT INTO dispatch_catalogue (category_code, street_code, department_id,"
        " response_hours, resolve_hours) VALUES (:category, :street_code, :department_id,"
        " :response_hours, :resolve_hours)"
        " ON CONFLICT (category_code, coalesce(street_code, '')) DO UPDATE SET"
        " department_id = excluded.department_id, response_hours = excluded.response_hours,"
        " resolve_hours = excluded.resolve_hours, updated_at = now() RETURNING id"),
        entry).scalar_one()


def delete_entry(conn: Connection, entry_id: int) -> dict | None:
    row = conn.execute(text("DELETE FROM dispatch_catalogue WHERE id = :id RETURNING"
                            " category_code AS category, street_code, department_id"),
                       {"id": entry_id}).mappings().first()
    return dict(row) if row else None


def department(conn: Connection, dept_id: int) -> Row | None:
    """(id, name, active) of a department."""
    return conn.execute(text("SELECT id, name, active FROM departments WHERE id = :id"),
                        {"id": dept_id}).first()


def street_of(conn: Connection, community_id: int | None) -> Row | None:
    """(street_code, community ids of the street) of a community."""
    return conn.execute(text(
        "SELECT c.street_code, (SELECT array_agg(o.id) FROM communities o"
        " WHERE o.street_code = c.street_code) AS communities"
        " FROM communities c WHERE c.id = :id"), {"id": community_id}).first()


def category_limits(conn: Connection, category: str) -> Row | None:
    """(response_hours, resolve_hours, clock) of a category."""
    return conn.execute(text("SELECT response_hours, resolve_hours, clock FROM categories"
                             " WHERE code = :c"), {"c": category}).first()


def deadlines(conn: Connection, incident_id: int) -> Row:
    """(due_at, overdue) of an incident, by the database clock."""
    return conn.execute(text(
        "SELECT i.due_at, (i.due_at < now() OR (i.status = 'reported'"
        " AND i.response_due_at < now())) IS TRUE AS overdue, now() AS now"
        " FROM incidents i WHERE i.id = :id"), {"id": incident_id}).one()


def pending_extension(conn: Connection, incident_id: int) -> Row | None:
    return conn.execute(text(
        "SELECT id, due_from, due_to, reason, requested_by FROM incident_extensions"
        " WHERE incident_id = :id AND state = 'pending' FOR UPDATE"),
        {"id": incident_id}).first()


def request_extension(conn: Connection, incident_id: int, by: str, due_from,
                      due_to: dt.datetime, reason: str) -> int:
    return conn.execute(text(
        "INSERT INTO incident_extensions (incident_id, requested_by, due_from, due_to, reason)"
        " VALUES (:id, :by, :frm, :to, :reason) RETURNING id"),
        {"id": incident_id, "by": by, "frm": due_from, "to": due_to,
         "reason": reason}).scalar_one()


def decide_extension(conn: Connection, ext_id: int, state: str, by: str,
                     note: str | None) -> None:
    conn.execute(text(
        "UPDATE incident_extensions SET state = :state, decided_at = now(), decided_by = :by,"
        " decision_note = :note WHERE id = :id"),
        {"id": ext_id, "state": state, "by": by, "note": note})


def extensions(conn: Connection, incident_id: int) -> list[dict]:
    rows = conn.execute(text(
        "SELECT id, requested_at, requested_by, due_from, due_to, reason, state, decided_at,"
        " decided_by, decision_note FROM incident_extensions WHERE incident_id = :id"
        " ORDER BY requested_at, id"), {"id": incident_id}).mappings()
    return [{k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in r.items()}
            for r in rows]


def supervised(conn: Connection, incident_id: int) -> int:
    """How many times the incident was marked 督办."""
    return conn.execute(text("SELECT count(*) FROM incident_events WHERE incident_id = :id"
                             " AND action = 'supervise'"), {"id": incident_id}).scalar_one()


_EXISTS = {"category": "SELECT 1 FROM categories WHERE code = :v",
           "street": "SELECT 1 FROM communities WHERE street_code = :v",
           "department": "SELECT 1 FROM departments WHERE id = :v AND active"}


def exists(conn: Connection, what: str, value) -> bool:
    """Whether a category (code), street (code) or active department (id) exists."""
    return conn.execute(text(_EXISTS[what]), {"v": value}).first() is not None


def department_choices(conn: Connection) -> list[dict]:
    """(id, name) of the active departments, by name."""
    rows = conn.execute(text("SELECT id, name FROM departments WHERE active ORDER BY name"))
    return [dict(r._mapping) for r in rows]
