"""Assigning things to grids: the one rule, and the SQL that applies it.

The rule (DESIGN.md "Assigning things to grids")
-------------------------------------------------
A point (an incident, a lookup) is located against the **current** grids
(``valid_to IS NULL``):

1. **covered**: the grid that covers it (``ST_Covers``, so a point on an edge or a vertex
   counts as inside). A point on a shared edge or vertex is covered by several grids; it
   goes to the one with the **lowest grid code**, the same one every time.
2. **snapped**: otherwise, when a grid lies within ``snap_meters`` (``ASSIGN_SNAP_METERS``,
   default 50 m, measured on the spheroid), the nearest such grid (lowest code on a tie);
   the distance is recorded.
3. **out_of_area**: otherwise no grid; the community that covers the point (lowest code)
   is still recorded when there is one. Such a point is kept, never dropped.

A building goes to the grid that holds the largest part of its footprint (lowest code
on a tie); buildings that touch no grid keep only their community (largest overlap).

Bulk work is set-based: one statement per rule step for the whole table, driven by
the grids (each grid probes the GiST index on the points once), which is several times
faster than letting every point probe the grids. Incident locations are *appended* to the
narrow ``incident_locations`` table rather than written into the wide incident rows; an
incident with no location row has not been located yet, so re-running is a no-op.

The SQL stays here, with the rule it is: other domains compose :func:`locate_sql` into
their own statements (the lookup, intake, imports, plans), and the bulk statements are
the rule applied to a whole table. The domain's other SQL is in ``geo.places.store``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geo.pg.bulk import foreign_keys_checked_once, indexes_rebuilt

DEFAULT_SNAP_METERS = 50.0

# Grid bounding boxes are compared in degrees before the exact distance on the spheroid;
# this box must hold every point within snap metres: metres per degree of latitude is at
# least 110,574 and of longitude 111,320 * cos(lat) (1 % margin for safety).
_EXPAND = ("ST_Expand({p}, 1.01 * :snap / (111320 * cos(radians(ST_Y({p})))), "
           "1.01 * :snap / 110574)")

# One point → its location. UNION ALL + LIMIT 1 runs the branches in order and stops at
# the first that yields a row, so the snapping and community branches cost nothing for
# the common case of a covered point.
_LOCATE = """
    (SELECT g.id AS grid_id, g.community_id, 'covered' AS state, NULL::float8 AS distance_m
       FROM {grids}
      WHERE {version} AND ST_Covers(g.geom, {p})
      ORDER BY g.code LIMIT 1)
    UNION ALL
    (SELECT g.id, g.community_id, 'snapped',
            ST_Distance(g.geom::geography, {p}::geography) AS distance_m
       FROM {grids}
      WHERE {version} AND g.geom && {expand}
        AND ST_DWithin(g.geom::geography, {p}::geography, :snap)
      ORDER BY distance_m, g.code LIMIT 1)
    UNION ALL
    (SELECT NULL::int, c.id, 'out_of_area', NULL::float8
       FROM {communities} WHERE ST_Covers(c.geom, {p}) ORDER BY c.code LIMIT 1)
    UNION ALL
    (SELECT NULL::int, NULL::int, 'out_of_area', NULL::float8)
    LIMIT 1
