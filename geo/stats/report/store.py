"""The report's own SQL: the outlines its caseload map draws, as SVG path data.

Why SQL: PostGIS simplifies and writes the outlines (``ST_SimplifyPreserveTopology``,
``ST_AsSVG`` with relative moves and 5 decimals) so that a city of 10,000 grids leaves the
database as a few hundred kilobytes of path data in one statement, with no geometry
objects built in Python. The numbers painted on them come from the statistics modules.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# The current grids (or communities) of the scope, simplified at ``tol`` degrees.
# ST_AsSVG writes y as -latitude (SVG's y grows downwards); the extent is in degrees.
_SHAPES = {
    "grid": """
SELECT g.code, ST_AsSVG(ST_SimplifyPreserveTopology(g.geom, :tol), 1, 5) AS d
FROM grids g JOIN communities c ON c.id = g.community_id
WHERE g.valid_to IS NULL AND (CAST(:scope AS int[]) IS NULL OR g.community_id = ANY(:scope))
ORDER BY g.code""",
    "community": """
SELECT c.code, ST_AsSVG(ST_SimplifyPreserveTopology(c.geom, :tol), 1, 5) AS d
FROM communities c
WHERE CAST(:scope AS int[]) IS NULL OR c.id = ANY(:scope)
ORDER BY c.code""",
}

_EXTENT = """
SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1, n
FROM (SELECT ST_Extent(c.geom) AS e,
             (SELECT count(*) FROM grids g WHERE g.valid_to IS NULL
                AND g.community_id = ANY(array_agg(c.id))) AS n
      FROM communities c
      WHERE CAST(:scope AS int[]) IS NULL OR c.id = ANY(:scope)) s"""


Box = tuple[float, float, float, float]


def extent(conn: Connection, *, scope: list[int] | None) -> tuple[Box | None, int]:
    """The communities' extent (lon/lat degrees; None when there are none) and how many
    current grids they hold."""
    rec = conn.execute(text(_EXTENT), {"scope": scope}).mappings().one()
    if rec["x0"] is None:
        return None, 0
    return (rec["x0"], rec["y0"], rec["x1"], rec["y1"]), int(rec["n"] or 0)


def shapes(conn: Connection, *, level: str, scope: list[int] | None,
           tol: float) -> list[tuple[str, str]]:
    """(code, SVG path data) of every current grid or community in the scope."""
    conn.execute(text("SET LOCAL statement_timeout = '30s'"))
    rows = conn.execute(text(_SHAPES[level]), {"scope": scope, "tol": tol})
    return [(code, d) for code, d in rows if d]
