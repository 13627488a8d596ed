"""SQL of the nesting check (:mod:`geo.boundaries.nesting`): grid area outside its community.

The relations compared are given by the caller as SQL (staged rows, current rows, or the
rows in force on a day), so that one statement serves every kind of change.
"""

from __future__ import annotations

from sqlalchemy import Connection, Row, text

# The staged rows of a layer import (TEMP table ``layer_stage``) as grids or communities.
STAGED_GRIDS = "(SELECT code, parent AS community_code, geom FROM layer_stage) g"
STAGED_COMMUNITIES = "(SELECT code, geom FROM layer_stage) c"
# Current grids, and those of the communities a communities layer stages.
CURRENT_GRIDS_OF_STAGED = """(
    SELECT g.code, cc.code AS community_code, g.geom
      FROM grids g JOIN communities cc ON cc.id = g.community_id
     WHERE g.valid_to IS NULL AND cc.code IN (SELECT code FROM layer_stage)) g"""


def grids_at_of_staged(grids_at: str) -> str:
    """The grids in force on ``:at`` (``grids_at``, aliased g) of the staged communities."""
    return f"""(
        SELECT g.code, cc.code AS community_code, g.geom
          FROM {grids_at} JOIN communities cc ON cc.id = g.community_id
         WHERE cc.code IN (SELECT code FROM layer_stage)) g"""


def outside(conn: Connection, grids: str, communities: str, params: dict,
            tolerance_m2: float) -> list[Row]:
    """Grids (``grids``: aliased g, with ``code``, ``community_code``, ``geom``) whose area
    outside their community (``communities``: aliased c, with ``code``, ``geom``; none
    of that code: all of it) is more than ``tolerance_m2``, on the spheroid. Covered
    grids are passed over before any difference is computed."""
    return conn.execute(text(f"""
        SELECT code, community_code, round(outside_m2::numeric, 1)::float8 AS outside_m2
          FROM (SELECT g.code, g.community_code,
                       ST_Area(CASE WHEN c.code IS NULL THEN g.geom
                                    ELSE ST_Difference(g.geom, c.geom) END::geography)
                           AS outside_m2
                  FROM {grids} LEFT JOIN {communities} ON c.code = g.community_code
                 WHERE c.code IS NULL OR NOT ST_Covers(c.geom, g.geom)) x
         WHERE outside_m2 > :tol ORDER BY code"""), {**params, "tol": tolerance_m2}).all()
