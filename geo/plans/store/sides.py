"""SQL of one side of a redraw: a plan's grids, or the version in force on a day.

A side is given as anything with ``community_id``, ``plan_id`` and ``at``
(:class:`geo.plans.side.Side`); :func:`grids_sql` turns it into a subquery that every
question below starts from, so the checks, the impact report and publishing all read
the same grids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection, Row, text

from geo.core.statuses import OPEN_SQL
from geo.people.party import COUNTED_SQL
from geo.places.assign import share_sql


class SideKey(Protocol):
    """What names a side: a plan (``plan_id``), or the version in force on ``at``."""

    @property
    def community_id(self) -> int: ...
    @property
    def plan_id(self) -> int | None: ...
    @property
    def at(self) -> dt.date | None: ...


def time_limit(conn: Connection, limit: str) -> None:
    """``SET LOCAL statement_timeout = limit`` for the rest of the caller's transaction
    (``set_config(..., true)`` is the same setting, and takes a bind)."""
    conn.execute(text("SELECT set_config('statement_timeout', :v, true)"), {"v": limit})


def grids_sql(side: SideKey) -> tuple[str, dict]:
    """``SELECT id, code, name, geom, community_id`` of the side's grids, and its binds.

    For a plan, ``id`` is the plan grid's id; for a version, the grid version's id.
    """
    params = {"side_cid": side.community_id, "side_plan": side.plan_id, "side_at": side.at}
    if side.plan_id is not None:
        return ("SELECT pg.id, pg.code, pg.name, pg.geom, CAST(:side_cid AS int) AS community_id"
                " FROM plan_grids pg WHERE pg.plan_id = :side_plan"), params
    version = ("g.valid_to IS NULL" if side.at is None else
               "g.valid_from <= :side_at AND (g.valid_to IS NULL OR g.valid_to > :side_at)")
    return ("SELECT g.id, g.code, g.name, g.geom, g.community_id FROM grids g"
            f" WHERE g.community_id = :side_cid AND {version}"), params


# Each grid probes the buildings' GiST index (OFFSET 0 keeps the LATERAL grid-driven).
# Buildings of the community are those whose largest part it holds (buildings.community_id).
_BUILDINGS = f"""
    WITH s AS MATERIALIZED ({{side}}),
    hits AS MATERIALIZED (
        SELECT b.id AS building_id, s.id AS grid_id, s.code, {share_sql("s")} AS share
          FROM s CROSS JOIN LATERAL (
                SELECT b.id, b.geom FROM buildings b
                 WHERE ST_Intersects(s.geom, b.geom) AND b.community_id = :side_cid
                OFFSET 0) b)
    SELECT b.id, b.code, b.households, b.residents,
           h.grid_ids, h.codes, h.shares,
           CASE WHEN coalesce(cardinality(h.grid_ids), 0) <> 1 AND :with_geom
                THEN ST_AsGeoJSON(ST_ForcePolygonCCW(b.geom), 7) END AS geojson
      FROM buildings b
      LEFT JOIN (SELECT building_id,
                        array_agg(grid_id ORDER BY share DESC, code) AS grid_ids,
                        array_agg(code ORDER BY share DESC, code) AS codes,
                        array_agg(share::float8 ORDER BY share DESC, code) AS shares
                   FROM hits WHERE share > 0 GROUP BY building_id) h
             ON h.building_id = b.id
     WHERE b.community_id = :side_cid
     ORDER BY b.code
"""


def building_fits(conn: Connection, side: SideKey, with_geom: bool) -> list[Row]:
    """Every building of the community with the side's grids holding part of it, the
    largest part first (``grid_ids``, ``codes``, ``shares``); ``geojson`` when asked for
    and the building is split or in no grid."""
    sql, params = grids_sql(side)
    return conn.execute(text(_BUILDINGS.format(side=sql)),
                        {**params, "with_geom": with_geom}).all()


# Incidents by where they are: each in the grid covering it (lowest code on an edge).
# Only incidents located in the side's community count (as for buildings and moves): a
# plan grid drawn past the community's edge must not count, or reveal, anyone else's.
_INCIDENTS = f"""
    WITH s AS MATERIALIZED ({{side}}),
    placed AS (
        SELECT DISTINCT ON (i.id) i.id, s.id AS grid_id, i.reported_at, i.status
          FROM s CROSS JOIN LATERAL (
                SELECT i.id, i.reported_at, i.status FROM incidents i
                 WHERE ST_Covers(s.geom, i.geom)
                   AND (i.reported_at >= now() - make_interval(days => :days)
                        OR i.status IN {OPEN_SQL})
                   AND EXISTS (SELECT 1 FROM incident_locations l WHERE l.incident_id = i.id
                                  AND l.community_id = :side_cid)
                OFFSET 0) i
         ORDER BY i.id, s.code)
    SELECT grid_id,
           count(*) FILTER (WHERE reported_at >= now() - make_interval(days => :days)),
           count(*) FILTER (WHERE status IN {OPEN_SQL})
      FROM placed GROUP BY grid_id
