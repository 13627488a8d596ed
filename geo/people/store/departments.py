"""Departments and resident units: contacts, the communities they serve, the categories
they handle."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from geo.people.store.workers import _ids

COLUMNS = ("name", "kind", "contact_name", "contact_phone")


def _scope(scope) -> list[int] | None:
    return None if scope is None else sorted(scope)


def insert(conn: Connection, rows: Sequence[dict]) -> list[int]:
    """Insert departments (``COLUMNS`` + ``community_ids``, ``categories``)."""
    ids = _ids(conn, "departments", len(rows))
    conn.execute(text(f"""
        INSERT INTO departments (id, {', '.join(COLUMNS)})
        SELECT * FROM unnest(CAST(:id AS int[]), {', '.join(f'CAST(:{c} AS text[])'
                                                             for c in COLUMNS)})"""),
        {"id": ids, **{c: [r[c] for r in rows] for c in COLUMNS}})
    set_links(conn, ids, [r["community_ids"] for r in rows], [r["categories"] for r in rows])
    return ids


def set_links(conn: Connection, ids: Sequence[int], communities: Sequence[Sequence[int]],
              categories: Sequence[Sequence[str]]) -> None:
    """Replace the communities and categories of departments ``ids``."""
    conn.execute(text("DELETE FROM department_communities WHERE department_id = ANY(:i)"),
                 {"i": list(ids)})
    conn.execute(text("DELETE FROM department_categories WHERE department_id = ANY(:i)"),
                 {"i": list(ids)})
    pairs = [(d, c) for d, cs in zip(ids, communities, strict=True) for c in dict.fromkeys(cs)]
    cats = [(d, c) for d, cs in zip(ids, categories, strict=True) for c in cs]
    for table, column, values, kind in (("department_communities", "community_id", pairs, "int"),
                                        ("department_categories", "category_code", cats, "text")):
        if values:
            conn.execute(text(f"""
                INSERT INTO {table} (department_id, {column})
                SELECT * FROM unnest(CAST(:d AS int[]), CAST(:v AS {kind}[]))"""),
                {"d": [p[0] for p in values], "v": [p[1] for p in values]})


def update(conn: Connection, dept_id: int, values: dict) -> None:
    sets = "".join(f"{c} = :{c}, " for c in values)
    conn.execute(text(f"UPDATE departments SET {sets}version = version + 1 WHERE id = :id"),
                 {**values, "id": dept_id})


_SELECT = """
    SELECT d.id, d.name, d.kind, d.contact_name, d.contact_phone, d.active, d.version,
           (SELECT coalesce(array_agg(c.code ORDER BY c.code), '{}') FROM department_communities dc
              JOIN communities c ON c.id = dc.community_id WHERE dc.department_id = d.id)
             AS communities,
           (SELECT coalesce(array_agg(category_code ORDER BY category_code), '{}')
              FROM department_categories WHERE department_id = d.id) AS categories
      FROM departments d
"""
# A department is within a limited caller's reach when it serves one of its communities.
_SCOPED = """(CAST(:scope AS int[]) IS NULL OR EXISTS (SELECT 1 FROM department_communities dc
               WHERE dc.department_id = d.id AND dc.community_id = ANY(:scope)))"""


def one(conn: Connection, dept_id: int, scope) -> dict | None:
    row = conn.execute(text(f"{_SELECT} WHERE d.id = :id AND {_SCOPED}"),
                       {"id": dept_id, "scope": _scope(scope)}).mappings().first()
    return dict(row) if row else None


def listing(conn: Connection, scope, *, q: str | None, limit: int,
            offset: int) -> tuple[int, list[dict]]:
    where = (f"{_SCOPED} AND d.active AND (CAST(:q AS text) IS NULL"
             " OR d.name LIKE '%' || :q || '%' OR d.contact_name LIKE '%' || :q || '%')")
    params = {"scope": _scope(scope), "q": q, "limit": limit, "offset": offset}
    total = conn.execute(text(f"SELECT count(*) FROM departments d WHERE {where}"),
                         params).scalar_one()
    rows = conn.execute(text(f"{_SELECT} WHERE {where} ORDER BY d.name"
                             " LIMIT :limit OFFSET :offset"), params).mappings()
    return total, [dict(r) for r in rows]


def export_rows(conn: Connection, scope) -> list[dict]:
    return listing(conn, scope, q=None, limit=2**31 - 1, offset=0)[1]


def existing_names(conn: Connection, names: Sequence[str]) -> set[str]:
    rows = conn.execute(text("SELECT name FROM departments WHERE name = ANY(:n)"),
                        {"n": sorted(set(names))})
    return {r[0] for r in rows}
