"""SQL of scheduled boundary changes (:mod:`geo.boundaries.schedule`): the change rows,
the grids each will put in force, the lease of the applying worker, and the overlap test
that keeps two pending changes off the same community."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection, Row, text

# Any fixed 64-bit number: the key of the advisory lock that is the applying worker's
# lease, held until its transaction ends.
LEASE_KEY = 0x6772_6964_6275_6E64  # "gridbund"

_COLUMNS = ("id, kind, status, effective, plan_id, community_id, source, options,"
            " created_by, user_id, created_at, applied_at, cancelled_at, cancelled_by, report")


def insert_change(conn: Connection, kind: str, effective: dt.date, *, plan_id: int | None,
                  community_id: int | None, source: str | None, options: dict,
                  actor: str, user_id: int | None) -> int:
    return conn.execute(text("""
        INSERT INTO boundary_changes (kind, effective, plan_id, community_id, source, options,
                                      created_by, user_id)
        VALUES (:kind, :effective, :plan, :community, :source, CAST(:options AS jsonb),
                :actor, :user_id) RETURNING id"""),
        {"kind": kind, "effective": effective, "plan": plan_id, "community": community_id,
         "source": source, "options": json.dumps(options, ensure_ascii=False),
         "actor": actor, "user_id": user_id}).scalar_one()


def copy_plan_grids(conn: Connection, change_id: int, plan_id: int, community_id: int) -> int:
    """The plan's grids, as the change will put them in force."""
    return conn.execute(text("""
        INSERT INTO boundary_change_grids (change_id, code, name, community_id, geom)
        SELECT :change, code, name, :community, geom FROM plan_grids WHERE plan_id = :plan"""),
        {"change": change_id, "plan": plan_id, "community": community_id}).rowcount


def copy_layer_stage(conn: Connection, change_id: int, kind: str = "grids") -> int:
    """The checked rows of a grids or communities layer (the TEMP table ``layer_stage``)."""
    if kind == "communities":
        return conn.execute(text("""
            INSERT INTO boundary_change_communities (change_id, code, name, street_name,
                                                     street_code, households,
                                                     office_address, geom)
            SELECT :change, code, name, street_name, street_code, households,
                   office_address, geom
              FROM layer_stage ORDER BY row"""), {"change": change_id}).rowcount
    return conn.execute(text("""
        INSERT INTO boundary_change_grids (change_id, code, name, community_id, households,
                                           geom)
        SELECT :change, s.code, s.name, c.id, s.households, s.geom
          FROM layer_stage s JOIN communities c ON c.code = s.parent ORDER BY s.row"""),
        {"change": change_id}).rowcount


def pending_in(conn: Connection, change_id: int) -> list[int]:
    """Other scheduled changes touching a community that change ``change_id`` touches."""
    return list(conn.execute(text("""
        WITH mine AS (SELECT community_id FROM boundary_change_grids WHERE change_id = :c
                      UNION SELECT community_id FROM boundary_changes
                             WHERE id = :c AND community_id IS NOT NULL)
        SELECT DISTINCT b.id FROM boundary_changes b
          LEFT JOIN boundary_change_grids g ON g.change_id = b.id
         WHERE b.status = 'scheduled' AND b.id <> :c
           AND (b.community_id IN (SELECT community_id FROM mine)
                OR g.community_id IN (SELECT community_id FROM mine))
         ORDER BY b.id"""), {"c": change_id}).scalars())


def pending_codes(conn: Connection, change_id: int) -> list[int]:
    """Other scheduled communities layers with a community code that ``change_id`` has."""
    return list(conn.execute(text("""
        SELECT DISTINCT o.change_id FROM boundary_change_communities o
          JOIN boundary_changes b ON b.id = o.change_id
          JOIN boundary_change_communities m ON m.code = o.code AND m.change_id = :c
         WHERE b.status = 'scheduled' AND o.change_id <> :c ORDER BY o.change_id"""),
        {"c": change_id}).scalars())


def take_lease(conn: Connection) -> bool:
    """The applying worker's lease: True for one transaction at a time (until it ends)."""
    return conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"),
                        {"k": LEASE_KEY}).scalar_one()


def due(conn: Connection, today: dt.date) -> list[Row]:
    """Scheduled changes whose day has come, oldest first (nothing locked); on one day
    communities before grids, so that grids are checked against their new community."""
    return conn.execute(text("""
        SELECT id FROM boundary_changes WHERE status = 'scheduled' AND effective <= :today
         ORDER BY effective, kind <> 'communities', id"""), {"today": today}).all()


def one(conn: Connection, change_id: int, *, lock: bool = False) -> Row | None:
    return conn.execute(text(f"SELECT {_COLUMNS} FROM boundary_changes WHERE id = :id"
                             + (" FOR UPDATE" if lock else "")), {"id": change_id}).one_or_none()


def of_plan(conn: Connection, plan_id: int) -> Row | None:
    """The plan's scheduled change, if it has one."""
    return conn.execute(text(f"SELECT {_COLUMNS} FROM boundary_changes WHERE plan_id = :p"
                             " AND status = 'scheduled' FOR UPDATE"), {"p": plan_id}).one_or_none()


def listed(conn: Connection, status: str | None) -> list[Row]:
    return conn.execute(text(f"""
        SELECT {_COLUMNS} FROM boundary_changes
         WHERE CAST(:s AS text) IS NULL OR status = :s ORDER BY effective DESC, id DESC"""),
        {"s": status}).all()


def set_report(conn: Connection, change_id: int, report: dict) -> None:
    conn.execute(text("UPDATE boundary_changes SET report = CAST(:r AS jsonb) WHERE id = :id"),
                 {"id": change_id, "r": json.dumps(report, ensure_ascii=False, default=str)})


def mark_applied(conn: Connection, change_id: int, report: dict) -> None:
    conn.execute(text("""UPDATE boundary_changes SET status = 'applied', applied_at = now(),
                                report = CAST(:r AS jsonb) WHERE id = :id"""),
                 {"id": change_id, "r": json.dumps(report, ensure_ascii=False, default=str)})


def mark_cancelled(conn: Connection, change_id: int, actor: str) -> None:
    conn.execute(text("""UPDATE boundary_changes SET status = 'cancelled', cancelled_at = now(),
                                cancelled_by = :a WHERE id = :id"""),
                 {"id": change_id, "a": actor})


def set_plan_status(conn: Connection, plan_id: int, status: str) -> None:
    conn.execute(text("UPDATE plans SET status = :s, updated_at = now() WHERE id = :id"),
                 {"id": plan_id, "s": status})
