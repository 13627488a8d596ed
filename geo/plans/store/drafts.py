"""SQL of plans and their contents: the ``plans`` row (create, claim, read, list, rename,
delete), its ``plan_grids``, its ``plan_buildings`` assignments, and what derived and
automatic drafts read from the city (footprints, current names, last year's incidents).

``scope`` arguments are sorted lists of community ids or None (all): the filter is in the
statement, so a plan outside the caller's communities is simply not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, Row, RowMapping, text

Scope = list[int] | None


# ---- plans -------------------------------------------------------------------------------

def community_by_code(conn: Connection, code: str) -> Row | None:
    """``(id, code)`` of the community with ``code``."""
    return conn.execute(text("SELECT id, code FROM communities WHERE code = :c"),
                        {"c": code}).first()


def insert_plan(conn: Connection, community_id: int, name: str, user_id: int | None,
                source: str) -> int:
    """A new draft at version 1; its id."""
    return conn.execute(text(
        "INSERT INTO plans (community_id, name, status, created_by, created_at, updated_at,"
        " version, source) VALUES (:c, :n, 'draft', :u, now(), now(), 1, :s) RETURNING id"),
        {"c": community_id, "n": name, "u": user_id, "s": source}).scalar_one()


def copy_version(conn: Connection, plan_id: int, community_id: int,
                 at: dt.date | None) -> int:
    """Copy the community's grids in force on ``at`` (None: the current ones) into the
    plan; how many."""
    version = ("g.valid_to IS NULL" if at is None else
               "g.valid_from <= :at AND (g.valid_to IS NULL OR g.valid_to > :at)")
    return conn.execute(text(
        "INSERT INTO plan_grids (plan_id, code, name, geom) SELECT :p, g.code, g.name,"
        f" g.geom FROM grids g WHERE g.community_id = :c AND {version} ORDER BY g.code"),
        {"p": plan_id, "c": community_id, "at": at}).rowcount


def plan_community(conn: Connection, plan_id: int | None) -> int | None:
    """The community id of a plan, or None when there is no such plan."""
    return conn.execute(text("SELECT community_id FROM plans WHERE id = :id"),
                        {"id": plan_id}).scalar()


def copy_plan(conn: Connection, plan_id: int, source_id: int) -> None:
    """Copy the grids and building assignments of plan ``source_id`` into the plan."""
    for table, cols in (("plan_grids", "code, name, geom"),
                        ("plan_buildings", "building_id, grid_code")):
        conn.execute(text(f"INSERT INTO {table} (plan_id, {cols}) SELECT :p, {cols}"
                          f" FROM {table} WHERE plan_id = :src"), {"p": plan_id, "src": source_id})


def claim(conn: Connection, plan_id: int, seen: int, scope: Scope) -> Row | None:
    """Bump the plan's version if it is ``seen`` (taking its row lock); the plan's
    ``(id, community_id, code, status, version)`` after, or None when no row matched."""
    return conn.execute(text("""
        UPDATE plans p SET version = version + 1, updated_at = now()
          FROM communities c
         WHERE p.id = :id AND c.id = p.community_id AND p.version = :seen
           AND (CAST(:scope AS int[]) IS NULL OR p.community_id = ANY(:scope))
        RETURNING p.id, p.community_id, c.code, p.status, p.version"""),
        {"id": plan_id, "seen": seen, "scope": scope}).first()


def plan_version(conn: Connection, plan_id: int, scope: Scope) -> int | None:
    """The plan's version, or None when it is absent or outside ``scope``."""
    return conn.execute(text(
        "SELECT version FROM plans WHERE id = :id AND (CAST(:scope AS int[]) IS NULL"
        " OR community_id = ANY(:scope))"), {"id": plan_id, "scope": scope}).scalar()