"""


CURRENT = "g.valid_to IS NULL"
# A version is in force from valid_from (inclusive) until valid_to (exclusive).
IN_FORCE_AT = "g.valid_from <= :at AND (g.valid_to IS NULL OR g.valid_to > :at)"

# The communities (and so the streets) as they were on :at (community_versions, written
# by the trigger of migration 0016): id is the community's, as everywhere else. From its
# ``effective`` day a scheduled communities layer's rows replace the versions of their
# codes (a new code has no community yet: its id is minus its boundary_change_communities
# row's); a column the layer leaves empty keeps the current value.
COMMUNITIES_AT = """(
    SELECT v.community_id AS id, v.code, v.name, v.street_name, v.street_code, v.geom,
           v.valid_from, v.valid_to, cc.households, cc.office_address
      FROM community_versions v JOIN communities cc ON cc.id = v.community_id
     WHERE v.valid_from <= :at AND (v.valid_to IS NULL OR v.valid_to > :at)
       AND NOT (v.valid_to IS NULL AND EXISTS (
            SELECT 1 FROM boundary_change_communities bk
              JOIN boundary_changes bc ON bc.id = bk.change_id
             WHERE bc.status = 'scheduled' AND bc.effective <= :at AND bk.code = v.code))
    UNION ALL
    SELECT coalesce(cc.id, -bk.id), bk.code, coalesce(bk.name, cc.name),
           coalesce(bk.street_name, cc.street_name), coalesce(bk.street_code, cc.street_code),
           bk.geom, bc.effective, NULL::date, coalesce(bk.households, cc.households),
           coalesce(bk.office_address, cc.office_address)
      FROM boundary_change_communities bk JOIN boundary_changes bc ON bc.id = bk.change_id
      LEFT JOIN communities cc ON cc.code = bk.code
     WHERE bc.status = 'scheduled' AND bc.effective <= :at) c"""

# The grids in force on :at, changes scheduled for a later day included
# (geo.boundaries.schedule): from its ``effective`` day a scheduled change's grids
# replace the current ones it changes (a plan's: all of its community's; a layer's: those
# of its codes). A scheduled grid has no version row yet: its id is minus the id of its
# boundary_change_grids row. Both branches are simple, so PostgreSQL pushes the location
# rule's conditions (and the GiST index) into each.
GRIDS_AT = """(
    SELECT g.id, g.code, g.name, g.community_id, g.geom, g.valid_from, g.valid_to,
           g.households
      FROM grids g
     WHERE g.valid_from <= :at AND (g.valid_to IS NULL OR g.valid_to > :at)
       AND NOT (g.valid_to IS NULL AND EXISTS (
            SELECT 1 FROM boundary_changes bc
             WHERE bc.status = 'scheduled' AND bc.effective <= :at
               AND (bc.community_id = g.community_id
                    OR EXISTS (SELECT 1 FROM boundary_change_grids bg
                                WHERE bg.change_id = bc.id AND bg.code = g.code))))
    UNION ALL
    SELECT -bg.id, bg.code, bg.name, bg.community_id, bg.geom, bc.effective, NULL::date,
           bg.households
      FROM boundary_change_grids bg JOIN boundary_changes bc ON bc.id = bg.change_id
     WHERE bc.status = 'scheduled' AND bc.effective <= :at) g"""


def locate_sql(point: str, grids: str = "grids g", version: str = CURRENT,
               communities: str = "communities c") -> str:
    """The rule as a subquery over the SQL expression ``point`` (needs ``:snap`` bound).

    ``grids`` is the relation the grids come from, aliased ``g`` (with ``id``, ``code``,
    ``community_id`` and ``geom``), and ``version`` picks the rows of it to use: the
    current grids by default, :data:`IN_FORCE_AT` (binds ``:at``) for a past date (or
    ``grids`` = :data:`GRIDS_AT` with ``version`` TRUE for any date, scheduled changes
    included), or a redraw plan's grids (``geo.plans.store.sides``) to see where a point would go.
    ``communities`` (aliased ``c``): where an out-of-area point is, the current ones by
    default, :data:`COMMUNITIES_AT` for a date.
    """
    return _LOCATE.format(p=point, expand=_EXPAND.format(p=point), grids=grids,
                          version=version, communities=communities)


@dataclass(frozen=True)
class Location:
    grid_id: int | None
    community_id: int | None
    state: str  # covered | snapped | out_of_area
    distance_m: float | None


def locate_point(conn: Connection, lon: float, lat: float,
                 snap_meters: float = DEFAULT_SNAP_METERS) -> Location:
    """Locate one WGS-84 point by the rule above.

    >>> # covered point: Location(grid_id=7, community_id=2, state='covered', distance_m=None)
    """
    point = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
    row = conn.execute(text(f"SELECT * FROM ({locate_sql(point)}) loc"),
                       {"lon": lon, "lat": lat, "snap": snap_meters}).one()
    return Location(row.grid_id, row.community_id, row.state, row.distance_m)


_PENDING = ("NOT EXISTS (SELECT 1 FROM incident_locations l WHERE l.incident_id = i.id)"
            " {scope}")

# Step 1, covered: grid-driven. The OFFSET 0 fence stops the planner from flattening the
# LATERAL into a point-driven loop (it does so by itself at 1M rows, ~5x slower).
# DISTINCT ON keeps the lowest grid code for points on shared edges.
_ASSIGN_COVERED = """
    INSERT INTO incident_locations (incident_id, grid_id, community_id, state)
    SELECT DISTINCT ON (i.id) i.id, g.id, g.community_id, 'covered'
      FROM grids g
      CROSS JOIN LATERAL (
            SELECT i.id FROM incidents i
             WHERE ST_Covers(g.geom, i.geom) AND {pending}
            OFFSET 0) i
     WHERE g.valid_to IS NULL
     ORDER BY i.id, g.code