"""


def incident_counts(conn: Connection, side: SideKey, days: int) -> dict[int, tuple[int, int]]:
    """Per grid id of the side: (incidents reported in the last ``days``, open incidents)."""
    sql, params = grids_sql(side)
    rows = conn.execute(text(_INCIDENTS.format(side=sql)), {**params, "days": days})
    return {grid_id: (recent, open_) for grid_id, recent, open_ in rows}


_PEOPLE = """
    SELECT g.code,
           (SELECT count(*) FROM grid_members m JOIN worker_grids_now wg
                ON wg.worker_id = m.id WHERE wg.grid_id = g.id AND m.active),
           (SELECT count(*) FROM party_members p WHERE p.serving_grid_id = g.id
               AND COUNTED)
      FROM grids g WHERE g.community_id = :cid AND g.valid_to IS NULL
""".replace("COUNTED", COUNTED_SQL)


def people_by_code(conn: Connection, community_id: int) -> dict[str, tuple[int, int]]:
    """Per current grid code: (active grid workers, serving party members)."""
    rows = conn.execute(text(_PEOPLE), {"cid": community_id})
    return {code: (workers, party) for code, workers, party in rows}


# A grid's shape fingerprint: normalised first (ring orientation, start vertex and part
# order are not a redraw: a plan's grids read as GeoJSON are counter-clockwise).
_SHAPES = """
    SELECT s.id, s.code, s.name, md5(ST_AsEWKB(ST_Normalize(s.geom))) AS shape,
           round(ST_Area(s.geom::geography)::numeric, 1)::float8 AS area_m2
      FROM ({side}) s
"""


def shapes(conn: Connection, side: SideKey) -> list[Row]:
    """Per grid of the side: id, code, name, ``shape`` (a fingerprint) and ``area_m2``."""
    sql, params = grids_sql(side)
    return conn.execute(text(_SHAPES.format(side=sql)), params).all()


_GRIDS = """
    SELECT g.id, g.code, g.name, ST_Area(g.geom::geography) AS area_m2,
           ST_Perimeter(g.geom::geography) AS perimeter_m,
           ST_AsGeoJSON(ST_ForcePolygonCCW(g.geom), 7) AS geojson
      FROM ({side}) g ORDER BY g.code, g.id
"""


def grid_measures(conn: Connection, side: SideKey) -> list[dict]:
    """Per grid of the side, by code: id, code, name, area and perimeter (metres on the
    spheroid) and its outline as GeoJSON."""
    sql, params = grids_sql(side)
    return [dict(r._mapping) for r in conn.execute(text(_GRIDS.format(side=sql)), params)]


# Overlaps between pairs (ST_Relate: interiors meet, so touching edges do not count), the
# community's area left out of the union of grids, each grid's area outside the community,
# and every part of a multi-part grid but its largest. One statement for the plan.
_PIECES = """
    WITH c AS (SELECT geom FROM communities WHERE id = :side_cid),
    g AS MATERIALIZED ({side}),
    pieces AS (
        SELECT 'overlap' AS kind, ARRAY[a.code, b.code] AS codes,
               (ST_Dump(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3))).geom
          FROM g a JOIN g b ON a.id < b.id AND a.geom && b.geom
                           AND ST_Relate(a.geom, b.geom, '2********')
        UNION ALL
        SELECT 'gap', ARRAY[]::text[], (ST_Dump(ST_CollectionExtract(ST_Difference(c.geom,
                   coalesce((SELECT ST_Union(geom) FROM g),
                            ST_SetSRID('POLYGON EMPTY'::geometry, 4326))), 3))).geom
          FROM c
        UNION ALL
        SELECT 'outside', ARRAY[g.code],
               (ST_Dump(ST_CollectionExtract(ST_Difference(g.geom, c.geom), 3))).geom
          FROM g, c WHERE NOT ST_CoveredBy(g.geom, c.geom)
        UNION ALL
        SELECT 'multipart', ARRAY[code], geom FROM (
            SELECT g.code, d.geom,
                   row_number() OVER (PARTITION BY g.id ORDER BY ST_Area(d.geom) DESC) AS rank
              FROM g, ST_Dump(g.geom) d WHERE ST_NumGeometries(g.geom) > 1) parts
         WHERE rank > 1)
    SELECT kind, codes, ST_Area(geom::geography) AS area_m2,
           ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 7) AS geojson
      FROM pieces
     WHERE NOT ST_IsEmpty(geom)
     ORDER BY kind, area_m2 DESC
"""


def pieces(conn: Connection, side: SideKey) -> list[Row]:
    """``(kind, codes, area_m2, geojson)`` of every overlap, gap, outside and extra part of
    the side's grids, largest first within a kind."""
    sql, params = grids_sql(side)
    return conn.execute(text(_PIECES.format(side=sql)), params).all()


def workers(conn: Connection, ids: Sequence[int]) -> list[Row]:
    """Id, name and role of the grid workers ``ids``."""
    return conn.execute(text("SELECT id, name, role FROM grid_members WHERE id = ANY(:ids)"),
                        {"ids": list(ids)}).all()


def building_footprints(conn: Connection, ids: Sequence[int]) -> list[Row]:
    """Id, name, address and footprint (GeoJSON, 7 decimals) of the buildings ``ids``."""
    return conn.execute(text(
        "SELECT id, name, address, ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 7) AS geojson"
        " FROM buildings WHERE id = ANY(:ids)"), {"ids": list(ids)}).all()
