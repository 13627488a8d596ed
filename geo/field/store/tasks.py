"""SQL of a grid worker's tasks and grids (``geo.field.tasks``).

A worker's current grids: the ``worker_grids`` rows serving today a grid version still in
force. A task: an open incident assigned to the worker or located in one of those grids;
for a grid chief also a resolved incident in their grids whose category is verified by the
grid chief (待核查, ``to_verify``).
"""

from __future__ import annotations

from sqlalchemy import Connection, Row, text

from geo.core.statuses import OPEN_SQL, OVERDUE_SQL

_MY_GRIDS = """
    SELECT wg.grid_id FROM worker_grids wg JOIN grids g ON g.id = wg.grid_id
     WHERE wg.worker_id = :member AND g.valid_to IS NULL AND wg.served_from <= current_date
       AND (wg.served_to IS NULL OR wg.served_to >= current_date)"""

# Two index lookups (assigned to me; in my grids) joined once: cheaper than an OR.
_TASKS = f"""
    WITH mine AS ({_MY_GRIDS}),
    ids AS (SELECT id FROM incidents WHERE assignee_id = :member AND status IN {OPEN_SQL}
            UNION
            SELECT l.incident_id FROM incident_locations l JOIN mine ON mine.grid_id = l.grid_id)
    SELECT i.id, i.category, c.name_en AS category_name_en,
           coalesce(c.evidence_required, false) AS evidence_required,
           i.status, i.priority, i.description, i.address,
           ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat,
           g.id AS grid_id, g.code AS grid_code, g.name AS grid_name,
           i.reported_at, i.due_at, i.response_due_at, {OVERDUE_SQL} AS overdue,
           CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL ELSE round(ST_Distance(
                geography(i.geom), geography(ST_SetSRID(ST_MakePoint(
                CAST(:lon AS float8), CAST(:lat AS float8)), 4326)))::numeric, 1)::float8
           END AS distance_m,
           i.assignee_id, i.updated_at, i.department_id, i.status = 'resolved' AS to_verify
      FROM ids JOIN incidents i ON i.id = ids.id
      LEFT JOIN incident_locations l ON l.incident_id = i.id
      LEFT JOIN grids g ON g.id = l.grid_id
      LEFT JOIN categories c ON c.code = i.category
     WHERE (i.status IN {OPEN_SQL} OR (i.status = 'resolved' AND c.verify_by = 'grid_chief'
            AND l.grid_id IN (SELECT grid_id FROM mine)
            AND EXISTS (SELECT 1 FROM grid_members m WHERE m.id = :member
                           AND m.role = 'grid_chief' AND m.active)))
       AND (CAST(:scope AS int[]) IS NULL OR l.community_id = ANY(:scope))
     ORDER BY {OVERDUE_SQL} DESC, coalesce(i.due_at, i.response_due_at) ASC NULLS LAST, i.id"""


def worker(conn: Connection, member_id: int) -> Row | None:
    """(id, name, active) of a grid member."""
    return conn.execute(text("SELECT id, name, active FROM grid_members WHERE id = :m"),
                        {"m": member_id}).first()


def tasks(conn: Connection, member_id: int, scope: list[int] | None,
          lon: float | None, lat: float | None) -> list[Row]:
    return list(conn.execute(text(_TASKS), {"member": member_id, "scope": scope,
                                            "lon": lon, "lat": lat}))


def relation(conn: Connection, incident_id: int, member_id: int) -> str | None:
    """``assigned`` (to the worker, in any status), ``grid`` (in one of their current
    grids) or None."""
    return conn.execute(text(f"""
        SELECT CASE WHEN i.assignee_id = :member THEN 'assigned'
                    WHEN l.grid_id IN ({_MY_GRIDS}) THEN 'grid' END
          FROM incidents i LEFT JOIN incident_locations l ON l.incident_id = i.id
         WHERE i.id = :id"""), {"id": incident_id, "member": member_id}).scalar()


def grids_geojson(conn: Connection, member_id: int) -> str:
    """The worker's current grids as a GeoJSON FeatureCollection (text)."""
    return conn.execute(text(f"""
        SELECT json_build_object('type', 'FeatureCollection', 'features',
               coalesce(json_agg(json_build_object(
                   'type', 'Feature', 'id', g.id,
                   'geometry', ST_AsGeoJSON(g.geom, 6)::json,
                   'properties', json_build_object('id', g.id, 'code', g.code,
                                                   'name', g.name)) ORDER BY g.code),
                   '[]'::json))::text
          FROM grids g WHERE g.id IN ({_MY_GRIDS})"""), {"member": member_id}).scalar_one()
