"""SQL of verification (核查) and call-back (回访) (``geo.incidents.verification``,
``geo.incidents.callback``): the category's verifier, the grid chief, the 返工 count, the
closure being rated, the ratings, and what a resident sees of the history.
"""

from __future__ import annotations

from sqlalchemy import Connection, Row, text


def verify_by(conn: Connection, category: str) -> str:
    """Who verifies the category's work (``categories.verify_by``); dispatcher by default."""
    return conn.execute(text("SELECT verify_by FROM categories WHERE code = :c"),
                        {"c": category}).scalar() or "dispatcher"


def is_grid_chief(conn: Connection, member_id: int, grid_id: int | None) -> bool:
    """Is the grid worker an active chief serving the grid now?"""
    return grid_id is not None and conn.execute(text(
        "SELECT EXISTS (SELECT 1 FROM worker_grids wg JOIN grid_members m ON m.id = wg.worker_id"
        " WHERE wg.grid_id = :g AND m.id = :m AND m.role = 'grid_chief' AND m.active"
        " AND wg.served_from <= CURRENT_DATE"
        " AND (wg.served_to IS NULL OR wg.served_to >= CURRENT_DATE))"),
        {"g": grid_id, "m": member_id}).scalar()


def has_reference(conn: Connection, incident_id: int) -> bool:
    """Was the incident reported on the public map (so its reporter holds a reference)?"""
    return conn.execute(text("SELECT EXISTS (SELECT 1 FROM resident_reports"
                             " WHERE incident_id = :id)"), {"id": incident_id}).scalar()


def resolver(conn: Connection, incident_id: int) -> int | None:
    """The account that recorded the incident's last resolution."""
    return conn.execute(text(
        "SELECT user_id FROM incident_events WHERE incident_id = :id AND action = 'resolve'"
        " ORDER BY at DESC, id DESC LIMIT 1"), {"id": incident_id}).scalar()


def count_rework(conn: Connection, incident_id: int) -> None:
    conn.execute(text("UPDATE incidents SET rework_count = rework_count + 1 WHERE id = :id"),
                 {"id": incident_id})


def closure(conn: Connection, incident_id: int) -> int | None:
    """The event that closed the incident (verify or close: not a merge), while it is closed;
    the last status change recorded."""
    return conn.execute(text(
        "SELECT e.id FROM incidents i JOIN LATERAL (SELECT id, action FROM incident_events"
        " WHERE incident_id = i.id AND to_status IS DISTINCT FROM from_status"
        " ORDER BY id DESC LIMIT 1) e ON TRUE"
        " WHERE i.id = :id AND i.status = 'closed' AND e.action IN ('close', 'verify')"),
        {"id": incident_id}).scalar()


def add_rating(conn: Connection, incident_id: int, closure_id: int, rating: str,
               comment: str | None, channel: str, user_id: int | None) -> int | None:
    """Store a rating of a closure; its id, or None when the closure is rated already."""
    return conn.execute(text(
        "INSERT INTO incident_ratings (incident_id, closure_event_id, rating, comment, channel,"
        " user_id) VALUES (:i, :c, :r, :comment, :channel, :u)"
        " ON CONFLICT (closure_event_id) DO NOTHING RETURNING id"),
        {"i": incident_id, "c": closure_id, "r": rating, "comment": comment,
         "channel": channel, "u": user_id}).scalar()


def rating_of(conn: Connection, closure_id: int) -> str | None:
    """The rating given of a closure, if any."""
    return conn.execute(text("SELECT rating FROM incident_ratings WHERE closure_event_id = :c"),
                        {"c": closure_id}).scalar()


def reopens(conn: Connection, incident_id: int) -> int:
    """How many times an unsatisfied rating has reopened the incident."""
    return conn.execute(text("SELECT count(*) FROM incident_ratings WHERE incident_id = :i"
                             " AND reopened"), {"i": incident_id}).scalar()


def mark_reopened(conn: Connection, rating_id: int) -> None:
    conn.execute(text("UPDATE incident_ratings SET reopened = true WHERE id = :id"),
                 {"id": rating_id})


def ratings(conn: Connection, incident_id: int) -> list[Row]:
    """The incident's ratings, oldest first, with the recording account's name."""
    return list(conn.execute(text(
        "SELECT r.id, r.rating, r.comment, r.channel, r.at, r.reopened, u.username AS recorded_by"
        " FROM incident_ratings r LEFT JOIN users u ON u.id = r.user_id"
        " WHERE r.incident_id = :i ORDER BY r.at, r.id"), {"i": incident_id}))


def public_timeline(conn: Connection, incident_id: int) -> list[Row]:
    """What the reporting resident sees of the history: each status change (its time and
    the status) and each note published for them; never who, nor staff notes."""
    return list(conn.execute(text(
        "SELECT at, CASE WHEN details ->> 'public_text' IS NULL THEN to_status END AS status,"
        " details ->> 'public_text' AS reply FROM incident_events"
        " WHERE incident_id = :i AND ((to_status IS NOT NULL AND (from_status IS NULL"
        " OR to_status <> from_status)) OR details ->> 'public_text' IS NOT NULL)"
        " ORDER BY at, id"), {"i": incident_id}))
