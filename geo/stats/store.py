"""Every SQL statement of the statistics package, one named function per question.

Why raw SQL: the numbers are aggregates over the whole city that PostgreSQL computes in
one pass each, and an ORM would spell them as many round trips:

- **caseload** (:mod:`geo.stats.caseload`): ``incident_facts`` is refreshed by one
  set-based statement per batch (a ``DELETE ... RETURNING`` of the queued ids feeding an
  ``INSERT ... ON CONFLICT``), and summed with ``FILTER``-ed aggregates over a covering
  index, one pass per kind of count;
- **coverage** (:mod:`geo.stats.coverage`): per grid and per building counts in one
  statement each (grid versions mapped to the current grid with their code in a CTE); the
  stored distances are replaced with one ``unnest`` insert. Only counts and yes/no
  answers leave these statements, never a person;
- **maps** (:mod:`geo.stats.mapshapes`): outlines snapped to the zoom's lattice by
  ``ST_SnapToGrid`` in the database (fewer vertices sent), heat bins grouped on the
  lattice so the answer's size depends on the view and not on the number of incidents,
  and a grid's card with its workers aggregated to JSON.

Scopes are sorted lists of community ids or None (all); heavy statements set their own
``statement_timeout`` for the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, Row, RowMapping, text

from geo.core.params import Box
from geo.core.statuses import OPEN_SQL, OVERDUE_SQL
from geo.people.party import COUNTED_SQL

# ---- caseload -----------------------------------------------------------------------

# Recompute the facts of a batch of dirty incidents. Frozen copies in migrations 0007 and
# 0022_eval. The evaluation's columns (geo.stats.indicators): the assignee and department,
# the response limit and whether the first response met it, rejected, the latest rating,
# the 返工 count, an approved extension, the 督办 marks.
_REFRESH = """
WITH batch AS (
    DELETE FROM stats_dirty WHERE incident_id IN (
        SELECT incident_id FROM stats_dirty ORDER BY incident_id LIMIT :limit
           FOR UPDATE)
    RETURNING incident_id),
gone AS (  -- incidents deleted since (the design never does; a test or a repair might)
    DELETE FROM incident_facts f USING batch
     WHERE f.incident_id = batch.incident_id
       AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = batch.incident_id)),
ev AS (
    SELECT incident_id,
           min(at) FILTER (WHERE action IN ('accept', 'dispatch')) AS responded_at,
           min(at) FILTER (WHERE action = 'resolve') AS resolved_at,
           min(id) FILTER (WHERE action = 'resolve') AS first_resolve_id,
           max(id) FILTER (WHERE action IN ('reopen', 'return', 'rework')) AS last_rework_id,
           bool_or(action = 'extend_approve') AS extended,
           count(*) FILTER (WHERE action = 'supervise') AS supervised
      FROM incident_events WHERE incident_id IN (SELECT incident_id FROM batch)
     GROUP BY incident_id)
INSERT INTO incident_facts (incident_id, grid_id, community_id, category, reported_at,
                            response_s, resolved_at, reworked, closed_at, close_s, on_time,
                            merged, assignee_id, department_id, response_due_at,
                            responded_on_time, rejected, rating, rework_count, extended,
                            supervised)
SELECT i.id, l.grid_id, l.community_id, i.category, i.reported_at,
       CASE WHEN e.responded_at IS NOT NULL  -- greatest() would turn NULL into 0
            THEN greatest(extract(epoch FROM e.responded_at - i.reported_at), 0) END,
       e.resolved_at, coalesce(e.last_rework_id > e.first_resolve_id, false),
       c.closed_at, CASE WHEN c.closed_at IS NOT NULL
                         THEN greatest(extract(epoch FROM c.closed_at - i.reported_at), 0) END,
       CASE WHEN c.closed_at IS NOT NULL THEN i.due_at IS NULL OR c.closed_at <= i.due_at END,
       i.merged_into_id IS NOT NULL, i.assignee_id, i.department_id, i.response_due_at,
       CASE WHEN e.responded_at IS NOT NULL
            THEN i.response_due_at IS NULL OR e.responded_at <= i.response_due_at END,
       i.status = 'rejected',
       (SELECT r.rating FROM incident_ratings r WHERE r.incident_id = i.id
         ORDER BY r.at DESC, r.id DESC LIMIT 1),
       i.rework_count, coalesce(e.extended, false), coalesce(e.supervised, 0)
  FROM batch JOIN incidents i ON i.id = batch.incident_id
  LEFT JOIN incident_locations l ON l.incident_id = i.id
  LEFT JOIN ev e ON e.incident_id = i.id
  CROSS JOIN LATERAL (SELECT CASE WHEN i.status = 'closed' AND i.merged_into_id IS NULL
                                  THEN i.closed_at END AS closed_at) c