def plan_ref(conn: Connection, plan_id: int, scope: Scope) -> Row | None:
    """``(id, community_id, community code, status, version)`` of the plan, nothing locked."""
    return conn.execute(text(
        "SELECT p.id, p.community_id, c.code, p.status, p.version FROM plans p"
        " JOIN communities c ON c.id = p.community_id WHERE p.id = :id"
        " AND (CAST(:scope AS int[]) IS NULL OR p.community_id = ANY(:scope))"),
        {"id": plan_id, "scope": scope}).first()


def rename_plan(conn: Connection, plan_id: int, name: str) -> None:
    conn.execute(text("UPDATE plans SET name = :n WHERE id = :id"), {"n": name, "id": plan_id})


def delete_plan(conn: Connection, plan_id: int) -> None:
    """Delete the plan; its grids and assignments go with it (ON DELETE CASCADE)."""
    conn.execute(text("DELETE FROM plans WHERE id = :id"), {"id": plan_id})


_META = """
    SELECT p.id, p.name, p.status, p.source, p.version, p.created_at, p.updated_at,
           p.published_at, c.code AS community_code, c.name AS community_name,
           u.username AS created_by,
           (SELECT count(*) FROM plan_grids pg WHERE pg.plan_id = p.id) AS grids,
           (SELECT count(*) FROM plan_buildings pb WHERE pb.plan_id = p.id)
               AS building_assignments,
           (SELECT bc.effective FROM boundary_changes bc
             WHERE bc.plan_id = p.id AND bc.status = 'scheduled') AS effective
      FROM plans p JOIN communities c ON c.id = p.community_id
      LEFT JOIN users u ON u.id = p.created_by
     WHERE (CAST(:scope AS int[]) IS NULL OR p.community_id = ANY(:scope))
"""


def plan_details(conn: Connection, plan_id: int, scope: Scope) -> RowMapping | None:
    """A plan's row with its community, author and counts of grids and assignments."""
    row = conn.execute(text(_META + " AND p.id = :id"), {"id": plan_id, "scope": scope}).first()
    return None if row is None else row._mapping


def plan_page(conn: Connection, scope: Scope, *, community: str | None, status: str | None,
              limit: int, offset: int) -> tuple[int, list[RowMapping]]:
    """How many plans match, and one page of their details, newest first."""
    where, values = "", {"scope": scope, "limit": limit, "offset": offset,
                         "community": community, "status": status}
    if community:
        where += " AND c.code = :community"
    if status:
        where += " AND p.status = :status"
    total = conn.execute(text(f"SELECT count(*) FROM ({_META}{where}) x"), values).scalar()
    rows = conn.execute(text(f"{_META}{where} ORDER BY p.id DESC LIMIT :limit OFFSET :offset"),
                        values)
    return total, [r._mapping for r in rows]


# ---- plan grids --------------------------------------------------------------------------

def insert_grids(conn: Connection, plan_id: int, codes: Sequence[str], names: Sequence[str],
                 geoms: Sequence[str]) -> None:
    """Add grids given as hex EWKB MultiPolygons.

    PostGIS is the authority on validity (its GEOS is older than shapely's): a geometry
    valid for shapely but not for PostGIS is repaired here rather than refused by the
    table's CHECK constraint.
    """
    conn.execute(text("""
        INSERT INTO plan_grids (plan_id, code, name, geom)
        SELECT :p, r.code, r.name,
               CASE WHEN ST_IsValid(r.g) THEN r.g
                    ELSE ST_Multi(ST_CollectionExtract(ST_MakeValid(r.g), 3)) END
          FROM (SELECT unnest(CAST(:codes AS text[])) AS code,
                       unnest(CAST(:names AS text[])) AS name,
                       ST_GeomFromEWKB(decode(unnest(CAST(:geoms AS text[])), 'hex')) AS g) r
    """), {"p": plan_id, "codes": list(codes), "names": list(names), "geoms": list(geoms)})


def delete_grids(conn: Connection, plan_id: int) -> None:
    conn.execute(text("DELETE FROM plan_grids WHERE plan_id = :p"), {"p": plan_id})


