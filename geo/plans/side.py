"""One set of a community's grids, measured: a plan's, or the version in force on a day.

The checks (:mod:`geo.plans.check`) measure one side, the impact (:mod:`geo.plans.impact`) two.
Both see buildings the way publishing will assign them (``geo.places.assign``: the grid holding
the largest part, lowest code on a tie), and incidents by where they are (the grid that
covers the point, lowest code on a shared edge). Workers and serving party members belong
to a grid *code*: publishing moves them to the new version of their code, so a side's
grid has the people of the current grid with its code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geo.core.statuses import OPEN_SQL
from geo.places.assign import share_sql

RECENT_DAYS = 90


@dataclass(frozen=True)
class Side:
    """A plan's grids (``plan_id``), or the version in force on ``at`` (None: current)."""

    community_id: int
    plan_id: int | None = None
    at: dt.date | None = None

    def label(self) -> str:
        if self.plan_id is not None:
            return f"plan {self.plan_id}"
        return f"version in force on {self.at}" if self.at else "current grids"

    def as_dict(self) -> dict:
        if self.plan_id is not None:
            return {"plan": self.plan_id}
        return {"at": self.at.isoformat() if self.at else None}


def grids_sql(side: Side) -> tuple[str, dict]:
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


@dataclass(frozen=True)
class BuildingFit:
    """Where a building falls among a side's grids: every grid holding part of it, the
    largest part first (its grid by the rule), with the shares."""

    id: int
    code: str
    households: int
    residents: int
    grid_ids: tuple[int, ...]
    codes: tuple[str, ...]
    shares: tuple[float, ...]
    geojson: str | None

    @property
    def grid_id(self) -> int | None:
        return self.grid_ids[0] if self.grid_ids else None

    @property
    def grid_code(self) -> str | None:
        return self.codes[0] if self.codes else None


def buildings(conn: Connection, side: Side, *, with_geom: bool = False) -> list[BuildingFit]:
    """Every building of the community with the side's grids it lies in (see the rule).

    ``with_geom`` adds the footprint (GeoJSON) of buildings split between grids or in none.
    """
    sql, params = grids_sql(side)
    rows = conn.execute(text(_BUILDINGS.format(side=sql)), {**params, "with_geom": with_geom})
    return [BuildingFit(r.id, r.code, r.households, r.residents, tuple(r.grid_ids or ()),
                        tuple(r.codes or ()), tuple(r.shares or ()), r.geojson) for r in rows]


# Incidents by where they are: each in the grid covering it (lowest code on an edge).
_INCIDENTS = f"""
    WITH s AS MATERIALIZED ({{side}}),
    placed AS (
        SELECT DISTINCT ON (i.id) i.id, s.id AS grid_id, i.reported_at, i.status
          FROM s CROSS JOIN LATERAL (
                SELECT i.id, i.reported_at, i.status FROM incidents i
                 WHERE ST_Covers(s.geom, i.geom)
                   AND (i.reported_at >= now() - make_interval(days => :days)
                        OR i.status IN {OPEN_SQL})
                OFFSET 0) i
         ORDER BY i.id, s.code)
    SELECT grid_id,
           count(*) FILTER (WHERE reported_at >= now() - make_interval(days => :days)),
           count(*) FILTER (WHERE status IN {OPEN_SQL})
      FROM placed GROUP BY grid_id
"""


def incident_counts(conn: Connection, side: Side,
                    days: int = RECENT_DAYS) -> dict[int, tuple[int, int]]:
    """Per grid id of the side: (incidents reported in the last ``days``, open incidents)."""
    sql, params = grids_sql(side)
    rows = conn.execute(text(_INCIDENTS.format(side=sql)), {**params, "days": days})
    return {grid_id: (recent, open_) for grid_id, recent, open_ in rows}


_PEOPLE = """
    SELECT g.code,
           (SELECT count(*) FROM grid_members m WHERE m.grid_id = g.id AND m.active),
           (SELECT count(*) FROM party_members p WHERE p.serving_grid_id = g.id)
      FROM grids g WHERE g.community_id = :cid AND g.valid_to IS NULL
"""


def people_by_code(conn: Connection, community_id: int) -> dict[str, tuple[int, int]]:
    """Per current grid code: (active grid workers, serving party members)."""
    rows = conn.execute(text(_PEOPLE), {"cid": community_id})
    return {code: (workers, party) for code, workers, party in rows}