ON CONFLICT (incident_id) DO UPDATE SET
    grid_id = EXCLUDED.grid_id, community_id = EXCLUDED.community_id,
    category = EXCLUDED.category, reported_at = EXCLUDED.reported_at,
    response_s = EXCLUDED.response_s, resolved_at = EXCLUDED.resolved_at,
    reworked = EXCLUDED.reworked, closed_at = EXCLUDED.closed_at, close_s = EXCLUDED.close_s,
    on_time = EXCLUDED.on_time, merged = EXCLUDED.merged,
    assignee_id = EXCLUDED.assignee_id, department_id = EXCLUDED.department_id,
    response_due_at = EXCLUDED.response_due_at,
    responded_on_time = EXCLUDED.responded_on_time, rejected = EXCLUDED.rejected,
    rating = EXCLUDED.rating, rework_count = EXCLUDED.rework_count,
    extended = EXCLUDED.extended, supervised = EXCLUDED.supervised
"""


# The oldest queued range of a bulk load becomes queued incidents, at most :limit of them
# (every range when :limit is NULL).
_FROM_RANGES = """
WITH taken AS (
    SELECT id, first_id, last_id,
           CASE WHEN CAST(:limit AS bigint) IS NULL THEN last_id
                ELSE least(last_id, first_id + CAST(:limit AS bigint) - 1) END AS upto
      FROM stats_ranges ORDER BY id
     LIMIT CASE WHEN CAST(:limit AS bigint) IS NULL THEN NULL ELSE 1 END FOR UPDATE),
queued AS (
    INSERT INTO stats_dirty (incident_id)
    SELECT generate_series(first_id, upto) FROM taken ON CONFLICT DO NOTHING),
shrunk AS (
    UPDATE stats_ranges r SET first_id = taken.upto + 1
      FROM taken WHERE r.id = taken.id AND taken.upto < taken.last_id)