def update_grid(conn: Connection, grid_id: int, code: str | None, name: str | None,
                geom: str | None) -> None:
    """Change a plan grid's code, name or geometry (hex EWKB, repaired as in
    :func:`insert_grids`); None leaves a field as it is."""
    conn.execute(text("""
        UPDATE plan_grids SET code = coalesce(:code, code), name = coalesce(:name, name),
               geom = coalesce(CASE WHEN ST_IsValid(g) THEN g ELSE
                               ST_Multi(ST_CollectionExtract(ST_MakeValid(g), 3)) END, geom)
          FROM (SELECT ST_GeomFromEWKB(decode(CAST(:geom AS text), 'hex')) AS g) x
         WHERE id = :id"""), {"id": grid_id, "code": code, "name": name, "geom": geom})


def plan_grid_id(conn: Connection, plan_id: int, grid_id: int) -> int | None:
    """``grid_id`` if it is a grid of the plan, else None."""
    return conn.execute(text("SELECT id FROM plan_grids WHERE id = :id AND plan_id = :p"),
                        {"id": grid_id, "p": plan_id}).scalar()


def grid_ids_with_code(conn: Connection, plan_id: int, code: str) -> list[int]:
    return list(conn.execute(text("SELECT id FROM plan_grids WHERE plan_id = :p AND code = :c"),
                             {"p": plan_id, "c": code}).scalars())


def delete_grid(conn: Connection, plan_id: int, item: int | str) -> int:
    """Delete the plan's grid with id ``item`` (a number) or code ``item`` (text); how many."""
    column = "id" if isinstance(item, int) else "code"
    return conn.execute(text(f"DELETE FROM plan_grids WHERE plan_id = :p AND {column} = :v"),
                        {"p": plan_id, "v": item}).rowcount


def grids_geojson(conn: Connection, plan_id: int, digits: int) -> dict:
    """The plan's grids as a FeatureCollection (feature id = plan grid id, by code),
    coordinates with ``digits`` decimals; built by PostgreSQL in one value."""
    return conn.execute(text("""
        SELECT json_build_object('type', 'FeatureCollection',
                 'features', coalesce(json_agg(json_build_object(
                     'type', 'Feature', 'id', pg.id,
                     'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(pg.geom), :digits)::json,
                     'properties', json_build_object('code', pg.code, 'name', pg.name,
                         'area_m2', round(ST_Area(pg.geom::geography)::numeric, 1)))
                   ORDER BY pg.code, pg.id), '[]'::json))
          FROM plan_grids pg WHERE pg.plan_id = :p"""),
        {"p": plan_id, "digits": digits}).scalar_one()


def plan_grids_ewkb(conn: Connection, plan_id: int) -> list[Row]:
    """The plan's grids as ``(code, name, geom)``, geom hex EWKB exactly as stored."""
    return conn.execute(text(
        "SELECT coalesce(code, '') AS code, name, encode(ST_AsEWKB(geom), 'hex') AS geom"
        " FROM plan_grids WHERE plan_id = :p ORDER BY code, id"), {"p": plan_id}).all()


def plan_grid_names(conn: Connection, plan_id: int) -> dict[str, str]:
    """Grid code → name in the plan."""
    return dict(conn.execute(text("SELECT code, name FROM plan_grids WHERE plan_id = :p"),
                             {"p": plan_id}).all())


# ---- building assignments ----------------------------------------------------------------

def building_ids(conn: Connection, codes: Sequence[str], community_id: int) -> dict[str, int]:
    """Building code → id, for the codes that are buildings of the community."""
    return dict(conn.execute(text(
        "SELECT code, id FROM buildings WHERE code = ANY(:codes) AND community_id = :c"),
        {"codes": list(codes), "c": community_id}).all())


