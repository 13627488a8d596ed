"""Grid workers: the roster, the grids each serves (dated), leave and substitutes.

Rows are written set-based (arrays unnested in one statement), so one worker from the
API and 2,000 from a file take the same path. Ids are drawn from the sequence first, so
the caller knows which id is which row without relying on RETURNING order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, text

from geo.people.schedule import leave_of

COLUMNS = ("name", "role", "public_phone", "private_phone", "service_hours", "community_id",
           "publish", "consent_on", "duty_days", "duty_start", "duty_end")
_TYPES = {"publish": "boolean", "consent_on": "date", "community_id": "int",
          "duty_start": "time", "duty_end": "time", "duty_days": "text"}


def _ids(conn: Connection, table: str, n: int) -> list[int]:
    return list(conn.execute(text(
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)"),
        {"n": n}).scalars())


def _days(value) -> str | None:
    return None if value is None else "{" + ",".join(map(str, value)) + "}"


def insert(conn: Connection, rows: Sequence[dict], served_from: dt.date | None = None,
           ids: Sequence[int] | None = None) -> list[int]:
    """Insert workers (``COLUMNS`` + ``grid_ids``, ``active`` default true), each serving
    its grids from ``served_from`` (default today); their ids, in order (``ids``: given
    ones, as the demo generator's frames have them)."""
    ids = list(ids) if ids is not None else _ids(conn, "grid_members", len(rows))
    arrays = {c: [_days(r.get(c)) if c == "duty_days" else r.get(c) for r in rows]
              for c in COLUMNS}
    unnest = ", ".join(f"CAST(:{c} AS {_TYPES.get(c, 'text')}[])" for c in COLUMNS)
    conn.execute(text(f"""
        INSERT INTO grid_members (id, active, {', '.join(COLUMNS)})
        SELECT u.id, u.active, {', '.join(f'u.{c}' if c != 'duty_days'
                                          else 'CAST(u.duty_days AS smallint[])'
                                          for c in COLUMNS)}
          FROM unnest(CAST(:id AS int[]), CAST(:active AS boolean[]), {unnest})
            AS u(id, active, {', '.join(COLUMNS)})"""),
        {"id": ids, "active": [r.get("active", True) for r in rows], **arrays})
    pairs = [(wid, gid) for wid, r in zip(ids, rows, strict=True)
             for gid in r.get("grid_ids", ())]
    add_grids(conn, pairs, served_from)
    return ids


def add_grids(conn: Connection, pairs: Sequence[tuple[int, int]],
              served_from: dt.date | None = None) -> None:
    """Workers start serving grids: ``(worker_id, grid_id)`` pairs from ``served_from``."""
    if pairs:
        conn.execute(text("""
            INSERT INTO worker_grids (worker_id, grid_id, served_from)
            SELECT w, g, coalesce(CAST(:since AS date), current_date)
              FROM unnest(CAST(:w AS int[]), CAST(:g AS int[])) AS u(w, g)"""),
            {"w": [p[0] for p in pairs], "g": [p[1] for p in pairs], "since": served_from})


def end_grids(conn: Connection, worker_id: int, keep: Sequence[int]) -> None:
    """The worker stops serving every grid not in ``keep`` (current grid ids): a row
    started today is removed, an older one ends yesterday."""
    params = {"w": worker_id, "keep": list(keep)}
    where = ("worker_id = :w AND grid_id <> ALL(CAST(:keep AS int[]))"
             " AND (served_to IS NULL OR served_to >= current_date)")
    conn.execute(text(f"DELETE FROM worker_grids WHERE {where}"
                      " AND served_from >= current_date"), params)
    conn.execute(text(f"UPDATE worker_grids SET served_to = current_date - 1 WHERE {where}"),
                 params)


def update(conn: Connection, worker_id: int, values: dict) -> None:
    """Set ``values`` (columns of ``COLUMNS``) and add one to the version."""
    sets = ", ".join(f"{c} = CAST(:{c} AS {_TYPES.get(c, 'text')})" if c != "duty_days"
                     else "duty_days = CAST(:duty_days AS smallint[])" for c in values)
    params = {**values, "id": worker_id}
    if "duty_days" in values:
        params["duty_days"] = _days(values["duty_days"])
    conn.execute(text(f"UPDATE grid_members SET {sets + ', ' if sets else ''}"
                      "version = version + 1 WHERE id = :id"), params)


def deactivate(conn: Connection, worker_id: int) -> None:
    """Off the roster: inactive, grids ended; the row stays for history and incidents."""
    end_grids(conn, worker_id, [])
    conn.execute(text("UPDATE grid_members SET active = false, publish = false,"
                      " version = version + 1 WHERE id = :id"), {"id": worker_id})


def link_accounts(conn: Connection, links: Sequence[tuple[int, int]]) -> None:
    """``(worker_id, user_id)``: the account works the worker's incidents."""
    if links:
        conn.execute(text("""
            UPDATE users u SET grid_member_id = l.w
              FROM unnest(CAST(:w AS int[]), CAST(:u AS int[])) AS l(w, u) WHERE u.id = l.u"""),
            {"w": [x[0] for x in links], "u": [x[1] for x in links]})


_SELECT = f"""
    SELECT m.id, m.name, m.role, m.public_phone, m.private_phone,
           m.service_hours AS hours, m.active, m.publish, m.consent_on, m.duty_days,
           to_char(m.duty_start, 'HH24:MI') || '-' || to_char(m.duty_end, 'HH24:MI')
             AS duty_hours, m.version, c.code AS community,
           (SELECT coalesce(array_agg(g.code ORDER BY g.code), '{{}}') FROM worker_grids_now wg
              JOIN grids g ON g.id = wg.grid_id WHERE wg.worker_id = m.id) AS grids,
           (SELECT min(username) FROM users WHERE grid_member_id = m.id) AS account,
           lv.worker_id IS NOT NULL AS on_leave, lv.substitute_id
      FROM grid_members m LEFT JOIN communities c ON c.id = m.community_id
      LEFT JOIN LATERAL ({leave_of('m.id', 'now()')}) lv ON TRUE
"""
_SCOPED = "(CAST(:scope AS int[]) IS NULL OR m.community_id = ANY(:scope))"


def _scope(scope) -> list[int] | None:
    return None if scope is None else sorted(scope)


def one(conn: Connection, worker_id: int, scope) -> dict | None:
    """A worker (every field, private phone too) if within ``scope``."""
    row = conn.execute(text(f"{_SELECT} WHERE m.id = :id AND {_SCOPED}"),
                       {"id": worker_id, "scope": _scope(scope)}).mappings().first()
    return dict(row) if row else None


def listing(conn: Connection, scope, *, q: str | None, active: bool, limit: int,
            offset: int) -> tuple[int, list[dict]]:
    """Workers in ``scope`` by name (matching ``q`` in name, phone or grid code), with the
    total; active ones only unless ``active`` is False."""
    where = (f"{_SCOPED} AND (NOT :active OR m.active) AND (CAST(:q AS text) IS NULL"
             " OR m.name LIKE '%' || :q || '%' OR m.public_phone LIKE '%' || :q || '%'"
             " OR m.private_phone LIKE '%' || :q || '%' OR EXISTS (SELECT 1 FROM"
             " worker_grids wg JOIN grids g ON g.id = wg.grid_id WHERE wg.worker_id = m.id"
             " AND g.code LIKE :q || '%'))")
    params = {"scope": _scope(scope), "q": q, "active": active, "limit": limit,
              "offset": offset}
    total = conn.execute(text(f"SELECT count(*) FROM grid_members m WHERE {where}"),
                         params).scalar_one()
    rows = conn.execute(text(f"{_SELECT} WHERE {where} ORDER BY m.name, m.id"
                             " LIMIT :limit OFFSET :offset"), params).mappings()
    return total, [dict(r) for r in rows]


def add_leave(conn: Connection, worker_id: int, leave: dict) -> int:
    return conn.execute(text("""
        INSERT INTO worker_leave (worker_id, starts_on, ends_on, substitute_id, note)
        VALUES (:w, :start, :end, :sub, :note) RETURNING id"""),
        {"w": worker_id, "start": leave["from"], "end": leave["to"],
         "sub": leave["substitute"], "note": leave["note"]}).scalar_one()


def leave_between(conn: Connection, scope, first: dt.date, last: dt.date,
                  worker_id: int | None = None) -> list[dict]:
    """Leave overlapping ``first``…``last`` of the workers in ``scope`` (or one worker)."""
    rows = conn.execute(text(f"""
        SELECT l.id, l.worker_id, m.name, l.starts_on, l.ends_on, l.substitute_id,
               s.name AS substitute_name, l.note, {_LEAVE_VERSION} AS version
          FROM worker_leave l JOIN grid_members m ON m.id = l.worker_id
          LEFT JOIN grid_members s ON s.id = l.substitute_id
         WHERE {_SCOPED} AND l.starts_on <= :last
           AND (l.ends_on IS NULL OR l.ends_on >= :first)
           AND (CAST(:w AS int) IS NULL OR l.worker_id = :w)
         ORDER BY l.starts_on, m.name"""),
        {"scope": _scope(scope), "first": first, "last": last, "w": worker_id}
        ).mappings()
    return [dict(r) for r in rows]


def export_rows(conn: Connection, scope) -> list[dict]:
    """Every active worker in ``scope``, by community and name, for a download."""
    rows = conn.execute(text(f"{_SELECT} WHERE {_SCOPED} AND m.active"
                             " ORDER BY c.code, m.name, m.id"), {"scope": _scope(scope)})
    return [dict(r) for r in rows.mappings()]


# A leave row has no version column: its ETag names a digest of what can change.
_LEAVE_VERSION = ("substr(md5(concat_ws('|', l.starts_on, l.ends_on, l.substitute_id,"
                  " l.note)), 1, 12)")


def leave_one(conn: Connection, worker_id: int, leave_id: int, scope) -> dict | None:
    """One leave of a worker in ``scope``, with its version digest."""
    row = conn.execute(text(f"""
        SELECT l.id, l.worker_id, l.starts_on, l.ends_on, l.substitute_id, l.note,
               {_LEAVE_VERSION} AS version
          FROM worker_leave l JOIN grid_members m ON m.id = l.worker_id
         WHERE l.id = :id AND l.worker_id = :w AND {_SCOPED}"""),
        {"id": leave_id, "w": worker_id, "scope": _scope(scope)}).mappings().first()
    return dict(row) if row else None


def update_leave(conn: Connection, leave_id: int, leave: dict) -> None:
    conn.execute(text("""
        UPDATE worker_leave SET starts_on = :start, ends_on = :end, substitute_id = :sub,
               note = :note WHERE id = :id"""),
        {"id": leave_id, "start": leave["from"], "end": leave["to"],
         "sub": leave["substitute"], "note": leave["note"]})


def delete_leave(conn: Connection, leave_id: int) -> None:
    conn.execute(text("DELETE FROM worker_leave WHERE id = :id"), {"id": leave_id})
