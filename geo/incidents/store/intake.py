"""SQL of taking in one incident (``geo.incidents.intake``).

The incident is located, routed (``geo.incidents.routing``, the rule, composed in as SQL),
inserted with its location and first event in one statement, atomic by itself: a
CTE chain no ORM writes. It runs on every report, so it is a server-side prepared
statement (``geo.pg.prepared``); the categories and holidays come back as JSON text so
that the caller can cache what it parsed by that text.
"""

from __future__ import annotations

from sqlalchemy import Connection, Row, text

from geo.incidents.routing import report_details, routed_select
from geo.pg.prepared import Prepared

# Categories and holidays are read on every intake (an admin may have changed them a
# moment ago, in any server process) but parsed only when their text differs from the
# last seen: both tables are small (the holidays a few dozen days a year).
_CATEGORIES = """SELECT json_agg(json_build_array(code, response_hours, resolve_hours, clock,
                                                  route_to, urgent_factor) ORDER BY code)::text
                    FROM categories WHERE active"""
_HOLIDAYS = "SELECT json_agg(json_build_array(day, kind) ORDER BY day)::text FROM holidays"


def categories_json(conn: Connection) -> str | None:
    """The active categories as JSON text, by code."""
    return conn.execute(text(_CATEGORIES)).scalar()


def holidays_json(conn: Connection) -> str | None:
    """The holidays table as JSON text, by day."""
    return conn.execute(text(_HOLIDAYS)).scalar()


def settings_json(conn: Connection) -> tuple[str | None, str | None]:
    """(``categories_json``, ``holidays_json``) in one round trip."""
    return tuple(conn.execute(text(f"SELECT ({_CATEGORIES}), ({_HOLIDAYS})")).one())


_BUILDING = """SELECT id, address, ST_X(ST_PointOnSurface(geom)) AS lon,
                      ST_Y(ST_PointOnSurface(geom)) AS lat FROM buildings WHERE code = :code"""


def building_point(conn: Connection, code: str) -> Row | None:
    """(id, address, lon, lat) of the building with ``code``: a point on its surface."""
    return conn.execute(text(_BUILDING), {"code": code}).first()


_STORE = """
    WITH s AS (
        SELECT nextval(pg_get_serial_sequence('incidents', 'id')) AS id,
               ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom,
               CAST(:category AS text) AS category,
               CAST(:reported_at AS timestamptz) AS reported_at,
               CAST(:route_to AS text) AS route_to, CAST(:building_id AS int) AS building_id),
    r AS MATERIALIZED ({routed}),
    ins AS (
        INSERT INTO incidents (id, category, description, geom, address, source, external_id,
                               reported_at, status, priority, assignee_id, due_at,
                               response_due_at, reporter_name, reporter_phone, building_id,
                               routed_to, boundary_grid_id, boundary_distance_m,
                               duplicate_of_id, updated_at)
        SELECT r.id, r.category, :description, r.geom, :address, :source, :external_id,
               r.reported_at, 'reported', :priority, r.assignee_id, :due_at,
               :response_due_at, :reporter_name, :reporter_phone, r.building_id,
               r.routed_to, r.boundary_grid_id, r.boundary_distance_m, r.duplicate_of_id,
               now()
          FROM r
         WHERE CAST(:scope AS int[]) IS NULL OR r.community_id = ANY(:scope)
        ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO NOTHING
        RETURNING id),
    located AS (
        INSERT INTO incident_locations (incident_id, grid_id, community_id, state,
                                        snap_distance_m)
        SELECT r.id, r.grid_id, r.community_id, r.state, r.distance_m FROM r JOIN ins USING (id)),
    event AS (
        INSERT INTO incident_events (incident_id, at, actor, user_id, action, to_status,
                                     details)
        SELECT r.id, r.reported_at, :actor, :user_id, 'report', 'reported', DETAILS
          FROM r JOIN ins USING (id))
    SELECT r.id, r.community_id, (SELECT count(*) FROM ins) AS stored FROM r
""".replace("DETAILS", report_details("r", "r")).format(routed=routed_select("s"))
_STORE_PREPARED = Prepared.of("gridmap_intake_v2", _STORE, {
    "scope": "int[]",
    **dict.fromkeys(("lon", "lat", "snap", "boundary", "dup_m", "dup_h"), "float8"),
    **dict.fromkeys(("category", "description", "address", "source", "external_id",
                     "reporter_name", "reporter_phone", "route_to", "actor"), "text"),
    **dict.fromkeys(("reported_at", "due_at", "response_due_at"), "timestamptz"),
    **dict.fromkeys(("building_id", "user_id", "priority"), "int")})


def insert(conn: Connection, values: dict) -> Row:
    """Locate, route and store one incident with its first event (see the module).

    Returns (id, community_id, stored): ``stored`` is 0 when the external id was taken
    meanwhile or the location is outside ``scope``.
    """
    return _STORE_PREPARED.run(conn, values).one()


def by_external_id(conn: Connection, external_id: str) -> int | None:
    return conn.execute(text("SELECT id FROM incidents WHERE external_id = :e"),
                        {"e": external_id}).scalar()
