"""Codes and ids named in a request or a file → the rows they mean, within the caller's
communities (``scope``: community ids, None = all). One query per kind of reference for
a whole file, never one per row."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text


def _scope(scope) -> list[int] | None:
    return None if scope is None else sorted(scope)


def grids(conn: Connection, codes: Iterable[str], scope) -> dict[str, tuple[int, int]]:
    """Current grids by code → (id, community_id), those in ``scope`` only."""
    rows = conn.execute(text("""
        SELECT code, id, community_id FROM grids
         WHERE code = ANY(:codes) AND valid_to IS NULL
           AND (CAST(:scope AS int[]) IS NULL OR community_id = ANY(:scope))"""),
        {"codes": sorted(set(codes)), "scope": _scope(scope)})
    return {code: (gid, cid) for code, gid, cid in rows}


def buildings(conn: Connection, codes: Iterable[str], scope) -> dict[str, tuple[int, int]]:
    """Buildings by code → (id, community_id), those in ``scope`` only."""
    rows = conn.execute(text("""
        SELECT code, id, community_id FROM buildings
         WHERE code = ANY(:codes)
           AND (CAST(:scope AS int[]) IS NULL OR community_id = ANY(:scope))"""),
        {"codes": sorted(set(codes)), "scope": _scope(scope)})
    return {code: (bid, cid) for code, bid, cid in rows}


def communities(conn: Connection, codes: Iterable[str], streets: Iterable[str],
                scope) -> dict[str, list[int]]:
    """Community codes → [id] and street codes → [ids of its communities], in ``scope``."""
    rows = conn.execute(text("""
        SELECT code, street_code, id FROM communities
         WHERE (code = ANY(:codes) OR street_code = ANY(:streets))
           AND (CAST(:scope AS int[]) IS NULL OR id = ANY(:scope))"""),
        {"codes": sorted(set(codes)), "streets": sorted(set(streets)),
         "scope": _scope(scope)})
    out: dict[str, list[int]] = {}
    for code, street, cid in rows:
        out.setdefault(code, []).append(cid)
        if street:
            out.setdefault(street, []).append(cid)
    return out


def orgs(conn: Connection, ids: Iterable[int], scope) -> dict[int, int | None]:
    """Party organisations by id → community_id, those in ``scope`` only."""
    rows = conn.execute(text("""
        SELECT id, community_id FROM party_orgs WHERE id = ANY(:ids)
           AND (CAST(:scope AS int[]) IS NULL OR community_id = ANY(:scope))"""),
        {"ids": sorted(set(ids)), "scope": _scope(scope)})
    return dict(rows.all())


def categories(conn: Connection, codes: Iterable[str]) -> set[str]:
    rows = conn.execute(text("SELECT code FROM categories WHERE code = ANY(:c)"),
                        {"c": sorted(set(codes))})
    return {r[0] for r in rows}


def member_accounts(conn: Connection, usernames: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Staff accounts by login → (id, role)."""
    rows = conn.execute(text("SELECT username, id, role FROM users WHERE username = ANY(:u)"),
                        {"u": sorted(set(usernames))})
    return {name: (uid, role) for name, uid, role in rows}


def workers(conn: Connection, ids: Iterable[int], scope) -> dict[int, int | None]:
    """Active workers by id → community_id, those in ``scope`` only."""
    rows = conn.execute(text("""
        SELECT id, community_id FROM grid_members WHERE id = ANY(:ids) AND active
           AND (CAST(:scope AS int[]) IS NULL OR community_id = ANY(:scope))"""),
        {"ids": sorted(set(ids)), "scope": _scope(scope)})
    return dict(rows.all())
