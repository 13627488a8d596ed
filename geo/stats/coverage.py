"""Party-member coverage per grid, community or building: counts only, never a person.

Definitions:

- **serving members** (服务党员) of a grid: party members whose ``serving_grid_id`` is the
  grid — residents serving where they live and in-service members registered there
  (在职党员双报到); both kinds are also given apart. A member serving an older version
  of a grid counts for the current grid with its code.
- **households per serving member** (每名党员联系户数) = households ÷ serving members (no
  value without a member); **over target** when it exceeds ``target``; **no member**
  when a grid with households has no serving member.
- **grid branch** (网格党支部): a ``party_orgs`` row of level ``grid_branch`` for the grid.
- **building party group** (楼栋党小组): a ``party_orgs`` row of level ``building_group``
  for the building.
- **far** (远离党员): a building whose centroid is more than ``distance`` metres from the
  centroid of every building that is the home of a serving member. Only the yes/no
  answer leaves this module: a distance of 0 would say that a member lives there.

Distances are computed in metres (UTM) over building centroids with a k-d tree and kept
in ``building_coverage`` (up to ``MAX_DISTANCE_M``); statement triggers mark them stale
when party members or building outlines change, and ``refresh`` (run before each
coverage request and by ``flask stats refresh``) recomputes them then, once.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Connection, text

from geo.core.params import Box

LEVELS = ("grid", "community", "building")
MAX_DISTANCE_M = 2000.0
BUILDING_LIMIT = 20_000

_STATE = "SELECT dirty FROM stats_state WHERE name = 'coverage' FOR UPDATE"


def refresh(conn: Connection) -> bool:
    """Recompute every building's distance to the nearest serving member's home if party
    members or buildings changed since the last time; True if it did. Runs in the
    caller's transaction; a refresh running elsewhere is waited for, so that no request
    reads distances older than the changes committed before it."""
    if not conn.execute(text(_STATE)).scalar():
        return False
    conn.execute(text("UPDATE stats_state SET dirty = false WHERE name = 'coverage'"))
    conn.execute(text("SET LOCAL statement_timeout = '60s'"))
    rows = conn.execute(text("""
        SELECT b.id, ST_X(c), ST_Y(c),
               b.id IN (SELECT home_building_id FROM party_members
                         WHERE serving_grid_id IS NOT NULL AND home_building_id IS NOT NULL)
          FROM buildings b CROSS JOIN LATERAL ST_PointOnSurface(b.geom) c""")).all()
    ids = [r[0] for r in rows]
    distances = nearest_distances(np.array([r[1:3] for r in rows], float).reshape(-1, 2),
                                  np.array([r[3] for r in rows], bool))
    conn.execute(text("DELETE FROM building_coverage"))
    conn.execute(text("""
        INSERT INTO building_coverage (building_id, nearest_home_m)
        SELECT * FROM unnest(CAST(:ids AS int[]), CAST(:d AS float8[]))"""),
                 {"ids": ids, "d": [None if np.isinf(d) else round(float(d), 1)
                                    for d in distances]})
    return True


def nearest_distances(lon_lat: np.ndarray, is_home: np.ndarray) -> np.ndarray:
    """Metres from each point to the nearest point flagged ``is_home`` (``inf`` beyond
    ``MAX_DISTANCE_M`` or when there is none), in the UTM zone of the points' middle.

    >>> pts = np.array([[116.39, 39.9], [116.39, 39.901], [116.5, 39.9]])
    >>> nearest_distances(pts, np.array([True, False, False])).round()
    array([  0., 111.,  inf])
    """
    out = np.full(len(lon_lat), np.inf)
    if not len(lon_lat) or not is_home.any():
        return out
    from pyproj import Transformer
    from scipy.spatial import cKDTree

    lon0, lat0 = np.median(lon_lat, axis=0)
    zone = int((lon0 + 180) // 6) + 1
    epsg = (32600 if lat0 >= 0 else 32700) + zone
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon_lat[:, 0],
                                                                      lon_lat[:, 1])
    xy = np.column_stack([x, y])
    distance, _ = cKDTree(xy[is_home]).query(xy, distance_upper_bound=MAX_DISTANCE_M)
    return distance


_CURRENT = """current_of AS (  -- grid version → the current grid with its code
    SELECT v.id AS version_id, cur.id AS grid_id FROM grids v
      JOIN grids cur ON cur.code = v.code AND cur.valid_to IS NULL)"""
_GRIDS = f"""
WITH {_CURRENT},
serving AS (
    SELECT co.grid_id, count(*) AS n, count(*) FILTER (WHERE p.kind = 'resident') AS resident,
           count(*) FILTER (WHERE p.kind = 'in_service') AS in_service
      FROM party_members p JOIN current_of co ON co.version_id = p.serving_grid_id
     GROUP BY 1),
branch AS (
    SELECT DISTINCT co.grid_id FROM party_orgs o
      JOIN current_of co ON co.version_id = o.grid_id WHERE o.level = 'grid_branch'),
