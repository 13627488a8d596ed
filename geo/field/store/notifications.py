"""SQL of the in-app notifications (``geo.field.notifications``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Row, text

from geo.core.statuses import OPEN_SQL


def for_worker(conn: Connection, member_id: int, kind: str, incident_id: int) -> int:
    """One notification for each active account linked to grid member ``member_id``."""
    return conn.execute(text(
        "INSERT INTO notifications (user_id, kind, incident_id, details)"
        " SELECT u.id, :kind, i.id, jsonb_build_object('category', i.category,"
        " 'category_en', c.name_en)"
        " FROM users u, incidents i LEFT JOIN categories c ON c.code = i.category"
        " WHERE u.grid_member_id = :member AND u.active AND i.id = :incident"),
        {"kind": kind, "member": member_id, "incident": incident_id}).rowcount


def due_soon(conn: Connection, within: dt.timedelta) -> int:
    """``due_soon`` for open assigned incidents due within ``within``; keyed by incident and
    deadline, so a second run (or a second server) adds nothing."""
    return conn.execute(text(f"""
        INSERT INTO notifications (user_id, kind, incident_id, key, details)
        SELECT u.id, 'due_soon', i.id, i.id || '@' || to_char(i.due_at AT TIME ZONE 'UTC',
                                                             'YYYY-MM-DD"T"HH24:MI:SS'),
               jsonb_build_object('category', i.category, 'category_en', c.name_en,
                                  'due_at', i.due_at)
          FROM incidents i JOIN users u ON u.grid_member_id = i.assignee_id AND u.active
          LEFT JOIN categories c ON c.code = i.category
         WHERE i.status IN {OPEN_SQL} AND i.due_at > now()
           AND i.due_at <= now() + CAST(:within AS interval)
        ON CONFLICT (user_id, kind, key) WHERE key IS NOT NULL DO NOTHING"""),
        {"within": within}).rowcount


def latest(conn: Connection, user_id: int, limit: int) -> list[Row]:
    return list(conn.execute(text(
        "SELECT id, kind, incident_id, created_at, read_at, details FROM notifications"
        " WHERE user_id = :u ORDER BY created_at DESC, id DESC LIMIT :limit"),
        {"u": user_id, "limit": limit}))


def unread(conn: Connection, user_id: int) -> int:
    return conn.execute(text("SELECT count(*) FROM notifications WHERE user_id = :u"
                             " AND read_at IS NULL"), {"u": user_id}).scalar_one()


def mark_read(conn: Connection, user_id: int, ids: list[int] | None) -> int:
    return conn.execute(text(
        "UPDATE notifications SET read_at = now() WHERE user_id = :u AND read_at IS NULL"
        " AND (CAST(:ids AS bigint[]) IS NULL OR id = ANY(:ids))"),
        {"u": user_id, "ids": ids}).rowcount