"""

# Steps 2 and 3 for what is left (a few per cent): point-driven through the same rule.
_ASSIGN_REST = """
    INSERT INTO incident_locations (incident_id, grid_id, community_id, state, snap_distance_m)
    SELECT i.id, loc.grid_id, loc.community_id, loc.state, loc.distance_m
      FROM incidents i
      CROSS JOIN LATERAL ({locate}) loc
     WHERE i.geom IS NOT NULL AND {pending}
"""


def assign_incidents(conn: Connection, *, snap_meters: float = DEFAULT_SNAP_METERS,
                     only_pending: bool = True, ids: Sequence[int] | None = None,
                     grid_driven: bool | None = None) -> dict:
    """Locate incidents that have no location yet; return counts per state.

    ``ids`` limits the work to those incidents. ``only_pending=False`` first forgets
    the existing locations of the incidents in scope and locates them again (for
    repairs; a redraw re-locates open incidents through the plan publisher instead).
    Idempotent: a second call finds nothing pending and writes nothing.
    ``grid_driven`` forces (True) or skips (False) the grid-driven first step; by
    default it runs for the whole table or more than 1,000 ids.
    """
    scope = "AND i.id = ANY(:ids)" if ids is not None else ""
    params = {"snap": snap_meters, "ids": list(ids) if ids is not None else None}
    if not only_pending:
        where = "WHERE incident_id = ANY(:ids)" if ids is not None else ""
        conn.execute(text(f"DELETE FROM incident_locations {where}"), params)
    pending = _PENDING.format(scope=scope)
    steps = [_ASSIGN_REST.format(locate=locate_sql("i.geom"), pending=pending)]
    if grid_driven is None:
        grid_driven = ids is None or len(ids) > 1000
    if not grid_driven:  # a handful of points: point by point
        return _run_steps(conn, steps, params)
    steps.insert(0, _ASSIGN_COVERED.format(pending=pending))
    # Set-based: sort in memory, and check foreign keys once at the end, not per row.
    conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    with foreign_keys_checked_once(conn, "incident_locations"):
        return _run_steps(conn, steps, params, analyze_between=True)


def _run_steps(conn: Connection, steps: list[str], params: dict,
               analyze_between: bool = False) -> dict:
    counts = dict.fromkeys(("covered", "snapped", "out_of_area"), 0)
    for i, step in enumerate(steps):
        if analyze_between and i:  # the bulk step just added ~1M rows the anti-join must see
            conn.exec_driver_sql("ANALYZE incident_locations")
        counted = (f"WITH ins AS ({step} RETURNING state)"
                   " SELECT state, count(*) FROM ins GROUP BY state")
        for state, n in conn.execute(text(counted), params).all():
            counts[state] += n
    return counts


# Largest overlap. Most buildings lie wholly inside one grid: ST_CoveredBy settles those
# without computing an intersection. Parts are ranked by their share of the footprint,
# rounded to a millionth so that halves which differ only in the last bits of floating
# point tie and fall to the lowest code. (A share is the same in square degrees as in
# square metres: the scale factor is constant across one building.)
_SHARE = ("round((CASE WHEN ST_CoveredBy(b.geom, {a}.geom) THEN 1.0 ELSE"
          " ST_Area(ST_Intersection(b.geom, {a}.geom)) / NULLIF(ST_Area(b.geom), 0) END"
          ")::numeric, 6)")

def share_sql(grid: str) -> str:
    """The share of building ``b``'s footprint inside ``grid``.geom, rounded as the rule
    ranks it (for measuring a plan's grids the way publishing will assign)."""
    return _SHARE.format(a=grid)


# One statement. Candidate grids per building, grid-driven (each grid probes the
# buildings' GiST index once and PostGIS reuses the grid's prepared geometry; OFFSET 0
# keeps the planner from turning it around). Most buildings touch one grid and need no
# areas at all; shares are computed only for the others. The largest community is
# looked up only for buildings no grid touches; then one UPDATE rewrites only rows whose
# answer changed (a second run writes nothing) and clears buildings that touch neither.
# ``best`` is materialized so that the UPDATE joins it to buildings by hash: the planner
# guesses the CTEs above at a few thousand rows and would otherwise probe the primary key
# once per building (0.7 s of 5 s for the city's 300,000).
_ASSIGN_BUILDINGS = """
    WITH {scoped}pairs AS MATERIALIZED (
        SELECT x.building_id, g.id AS grid_id, g.community_id, g.code,
               count(*) OVER (PARTITION BY x.building_id) AS candidates
          FROM grids g
          CROSS JOIN LATERAL (
                SELECT b.id AS building_id FROM buildings b
                 WHERE ST_Intersects(g.geom, b.geom) {scope}
                OFFSET 0) x
         WHERE g.valid_to IS NULL {grid_scope}),
    by_grid AS MATERIALIZED (
        SELECT building_id, grid_id, community_id FROM pairs WHERE candidates = 1
        UNION ALL
        (SELECT DISTINCT ON (p.building_id) p.building_id, p.grid_id, p.community_id
           FROM pairs p
           JOIN buildings b ON b.id = p.building_id
           JOIN grids g ON g.id = p.grid_id
          WHERE p.candidates > 1
          ORDER BY p.building_id, SHARE_G DESC NULLS LAST, p.code)),
    by_community AS (
        -- only for buildings that no grid touches (usually none): filter first
        SELECT b.id AS building_id, c.community_id
          FROM (SELECT b.id, b.geom FROM {buildings} b
                 WHERE NOT EXISTS (SELECT 1 FROM by_grid x WHERE x.building_id = b.id)
                OFFSET 0) b
          CROSS JOIN LATERAL (
                SELECT c.id AS community_id FROM communities c
                 WHERE ST_Intersects(c.geom, b.geom)
                 ORDER BY SHARE_C DESC NULLS LAST, c.code LIMIT 1) c),
    best AS MATERIALIZED (
        SELECT b.id, bg.grid_id, coalesce(bg.community_id, bc.community_id) AS community_id
          FROM {buildings} b
          LEFT JOIN by_grid bg ON bg.building_id = b.id
          LEFT JOIN by_community bc ON bc.building_id = b.id)
    UPDATE buildings b SET grid_id = best.grid_id, community_id = best.community_id
      FROM best
     WHERE b.id = best.id
       AND (b.grid_id IS DISTINCT FROM best.grid_id
            OR b.community_id IS DISTINCT FROM best.community_id)
""".replace("SHARE_G", _SHARE.format(a="g")).replace("SHARE_C", _SHARE.format(a="c"))


# With a scope: the buildings touching those communities are found once (the communities
# probe the buildings' index), and only grids meeting the box around them take part.
# Otherwise every current grid of the city would probe the index, and every building
# would be tested against the scope (about 3 s on the city demo to re-assign one
# community after a redraw, instead of a few tens of milliseconds).
_SCOPED = {
    "scoped": """scoped AS MATERIALIZED (
        SELECT DISTINCT ON (nb.id) nb.id, nb.geom
          FROM communities nc JOIN buildings nb ON ST_Intersects(nc.geom, nb.geom)
         WHERE nc.id = ANY(:cids)),
    """,
    "scope": "AND b.id IN (SELECT id FROM scoped)",
    "grid_scope": "AND g.geom && (SELECT ST_SetSRID(ST_Extent(geom)::geometry, 4326)"
                  " FROM scoped)",
    "buildings": "scoped",
}
_WHOLE_CITY = {"scoped": "", "scope": "", "grid_scope": "", "buildings": "buildings"}


def assign_buildings(conn: Connection, community_ids: Sequence[int] | None = None) -> int:
    """Point every building at the current grid holding its largest part; return rows changed.

    ``community_ids`` limits the work to buildings touching those communities. Without
    it (the whole city), the indexes on grid_id/community_id are rebuilt after the update
    instead of maintained row by row, so that rows are rewritten within their pages
    (buildings keep half of each page free for that); this holds an exclusive lock on
    buildings for the few seconds it takes.
    """
    params: dict = {}
    parts = _WHOLE_CITY
    if community_ids is not None:
        parts = _SCOPED
        params["cids"] = list(community_ids)
    conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    sql = text(_ASSIGN_BUILDINGS.format(**parts))
    with foreign_keys_checked_once(conn, "buildings"):
        if community_ids is not None:
            return conn.execute(sql, params).rowcount
        with indexes_rebuilt(conn, "buildings", _BUILDING_ASSIGNMENT_INDEXES):
            return conn.execute(sql, params).rowcount


_BUILDING_ASSIGNMENT_INDEXES = ("ix_buildings_community_id", "ix_buildings_grid_id")