def store_assignments(conn: Connection, plan_id: int, pairs: Sequence[tuple[int, str]], *,
                      replace: bool) -> int:
    """Write ``(building id, grid code)`` pairs (replacing all of the plan's, or only the
    buildings given); how many were written."""
    if replace:
        conn.execute(text("DELETE FROM plan_buildings WHERE plan_id = :p"), {"p": plan_id})
    return conn.execute(text("""
        INSERT INTO plan_buildings (plan_id, building_id, grid_code)
        SELECT :p, b, g FROM unnest(CAST(:b AS int[]), CAST(:g AS text[])) AS x(b, g)
        ON CONFLICT (plan_id, building_id) DO UPDATE SET grid_code = excluded.grid_code"""),
        {"p": plan_id, "b": [b for b, _ in pairs], "g": [g for _, g in pairs]}).rowcount


def stated_assignments(conn: Connection, plan_id: int) -> dict[int, str]:
    """Building id → the grid code the plan states for it."""
    return dict(conn.execute(text(
        "SELECT building_id, grid_code FROM plan_buildings WHERE plan_id = :p"),
        {"p": plan_id}).all())


def building_labels(conn: Connection, community_id: int) -> dict[int, Row]:
    """Building id → ``(id, name, address)`` of every building of the community."""
    return {r.id: r for r in conn.execute(text(
        "SELECT id, name, address FROM buildings WHERE community_id = :c"), {"c": community_id})}


# ---- what derived and automatic drafts read ----------------------------------------------

def community_wkb(conn: Connection, community_id: int) -> bytes:
    """The community's outline as WKB."""
    return bytes(conn.execute(text("SELECT ST_AsBinary(geom) FROM communities WHERE id = :c"),
                              {"c": community_id}).scalar_one())


def footprints_wkb(conn: Connection, ids: Sequence[int]) -> dict[int, bytes]:
    """Building id → its footprint as WKB."""
    return {i: bytes(w) for i, w in conn.execute(text(
        "SELECT id, ST_AsBinary(geom) FROM buildings WHERE id = ANY(:ids)"), {"ids": list(ids)})}


def current_grid_names(conn: Connection, community_id: int) -> dict[str, str]:
    """Grid code → name of the community's current grids."""
    return dict(conn.execute(text(
        "SELECT code, name FROM grids WHERE community_id = :c AND valid_to IS NULL"),
        {"c": community_id}).all())


_DRAFT_BUILDINGS = """
    SELECT b.id, b.households, ST_AsBinary(b.geom) AS wkb,
           ST_X(ST_PointOnSurface(b.geom)) AS lon, ST_Y(ST_PointOnSurface(b.geom)) AS lat,
           g.code AS grid_code
      FROM buildings b LEFT JOIN grids g ON g.id = b.grid_id AND g.valid_to IS NULL
     WHERE b.community_id = :c ORDER BY b.id
"""


def draft_buildings(conn: Connection, community_id: int) -> list[Row]:
    """The community's buildings by id: households, footprint (WKB), a point on it
    (lon, lat) and the code of the current grid they are in."""
    return conn.execute(text(_DRAFT_BUILDINGS), {"c": community_id}).all()


_INCIDENTS = """
    -- Last year's incidents in the community, each given to its nearest building (KNN on
    -- the GiST index): an incident in a yard or a street counts for the building beside it.
    SELECT nb.id, count(*) AS n
      FROM communities c
      JOIN incidents i ON ST_Covers(c.geom, i.geom)
      CROSS JOIN LATERAL (SELECT b.id FROM buildings b WHERE b.community_id = c.id
                           ORDER BY b.geom <-> i.geom LIMIT 1) nb
     WHERE c.id = :c AND i.reported_at >= now() - interval '365 days'
     GROUP BY nb.id
"""


def incidents_by_building(conn: Connection, community_id: int) -> dict[int, int]:
    """Building id → incidents of the last 365 days nearest to it (buildings with none are
    absent). Allowed a minute: a busy community has many incidents to place."""
    conn.execute(text("SET LOCAL statement_timeout = '60s'"))
    return dict(conn.execute(text(_INCIDENTS), {"c": community_id}).all())