DELETE FROM stats_ranges r USING taken WHERE r.id = taken.id AND taken.upto >= taken.last_id
"""


def refresh_facts(conn: Connection, limit: int | None) -> int:
    """Turn the oldest queued range of ``stats_ranges`` (every range when ``limit`` is
    None) into queued incidents, then recompute the facts of at most ``limit`` queued
    incidents; how many were recomputed."""
    conn.execute(text(_FROM_RANGES), {"limit": limit})
    return max(conn.execute(text(_REFRESH), {"limit": limit}).rowcount, 0)


def pending(conn: Connection) -> int:
    """Incidents whose facts wait for a refresh (queued one by one or as ranges)."""
    return conn.execute(text(
        "SELECT (SELECT count(*) FROM stats_dirty)"
        " + (SELECT coalesce(sum(last_id - first_id + 1), 0) FROM stats_ranges)")).scalar_one()


def category_codes(conn: Connection) -> list[str]:
    return list(conn.execute(text("SELECT code FROM categories ORDER BY code")).scalars())


def community_id(conn: Connection, code: str) -> int | None:
    return conn.execute(text("SELECT id FROM communities WHERE code = :c"),
                        {"c": code}).scalar()


def _sums(key: str) -> str:
    """Per ``key`` (grid version or community id): every count the measures need."""
    facts = ("FROM incident_facts WHERE (CAST(:category AS text) IS NULL OR category ="
             " :category) AND (CAST(:scope AS int[]) IS NULL OR community_id = ANY(:scope))")
    z = "0::bigint"
    return f"""
    SELECT {key} AS key, sum(n) AS count, sum(o) AS open, sum(od) AS overdue,
           sum(cl) AS closed, sum(ot) AS closed_on_time, sum(cs) AS close_s,
           sum(rs) AS resolved, sum(rw) AS reworked, sum(rp) AS responded,
           sum(rps) AS response_s
      FROM (
        SELECT {key}, count(*) AS n, {z} o, {z} od, {z} cl, {z} ot, 0 cs, {z} rs, {z} rw,
               count(response_s) rp, sum(response_s) rps
          {facts} AND NOT merged AND reported_at >= :t0 AND reported_at < :t1 GROUP BY 1
        UNION ALL
        SELECT {key}, 0, 0, 0, count(*), count(*) FILTER (WHERE on_time), sum(close_s),
               0, 0, 0, 0
          {facts} AND closed_at >= :t0 AND closed_at < :t1 GROUP BY 1
        UNION ALL
        SELECT {key}, 0, 0, 0, 0, 0, 0, count(*), count(*) FILTER (WHERE reworked), 0, 0
          {facts} AND NOT merged AND resolved_at >= :t0 AND resolved_at < :t1 GROUP BY 1
        UNION ALL
        SELECT l.{key}, 0, count(*), count(*) FILTER (WHERE {OVERDUE_SQL}), 0, 0, 0, 0, 0,
               0, 0
          FROM incidents i LEFT JOIN incident_locations l ON l.incident_id = i.id
         WHERE i.status IN {OPEN_SQL} AND i.reported_at >= :t0 AND i.reported_at < :t1
           AND (CAST(:category AS text) IS NULL OR i.category = :category)
           AND (CAST(:scope AS int[]) IS NULL OR l.community_id = ANY(:scope))
         GROUP BY 1) parts
     GROUP BY 1"""


_SUM_COLUMNS = ("count", "open", "overdue", "closed", "closed_on_time", "close_s", "resolved",
                "reworked", "responded", "response_s")
_ADDED = ", ".join(f"sum({c}) AS {c}" for c in _SUM_COLUMNS)
_GRID_ROWS = f"""
WITH sums AS ({_sums("grid_id")}),
mapped AS (  -- a grid version's numbers go to the current grid with its code
    SELECT cur.id AS current_id, {_ADDED}
      FROM sums LEFT JOIN grids v ON v.id = sums.key
      LEFT JOIN grids cur ON cur.code = v.code AND cur.valid_to IS NULL
     GROUP BY 1)
