"""SQL of the incident workflow (``geo.incidents.workflow``): lock, read, update, record.

Hand-written because the workflow depends on row locks (``SELECT ... FOR UPDATE OF i``:
two dispatchers acting at once are serialised) and on the routing rule, which is SQL
(``geo.incidents.routing.assignee_sql``); every statement is a single-row one.
"""

from __future__ import annotations

from sqlalchemy import Connection, Row, text

from geo.core.statuses import OVERDUE_SQL
from geo.incidents.routing import assignee_sql

NOW = object()  # a column value: the transaction's time

_LOCK = """SELECT i.id, i.status, i.assignee_id, i.category, i.routed_to, i.boundary_grid_id,
                  i.duplicate_of_id, l.grid_id, l.community_id,
                  coalesce(c.evidence_required, false) AS evidence_required,
                  i.department_id, i.due_at, OVERDUE_SQL IS TRUE AS overdue,
                  EXISTS (SELECT 1 FROM incident_extensions x WHERE x.incident_id = i.id
                           AND x.state = 'pending') AS extension_pending
             FROM incidents i LEFT JOIN incident_locations l ON l.incident_id = i.id
             LEFT JOIN categories c ON c.code = i.category
            WHERE i.id = :id FOR UPDATE OF i""".replace("OVERDUE_SQL", OVERDUE_SQL)


def lock(conn: Connection, incident_id: int) -> Row | None:
    """The incident with its location, its row locked until the transaction ends."""
    return conn.execute(text(_LOCK), {"id": incident_id}).first()


def lock_target(conn: Connection, incident_id: int) -> Row | None:
    """(id, status, merged_into_id, community_id) of a merge's target, locked."""
    return conn.execute(text(
        "SELECT i.id, i.status, i.merged_into_id, l.community_id FROM incidents i"
        " LEFT JOIN incident_locations l ON l.incident_id = i.id WHERE i.id = :id"
        " FOR UPDATE OF i"), {"id": incident_id}).first()


def worker(conn: Connection, member_id: int) -> Row | None:
    """(active, community_id) of a grid worker."""
    return conn.execute(text(
        "SELECT m.active, m.community_id FROM grid_members m WHERE m.id = :id"),
        {"id": member_id}).first()


def deadline_basis(conn: Connection, incident_id: int) -> Row:
    """(priority, reported_at, due_at, category and its limits: response_hours,
    resolve_hours, clock, route_to, urgent_factor; NULL when the category is gone)."""
    return conn.execute(text(
        "SELECT i.priority, i.reported_at, i.due_at, i.category, c.response_hours,"
        " c.resolve_hours, c.clock, c.route_to, c.urgent_factor FROM incidents i"
        " LEFT JOIN categories c ON c.code = i.category WHERE i.id = :id"),
        {"id": incident_id}).one()


def current_grid(conn: Connection, *, grid_id: int | None = None,
                 code: str | None = None) -> Row | None:
    """(id, community_id, code) of a current grid, by id or by code."""
    if grid_id is not None:
        return conn.execute(text("SELECT id, community_id, code FROM grids WHERE id = :id"
                                 " AND valid_to IS NULL"), {"id": grid_id}).first()
    return conn.execute(text("SELECT id, community_id, code FROM grids WHERE code = :c"
                             " AND valid_to IS NULL"), {"c": code}).first()


def route_to(conn: Connection, category: str) -> str | None:
    """Where the category routes to (``categories.route_to``)."""
    return conn.execute(text("SELECT route_to FROM categories WHERE code = :c"),
                        {"c": category}).scalar()


def assignee(conn: Connection, grid_id: int, route_to: str) -> Row | None:
    """(assignee_id, routed_to) by the routing rule for a grid."""
    return conn.execute(text(assignee_sql()),
                        {"grid_id": grid_id, "route_to": route_to}).first()


def relocate(conn: Connection, incident_id: int, grid_id: int, community_id: int) -> None:
    """Record the incident as moved to a grid by hand."""
    conn.execute(text(
        "INSERT INTO incident_locations (incident_id, grid_id, community_id, state)"
        " VALUES (:id, :grid, :community, 'moved')"
        " ON CONFLICT (incident_id) DO UPDATE SET grid_id = excluded.grid_id,"
        " community_id = excluded.community_id, state = 'moved', snap_distance_m = NULL,"
        " located_at = now()"), {"id": incident_id, "grid": grid_id, "community": community_id})


def update(conn: Connection, incident_id: int, columns: dict) -> None:
    """Set ``columns`` (names chosen by the workflow, never by a caller; :data:`NOW` for the
    transaction's time) and ``updated_at`` of one incident."""
    assignments = ["updated_at = now()"]
    params = {"id": incident_id}
    for key, value in columns.items():
        if value is NOW:
            assignments.append(f"{key} = now()")
        else:
            assignments.append(f"{key} = :{key}")
            params[key] = value
    conn.execute(text(f"UPDATE incidents SET {', '.join(assignments)} WHERE id = :id"), params)


def event(conn: Connection, incident_id: int, actor: str, user_id: int | None, action: str,
          from_status: str, to_status: str, note: str | None, details: str | None, *,
          client_id=None, fix=None) -> int | None:
    """One ``incident_events`` row (``details``: JSON text or None; ``fix``: (a fix with
    lon, lat, accuracy_m; its distance) or None); its id, or None when ``client_id`` is
    taken (the unique index decides)."""
    point, distance = fix if fix is not None else (None, None)
    return conn.execute(text(
        "INSERT INTO incident_events (incident_id, at, actor, user_id, action, from_status,"
        " to_status, note, details, client_id, fix, fix_accuracy_m, fix_distance_m)"
        " VALUES (:id, now(), :actor, :user_id, :action, :frm, :to, :note,"
        " CAST(:details AS jsonb), :client_id,"
        " ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326),"
        " :accuracy, :distance)"
        " ON CONFLICT (client_id) WHERE client_id IS NOT NULL DO NOTHING RETURNING id"),
        {"id": incident_id, "actor": actor, "user_id": user_id, "action": action,
         "frm": from_status, "to": to_status, "note": note, "details": details,
         "client_id": client_id, "lon": point.lon if point else None,
         "lat": point.lat if point else None, "accuracy": point.accuracy_m if point else None,
         "distance": distance}).scalar()


def event_by_client_id(conn: Connection, client_id) -> Row | None:
    """(id, incident_id, action, from_status, to_status) of the event a client id made."""
    return conn.execute(text(
        "SELECT id, incident_id, action, from_status, to_status FROM incident_events"
        " WHERE client_id = :c"), {"c": client_id}).first()


def distance_m(conn: Connection, incident_id: int, lon: float, lat: float) -> float | None:
    """Metres on the ground from (lon, lat) to the incident's point."""
    return conn.execute(text(
        "SELECT round(ST_Distance(geography(geom),"
        " geography(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)))::numeric, 1)::float8"
        " FROM incidents WHERE id = :id"), {"id": incident_id, "lon": lon, "lat": lat}).scalar()
