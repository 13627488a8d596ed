"""Party organisations (a tree) and members, with the 双报到 registration decision.
Set-based like ``workers``: one member or 5,000 take the same statement."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from geo.people.party import COUNTED_SQL
from geo.people.store.workers import _ids

MEMBER_COLUMNS = ("name", "kind", "work_unit", "home_building_id", "serving_grid_id",
                  "org_id", "phone", "registered_on", "left_on", "community_id", "status",
                  "decided_by")
_TYPES = {"home_building_id": "int", "serving_grid_id": "int", "org_id": "int",
          "registered_on": "date", "left_on": "date", "community_id": "int"}


def _scope(scope) -> list[int] | None:
    return None if scope is None else sorted(scope)


def insert_members(conn: Connection, rows: Sequence[dict],
                   ids: Sequence[int] | None = None) -> list[int]:
    """Insert members (``MEMBER_COLUMNS``, ``households_linked`` default 0); a decided
    status is stamped now. Their ids (``ids``: given ones, as the demo's frames have)."""
    ids = list(ids) if ids is not None else _ids(conn, "party_members", len(rows))
    unnest = ", ".join(f"CAST(:{c} AS {_TYPES.get(c, 'text')}[])" for c in MEMBER_COLUMNS)
    conn.execute(text(f"""
        INSERT INTO party_members (id, households_linked, decided_at, {', '.join(MEMBER_COLUMNS)})
        SELECT u.id, u.linked, CASE WHEN u.decided_by IS NOT NULL THEN now() END,
               {', '.join(f'u.{c}' for c in MEMBER_COLUMNS)}
          FROM unnest(CAST(:id AS int[]), CAST(:linked AS int[]), {unnest})
            AS u(id, linked, {', '.join(MEMBER_COLUMNS)})"""),
        {"id": ids, "linked": [r.get("households_linked", 0) for r in rows],
         **{c: [r.get(c) for r in rows] for c in MEMBER_COLUMNS}})
    return ids


def update_member(conn: Connection, member_id: int, values: dict) -> None:
    sets = "".join(f"{c} = CAST(:{c} AS {_TYPES.get(c, 'text')}), " for c in values)
    conn.execute(text(f"UPDATE party_members SET {sets}version = version + 1 WHERE id = :id"),
                 {**values, "id": member_id})


def decide(conn: Connection, member_id: int, status: str, actor: str) -> None:
    conn.execute(text("""
        UPDATE party_members SET status = :s, decided_by = :a, decided_at = now(),
               registered_on = coalesce(registered_on, current_date), version = version + 1
         WHERE id = :id"""), {"s": status, "a": actor, "id": member_id})


_MEMBER = """
    SELECT p.id, p.name, p.kind, p.work_unit, p.phone, b.code AS home_building,
           g.code AS serving_grid, p.org_id AS org, o.name AS org_name, p.registered_on,
           p.left_on, p.status, p.decided_by, p.decided_at, p.version, c.code AS community
      FROM party_members p LEFT JOIN buildings b ON b.id = p.home_building_id
      LEFT JOIN grids g ON g.id = p.serving_grid_id LEFT JOIN party_orgs o ON o.id = p.org_id
      LEFT JOIN communities c ON c.id = p.community_id
"""
_SCOPED = "(CAST(:scope AS int[]) IS NULL OR p.community_id = ANY(:scope))"


def member(conn: Connection, member_id: int, scope) -> dict | None:
    row = conn.execute(text(f"{_MEMBER} WHERE p.id = :id AND {_SCOPED}"),
                       {"id": member_id, "scope": _scope(scope)}).mappings().first()
    return dict(row) if row else None


def members(conn: Connection, scope, *, q: str | None, status: str | None, limit: int,
            offset: int) -> tuple[int, list[dict]]:
    """Members in ``scope`` by name, filtered by ``q`` (name or work unit) and status."""
    where = (f"{_SCOPED} AND (CAST(:status AS text) IS NULL OR p.status = :status)"
             " AND (CAST(:q AS text) IS NULL OR p.name LIKE '%' || :q || '%'"
             " OR p.work_unit LIKE '%' || :q || '%')")
    params = {"scope": _scope(scope), "q": q, "status": status, "limit": limit,
              "offset": offset}
    total = conn.execute(text(f"SELECT count(*) FROM party_members p WHERE {where}"),
                         params).scalar_one()
    rows = conn.execute(text(f"{_MEMBER} WHERE {where} ORDER BY p.status = 'pending' DESC,"
                             " p.name, p.id LIMIT :limit OFFSET :offset"), params).mappings()
    return total, [dict(r) for r in rows]


def export_members(conn: Connection, scope) -> list[dict]:
    rows = conn.execute(text(f"{_MEMBER} WHERE {_SCOPED} ORDER BY c.code, p.name, p.id"),
                        {"scope": _scope(scope)}).mappings()
    return [dict(r) for r in rows]


ORG_COLUMNS = ("name", "level", "parent_id", "community_id", "grid_id", "building_id")


def insert_orgs(conn: Connection, rows: Sequence[dict],
                ids: Sequence[int] | None = None) -> list[int]:
    """Insert organisations (``ORG_COLUMNS``); parents before children."""
    ids = list(ids) if ids is not None else _ids(conn, "party_orgs", len(rows))
    types = {"name": "text", "level": "text"}
    unnest = ", ".join(f"CAST(:{c} AS {types.get(c, 'int')}[])" for c in ORG_COLUMNS)
    conn.execute(text(f"""
        INSERT INTO party_orgs (id, {', '.join(ORG_COLUMNS)})
        SELECT * FROM unnest(CAST(:id AS int[]), {unnest})"""),
        {"id": ids, **{c: [r.get(c) for r in rows] for c in ORG_COLUMNS}})
    return ids


def insert_org(conn: Connection, values: dict) -> int:
    return insert_orgs(conn, [values])[0]


def orgs(conn: Connection, scope) -> list[dict]:
    """Organisations in ``scope`` as a flat list in tree order (parent before child),
    with depth, what each covers and its counted members."""
    rows = conn.execute(text("""
        WITH RECURSIVE tree AS (
            SELECT o.id, o.parent_id, 0 AS depth, ARRAY[o.id] AS path FROM party_orgs o
             WHERE o.parent_id IS NULL OR o.parent_id NOT IN (SELECT id FROM party_orgs)
            UNION ALL
            SELECT o.id, o.parent_id, t.depth + 1, t.path || o.id
              FROM party_orgs o JOIN tree t ON o.parent_id = t.id
             WHERE NOT o.id = ANY(t.path))
        SELECT o.id, o.name, o.level, o.parent_id AS parent, t.depth, c.code AS community,
               g.code AS grid, b.code AS building, o.version,
               (SELECT count(*) FROM party_members p WHERE p.org_id = o.id
                  AND COUNTED) AS members
          FROM tree t JOIN party_orgs o ON o.id = t.id
          LEFT JOIN communities c ON c.id = o.community_id
          LEFT JOIN grids g ON g.id = o.grid_id LEFT JOIN buildings b ON b.id = o.building_id
         WHERE CAST(:scope AS int[]) IS NULL OR o.community_id = ANY(:scope)
         ORDER BY t.path""".replace("COUNTED", COUNTED_SQL)),
        {"scope": _scope(scope)}).mappings()
    return [dict(r) for r in rows]


def org(conn: Connection, org_id: int, scope) -> dict | None:
    return next((o for o in orgs(conn, scope) if o["id"] == org_id), None)


def update_org(conn: Connection, org_id: int, values: dict) -> None:
    sets = "".join(f"{c} = :{c}, " for c in values)
    conn.execute(text(f"UPDATE party_orgs SET {sets}version = version + 1 WHERE id = :id"),
                 {**values, "id": org_id})


def subtree(conn: Connection, org_id: int) -> set[int]:
    """The organisation and every organisation below it."""
    return set(conn.execute(text("""
        WITH RECURSIVE below AS (
            SELECT CAST(:id AS int) AS id
            UNION SELECT o.id FROM party_orgs o JOIN below b ON o.parent_id = b.id)
        SELECT id FROM below"""), {"id": org_id}).scalars())


def org_dependants(conn: Connection, org_id: int) -> tuple[int, int]:
    """(child organisations, members of any status) of an organisation."""
    row = conn.execute(text("""
        SELECT (SELECT count(*) FROM party_orgs WHERE parent_id = :id),
               (SELECT count(*) FROM party_members WHERE org_id = :id)"""),
        {"id": org_id}).one()
    return row[0], row[1]


def delete_org(conn: Connection, org_id: int) -> None:
    conn.execute(text("DELETE FROM party_orgs WHERE id = :id"), {"id": org_id})