SELECT g.id AS grid_id, g.code AS grid_code, g.name AS grid_name,
       c.code AS community_code, c.name AS community_name,
       coalesce(g.households, (SELECT sum(b.households)::int FROM buildings b
                                WHERE b.grid_id = g.id), 0) AS households, m.*
  FROM grids g JOIN communities c ON c.id = g.community_id
  LEFT JOIN mapped m ON m.current_id = g.id
 WHERE g.valid_to IS NULL AND (CAST(:scope AS int[]) IS NULL OR g.community_id = ANY(:scope))
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, m.* FROM mapped m WHERE m.current_id IS NULL
"""
_COMMUNITY_ROWS = f"""
WITH sums AS ({_sums("community_id")})
SELECT c.id AS community_id, c.code AS community_code, c.name AS community_name,
       c.street_name, coalesce(c.households, (SELECT sum(b.households)::int FROM buildings b
                                               WHERE b.community_id = c.id), 0) AS households,
       s.*
  FROM communities c LEFT JOIN sums s ON s.key = c.id
 WHERE CAST(:scope AS int[]) IS NULL OR c.id = ANY(:scope)
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, s.* FROM sums s WHERE s.key IS NULL
"""


def caseload_sums(conn: Connection, *, level: str, t0: dt.datetime, t1: dt.datetime,
         category: str | None, scope: list[int] | None) -> list[RowMapping]:
    """Per current grid (``level="grid"``) or community in ``scope``: its identity and
    every count and sum of seconds the measures need; rows without a code are what
    happened outside them. Allowed 10 s."""
    conn.execute(text("SET LOCAL statement_timeout = '10s'"))
    sql = _GRID_ROWS if level == "grid" else _COMMUNITY_ROWS
    return list(conn.execute(text(sql), {"t0": t0, "t1": t1, "category": category,
                                         "scope": scope}).mappings())


# ---- coverage -----------------------------------------------------------------------

def take_stale(conn: Connection) -> bool:
    """True when party members or buildings changed since the distances were computed;
    then marks them current (the caller recomputes them in the same transaction). Waits
    for a refresh running elsewhere (the state row's lock)."""
    if not conn.execute(text(
            "SELECT dirty FROM stats_state WHERE name = 'coverage' FOR UPDATE")).scalar():
        return False
    conn.execute(text("UPDATE stats_state SET dirty = false WHERE name = 'coverage'"))
    return True


def building_points(conn: Connection) -> list[Row]:
    """``(id, lon, lat, is_home)`` of every building: a point on it, and whether a serving
    party member lives there. Allowed a minute."""
    conn.execute(text("SET LOCAL statement_timeout = '60s'"))
    return conn.execute(text(f"""
        SELECT b.id, ST_X(c), ST_Y(c),
               b.id IN (SELECT home_building_id FROM party_members p
                         WHERE serving_grid_id IS NOT NULL AND home_building_id IS NOT NULL
                           AND {COUNTED_SQL})
          FROM buildings b CROSS JOIN LATERAL ST_PointOnSurface(b.geom) c""")).all()


def replace_distances(conn: Connection, ids: Sequence[int],
                      metres: Sequence[float | None]) -> None:
    """Every building's distance to the nearest serving member's home (None: beyond
    reach), replacing the stored ones."""
    conn.execute(text("DELETE FROM building_coverage"))
    conn.execute(text("""
        INSERT INTO building_coverage (building_id, nearest_home_m)
        SELECT * FROM unnest(CAST(:ids AS int[]), CAST(:d AS float8[]))"""),
                 {"ids": list(ids), "d": list(metres)})


_CURRENT_OF = """current_of AS (  -- grid version → the current grid with its code
    SELECT v.id AS version_id, cur.id AS grid_id FROM grids v
      JOIN grids cur ON cur.code = v.code AND cur.valid_to IS NULL)"""
_COVERAGE_GRIDS = f"""
WITH {_CURRENT_OF},
serving AS (
    SELECT co.grid_id, count(*) AS n, count(*) FILTER (WHERE p.kind = 'resident') AS resident,
           count(*) FILTER (WHERE p.kind = 'in_service') AS in_service
      FROM party_members p JOIN current_of co ON co.version_id = p.serving_grid_id
     WHERE {COUNTED_SQL}
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


_COVERAGE_BUILDINGS = """
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


def coverage_by_grid(conn: Connection, *, scope: list[int] | None,
              distance: float) -> list[RowMapping]:
    """Per current grid in ``scope``, by code: households, serving members (by kind),
    whether it has a grid branch, buildings with a building group and far from every
    serving member's home (``distance`` metres). Allowed 10 s."""
    conn.execute(text("SET LOCAL statement_timeout = '10s'"))
    return list(conn.execute(text(_COVERAGE_GRIDS),
                             {"distance": distance, "scope": scope}).mappings())


def coverage_of_buildings(conn: Connection, *, scope: list[int] | None, distance: float,
                  box: Box | None, community: str | None, limit: int,
                  geometry_digits: int | None) -> list[RowMapping]:
    """Buildings in ``box`` or ``community`` (and ``scope``) by code, at most ``limit``:
    grid code, households, building group or not, far or not; with ``geometry_digits``
    the outline as GeoJSON too."""
    geometry = ("" if geometry_digits is None else
                f", ST_AsGeoJSON(ST_ForcePolygonCCW(b.geom), {int(geometry_digits)})::json"
                " AS geometry")
    x0, y0, x1, y1 = box or (None,) * 4
    return conn.execute(text(_COVERAGE_BUILDINGS.format(geometry=geometry)), {
        "distance": distance, "scope": scope, "community": community, "x0": x0,
        "y0": y0, "x1": x1, "y1": y1, "limit": limit}).mappings().all()


# ---- maps ---------------------------------------------------------------------------

def _box(box: Box) -> dict:
    return dict(zip(("x0", "y0", "x1", "y1"), box, strict=True))


_OUTLINES = """
SELECT g.id, ST_AsBinary({geom})
  FROM grids g
 WHERE g.valid_to IS NULL AND g.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)
   AND (CAST(:scope AS int[]) IS NULL OR g.community_id = ANY(:scope))
 ORDER BY g.id LIMIT :limit"""


_HEAT = """
SELECT avg(ST_X(i.geom)), avg(ST_Y(i.geom)), count(*)
  FROM incidents i LEFT JOIN incident_locations l ON l.incident_id = i.id
 WHERE i.reported_at >= :t0 AND i.reported_at < :t1 AND i.merged_into_id IS NULL
   AND i.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)
   AND (CAST(:category AS text) IS NULL OR i.category = :category)
   AND (CAST(:scope AS int[]) IS NULL OR l.community_id = ANY(:scope))
 GROUP BY floor(ST_X(i.geom) / :cell), floor(ST_Y(i.geom) / :cell)
 LIMIT :limit"""


def outlines(conn: Connection, *, box: Box, scope: list[int] | None, limit: int,
             snap_cell: float | None) -> list[Row]:
    """``(id, WKB)`` of the current grids meeting ``box`` (and ``scope``), by id, at most
    ``limit``; snapped to a lattice of ``snap_cell`` degrees when it is given."""
    geom = "g.geom" if snap_cell is None else "ST_SnapToGrid(g.geom, 0, 0, :cell, :cell)"
    return conn.execute(text(_OUTLINES.format(geom=geom)), {
        "cell": snap_cell, "scope": scope, "limit": limit, **_box(box)}).all()


def heat_bins(conn: Connection, *, box: Box, t0: dt.datetime, t1: dt.datetime,
              category: str | None, scope: list[int] | None, cell: float,
              limit: int) -> list[Row]:
    """``(mean lon, mean lat, count)`` of the incidents reported in ``[t0, t1)`` within
    ``box``, per lattice bin of ``cell`` degrees; at most ``limit`` bins. Allowed 10 s."""
    conn.execute(text("SET LOCAL statement_timeout = '10s'"))
    return conn.execute(text(_HEAT), {
        "t0": t0, "t1": t1, "category": category, "scope": scope, "cell": cell,
        "limit": limit, **_box(box)}).all()


def grid_card(conn: Connection, grid_id: int, scope: list[int] | None) -> dict | None:
    """A current grid's code, name, community, households and active workers' public
    fields (grid chief first), or None."""
    row = conn.execute(text("""
        SELECT g.code, g.name, c.code AS community_code, c.name AS community_name,
               coalesce(g.households, (SELECT sum(b.households)::int FROM buildings b
                                        WHERE b.grid_id = g.id), 0) AS households,
               (SELECT coalesce(json_agg(json_build_object('name', m.name, 'role', m.role,
                                                           'public_phone', m.public_phone)
                        ORDER BY array_position(ARRAY['grid_chief', 'full_time', 'part_time',
                                                      'building_head', 'grid_instructor'],
                                                m.role::text), m.id), '[]')
                   FROM grid_members m JOIN worker_grids_now wg ON wg.worker_id = m.id
                  WHERE wg.grid_id = g.id AND m.active)
                 AS workers
          FROM grids g JOIN communities c ON c.id = g.community_id
         WHERE g.id = :id AND g.valid_to IS NULL
           AND (CAST(:scope AS int[]) IS NULL OR g.community_id = ANY(:scope))"""),
        {"id": grid_id, "scope": scope}).mappings().first()
    return dict(row) if row else None
