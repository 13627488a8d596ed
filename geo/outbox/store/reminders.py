"""SQL of the deadline reminders (``geo.outbox.reminders``): the steps that may be due,
the claim of one (each step once per incident and deadline: the primary key decides), and
the in-app notifications of its audience."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Row, text

from geo.core.statuses import FINISHED

_WAITING = ", ".join(f"'{s}'" for s in (*FINISHED, "resolved"))
_CANDIDATES = f"""
SELECT i.id AS incident_id, i.due_at, s.id AS step_id, s.offset_hours, s.audience
  FROM incidents i
  JOIN reminder_steps s ON s.category = i.category
    OR (s.category IS NULL AND NOT EXISTS (
        SELECT 1 FROM reminder_steps own WHERE own.category = i.category))
 WHERE i.status NOT IN ({_WAITING}) AND i.due_at BETWEEN :oldest AND :latest
   AND i.due_at + make_interval(secs => least(s.offset_hours, 0) * 3600) <= :now
   AND NOT EXISTS (SELECT 1 FROM reminders_sent r WHERE r.incident_id = i.id
                      AND r.step_id = s.id AND r.due_at = i.due_at)
 ORDER BY i.due_at, i.id, s.offset_hours"""

# Who an audience is, for the incident ``i`` located by ``l``: accounts (users.active).
AUDIENCES = {
    "assignee": "u.grid_member_id = i.assignee_id",
    "grid_chief": """u.grid_member_id IN (
        SELECT wg.worker_id FROM worker_grids wg JOIN grid_members m ON m.id = wg.worker_id
         WHERE wg.grid_id = l.grid_id AND m.role = 'grid_chief' AND m.active
           AND (wg.served_to IS NULL OR wg.served_to >= CAST(:now AS date)))""",
    "community": """u.role = 'community_admin' AND EXISTS (
        SELECT 1 FROM user_communities uc WHERE uc.user_id = u.id
           AND uc.community_id = l.community_id)""",
    "street": """u.role = 'dispatcher' AND (
        NOT EXISTS (SELECT 1 FROM user_communities uc WHERE uc.user_id = u.id)
        OR EXISTS (SELECT 1 FROM user_communities uc WHERE uc.user_id = u.id
                      AND uc.community_id = l.community_id))""",
}


def candidates(conn: Connection, now: dt.datetime, oldest: dt.datetime) -> list[Row]:
    """(incident_id, due_at, step_id, offset_hours, audience) of the steps not yet fired whose
    calendar part has come, for open incidents due from ``oldest`` on."""
    return conn.execute(text(_CANDIDATES), {"now": now, "oldest": oldest,
                                            "latest": now + dt.timedelta(days=30)}).all()


def claim(conn: Connection, row: Row, now: dt.datetime) -> bool:
    """Record the step as fired for this deadline; False when it already was."""
    return conn.execute(text(
        "INSERT INTO reminders_sent (incident_id, step_id, due_at, fired_at, recipients)"
        " VALUES (:i, :s, :d, :now, 0) ON CONFLICT DO NOTHING RETURNING 1"),
        {"i": row.incident_id, "s": row.step_id, "d": row.due_at, "now": now}).first() \
        is not None


def notify(conn: Connection, row: Row, now: dt.datetime) -> int:
    """The step's in-app notifications to its audience; how many."""
    # Unique per user and kind (uq_notifications_key): the incident is part of it, else of
    # two incidents due at the same moment the second's reminder would be dropped.
    key = f"r{row.step_id}:{row.incident_id}:{int(row.due_at.timestamp())}"
    made = conn.execute(text(f"""
        INSERT INTO notifications (user_id, kind, incident_id, key, details)
        SELECT u.id, 'reminder', i.id, :key,
               jsonb_build_object('category', i.category, 'category_en', c.name_en,
                                  'offset_hours', CAST(:offset AS float8),
                                  'audience', CAST(:audience AS text),
                                  'due_at', i.due_at)
          FROM incidents i LEFT JOIN incident_locations l ON l.incident_id = i.id
          LEFT JOIN categories c ON c.code = i.category, users u
         WHERE i.id = :i AND u.active AND ({AUDIENCES[row.audience]})
        ON CONFLICT DO NOTHING"""),
        {"i": row.incident_id, "key": key, "offset": row.offset_hours,
         "audience": row.audience, "now": now}).rowcount
    conn.execute(text("UPDATE reminders_sent SET recipients = :n WHERE incident_id = :i"
                      " AND step_id = :s AND due_at = :d"),
                 {"n": made, "i": row.incident_id, "s": row.step_id, "d": row.due_at})
    return made