bld AS (
    SELECT b.grid_id, count(*) AS n, sum(b.households) AS households,
           count(*) FILTER (WHERE b.id IN (SELECT building_id FROM party_orgs
                                            WHERE level = 'building_group')) AS with_group,
           count(*) FILTER (WHERE bc.nearest_home_m IS NULL
                               OR bc.nearest_home_m > :distance) AS far
      FROM buildings b LEFT JOIN building_coverage bc ON bc.building_id = b.id
     WHERE b.grid_id IS NOT NULL GROUP BY 1)
SELECT g.id AS grid_id, g.code AS grid_code, g.name AS grid_name, c.id AS community_id,
       c.code AS community_code, c.name AS community_name,
       coalesce(g.households, bld.households, 0)::int AS households,
       coalesce(s.n, 0) AS serving, coalesce(s.resident, 0) AS serving_resident,
       coalesce(s.in_service, 0) AS serving_in_service,
       br.grid_id IS NOT NULL AS has_branch, coalesce(bld.n, 0) AS buildings,
       coalesce(bld.with_group, 0) AS buildings_with_group,
       coalesce(bld.far, 0) AS buildings_far
  FROM grids g JOIN communities c ON c.id = g.community_id
  LEFT JOIN serving s ON s.grid_id = g.id LEFT JOIN branch br ON br.grid_id = g.id
  LEFT JOIN bld ON bld.grid_id = g.id
 WHERE g.valid_to IS NULL AND (CAST(:scope AS int[]) IS NULL OR g.community_id = ANY(:scope))
 ORDER BY g.code"""


def grid_coverage(conn: Connection, *, scope: frozenset[int] | None, target: float,
                  distance: float) -> list[dict]:
    """One row per current grid in ``scope`` (None: all), by code."""
    conn.execute(text("SET LOCAL statement_timeout = '10s'"))
    rows = conn.execute(text(_GRIDS), {"distance": distance, "scope": _ids(scope)}).mappings()
    return [{**row, **_ratios(row["households"], row["serving"], target)} for row in rows]


def community_coverage(grid_rows: list[dict], target: float) -> list[dict]:
    """The grid rows summed per community, with how many grids lack a member or branch."""
    out: dict[str, dict] = {}
    counts = ("households", "serving", "serving_resident", "serving_in_service",
              "buildings", "buildings_with_group", "buildings_far")
    for g in grid_rows:
        c = out.setdefault(g["community_code"], {
            "community_id": g["community_id"], "community_code": g["community_code"],
            "community_name": g["community_name"], "grids": 0, "grids_with_branch": 0,
            "grids_without_member": 0, **dict.fromkeys(counts, 0)})
        c["grids"] += 1
        c["grids_with_branch"] += g["has_branch"]
        c["grids_without_member"] += g["serving"] == 0
        for key in counts:
            c[key] += g[key]
    return [{**c, **_ratios(c["households"], c["serving"], target)} for c in out.values()]


def _ratios(households: int, serving: int, target: float) -> dict:
    per = round(households / serving, 1) if serving else None
    return {"households_per_member": per, "target": target,
            "no_member": serving == 0 and households > 0,
            "over_target": per is not None and per > target}


_BUILDINGS = """
WITH picked AS MATERIALIZED (  -- filter first: ordering by code would walk its index
    SELECT b.id FROM buildings b
     WHERE (CAST(:scope AS int[]) IS NULL OR b.community_id = ANY(:scope))
       AND (CAST(:community AS text) IS NULL
            OR b.community_id = (SELECT id FROM communities WHERE code = :community))
       AND (CAST(:x0 AS float8) IS NULL
            OR b.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)))
SELECT b.id AS building_id, b.code AS building_code, g.code AS grid_code,
       b.households, EXISTS (SELECT 1 FROM party_orgs o WHERE o.building_id = b.id
                              AND o.level = 'building_group') AS has_group,
       coalesce(bc.nearest_home_m > :distance, true) AS far {geometry}
  FROM picked JOIN buildings b ON b.id = picked.id LEFT JOIN grids g ON g.id = b.grid_id
  LEFT JOIN building_coverage bc ON bc.building_id = b.id
 ORDER BY b.code LIMIT :limit"""


def building_coverage(conn: Connection, *, scope: frozenset[int] | None, distance: float,
                      box: Box | None = None, community: str | None = None,
                      limit: int = BUILDING_LIMIT, geometry_digits: int | None = None
                      ) -> dict:
    """Buildings in ``box`` or ``community`` (and ``scope``): with or without a building
    party group, far or not; at most ``limit`` (``truncated`` says when there were more).
    With ``geometry_digits`` each row also has its outline as GeoJSON at that precision."""
    geometry = ("" if geometry_digits is None else
                f", ST_AsGeoJSON(ST_ForcePolygonCCW(b.geom), {int(geometry_digits)})::json"
                " AS geometry")
    x0, y0, x1, y1 = box or (None,) * 4
    rows = conn.execute(text(_BUILDINGS.format(geometry=geometry)), {
        "distance": distance, "scope": _ids(scope), "community": community, "x0": x0,
        "y0": y0, "x1": x1, "y1": y1, "limit": limit + 1}).mappings().all()
    return {"rows": [dict(r) for r in rows[:limit]], "truncated": len(rows) > limit}


def _ids(scope: frozenset[int] | None) -> list[int] | None:
    return None if scope is None else sorted(scope)
