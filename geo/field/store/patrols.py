"""SQL of patrols (``geo.field.patrols``): start, points with the grids they walked, finish,
and the reads of one patrol or a worker's day."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict

from sqlalchemy import Connection, text

from geo.places.assign import locate_sql

_COLUMNS = """p.id, p.client_id, p.member_id, p.user_id, p.started_at, p.finished_at,
              p.status, p.distance_m, m.name AS worker_name, m.community_id,
              (SELECT count(*) FROM patrol_points pp WHERE pp.patrol_id = p.id) AS points"""

_START = """
    INSERT INTO patrols (client_id, member_id, user_id, started_at, status)
    VALUES (:cid, :member, :user, :at, 'walking')
    ON CONFLICT (client_id) DO NOTHING RETURNING id
"""


def start(conn: Connection, cid: uuid.UUID, member_id: int, user_id: int,
          started_at: dt.datetime) -> tuple[dict, bool]:
    """Insert the patrol unless its client_id is known (two at once: the unique key
    decides); (the patrol, created)."""
    new_id = conn.execute(text(_START), {"cid": cid, "member": member_id, "user": user_id,
                                         "at": started_at}).scalar()
    found = conn.execute(text(f"SELECT {_COLUMNS} FROM patrols p JOIN grid_members m"
                              " ON m.id = p.member_id WHERE p.client_id = :cid"),
                         {"cid": cid}).mappings().one()
    return dict(found), new_id is not None


# A walking patrol has no stored track yet: the line is made from its points on reading.
_TRACK = """, ST_AsGeoJSON(coalesce(p.track, (
                SELECT CASE WHEN count(*) > 1 THEN ST_MakeLine(pp.geom ORDER BY pp.at) END
                  FROM patrol_points pp WHERE pp.patrol_id = p.id)), 7) AS track"""


def patrol(conn: Connection, patrol_id: int, *, lock: bool = False, track: bool = False
           ) -> dict | None:
    """One patrol with its worker's name and community (``lock``: FOR UPDATE of the patrol,
    so that points and the finish of one patrol do not interleave)."""
    sql = (f"SELECT {_COLUMNS}{_TRACK if track else ''} FROM patrols p JOIN grid_members m"
           " ON m.id = p.member_id WHERE p.id = :id")
    row = conn.execute(text(sql + (" FOR UPDATE OF p" if lock else "")),
                       {"id": patrol_id}).mappings().first()
    if row is None:
        return None
    out = dict(row)
    if track:
        out["track"] = json.loads(row["track"]) if row["track"] else None
    return out


def known_times(conn: Connection, patrol_id: int, times: list[dt.datetime]) -> int:
    """How many of ``times`` the patrol has points at."""
    return conn.execute(text("SELECT count(*) FROM patrol_points WHERE patrol_id = :p"
                             " AND at = ANY(:ts)"), {"p": patrol_id, "ts": times}).scalar()


# One statement for a batch: the new points (a repeated time adds nothing), then each new
# point located by the assignment rule (current grids), and per grid its first and last
# time and count added to the patrol's row for that grid.
_ADD_POINTS = """
    WITH batch AS (
        SELECT * FROM unnest(CAST(:ats AS timestamptz[]), CAST(:lons AS float8[]),
                             CAST(:lats AS float8[]), CAST(:accs AS float8[]))
                 AS b(at, lon, lat, acc)),
    ins AS (
        INSERT INTO patrol_points (patrol_id, at, geom, accuracy_m)
        SELECT :patrol, at, ST_SetSRID(ST_MakePoint(lon, lat), 4326), acc FROM batch
        ON CONFLICT (patrol_id, at) DO NOTHING
        RETURNING at, geom),
    located AS (
        SELECT loc.grid_id, min(ins.at) AS first_at, max(ins.at) AS last_at,
               count(*) AS points
          FROM ins CROSS JOIN LATERAL ({locate}) loc
         WHERE loc.grid_id IS NOT NULL
         GROUP BY loc.grid_id),
    walked AS (
        INSERT INTO patrol_grids (patrol_id, grid_id, first_at, last_at, points)
        SELECT :patrol, grid_id, first_at, last_at, points FROM located
        ON CONFLICT (patrol_id, grid_id) DO UPDATE
           SET first_at = least(patrol_grids.first_at, excluded.first_at),
               last_at = greatest(patrol_grids.last_at, excluded.last_at),
               points = patrol_grids.points + excluded.points)
    SELECT count(*) FROM ins
""".format(locate=locate_sql("ins.geom"))


def add_points(conn: Connection, patrol_id: int, points: list[tuple], snap_m: float) -> int:
    """Store checked points [(at, lon, lat, accuracy)]; how many were new."""
    ats, lons, lats, accs = (list(column) for column in zip(*points, strict=True))
    return conn.execute(text(_ADD_POINTS), {"patrol": patrol_id, "ats": ats, "lons": lons,
                                            "lats": lats, "accs": accs,
                                            "snap": snap_m}).scalar()


def last_point_at(conn: Connection, patrol_id: int) -> dt.datetime | None:
    return conn.execute(text("SELECT max(at) FROM patrol_points WHERE patrol_id = :p"),
                        {"p": patrol_id}).scalar()


# The track is the points in time order; its length is measured on the spheroid. A patrol
# of fewer than two points has no track and walked 0 m.
_FINISH = """
    UPDATE patrols p SET status = 'finished', finished_at = :at, track = t.line,
           distance_m = coalesce(ST_Length(t.line::geography), 0)
      FROM (SELECT CASE WHEN count(*) > 1 THEN ST_MakeLine(geom ORDER BY at) END AS line
              FROM patrol_points WHERE patrol_id = :p) t
     WHERE p.id = :p AND p.status = 'walking'
"""


def finish(conn: Connection, patrol_id: int, at: dt.datetime) -> None:
    conn.execute(text(_FINISH), {"p": patrol_id, "at": at})


def started_between(conn: Connection, member_id: int, start: dt.datetime,
                    end: dt.datetime) -> list[dict]:
    """The worker's patrols started in [start, end), oldest first."""
    rows = conn.execute(text(
        f"SELECT {_COLUMNS} FROM patrols p JOIN grid_members m ON m.id = p.member_id"
        " WHERE p.member_id = :m AND p.started_at >= :s AND p.started_at < :e"
        " ORDER BY p.started_at, p.id"), {"m": member_id, "s": start, "e": end}).mappings()
    return [dict(r) for r in rows]


def grids_walked(conn: Connection, patrol_ids: list[int]) -> dict[int, list[dict]]:
    """patrol id → the grids it walked (id, code, name, points, first and last time)."""
    rows = conn.execute(text(
        "SELECT pg.patrol_id, g.id, g.code, g.name, pg.points, pg.first_at, pg.last_at"
        "  FROM patrol_grids pg JOIN grids g ON g.id = pg.grid_id"
        " WHERE pg.patrol_id = ANY(:ids) ORDER BY pg.patrol_id, pg.first_at, g.code"),
        {"ids": patrol_ids}).mappings()
    out = defaultdict(list)
    for r in rows:
        out[r["patrol_id"]].append({"id": r["id"], "code": r["code"], "name": r["name"],
                                    "points": r["points"],
                                    "first_at": r["first_at"].isoformat(),
                                    "last_at": r["last_at"].isoformat()})
    return out


def problems(conn: Connection, patrol_ids: list[int]) -> dict[int, list[dict]]:
    """patrol id → the problems reported on it (incident id, category, status, time)."""
    rows = conn.execute(text(
        "SELECT patrol_id, id, category, status, reported_at FROM incidents"
        " WHERE patrol_id = ANY(:ids) ORDER BY patrol_id, reported_at, id"),
        {"ids": patrol_ids}).mappings()
    out = defaultdict(list)
    for r in rows:
        out[r["patrol_id"]].append({"incident_id": r["id"], "category": r["category"],
                                    "status": r["status"],
                                    "reported_at": r["reported_at"].isoformat()})
    return out


def incident_by_client_id(conn: Connection, cid: uuid.UUID) -> dict | None:
    row = conn.execute(text("SELECT id, patrol_id FROM incidents WHERE client_id = :c"),
                       {"c": cid}).mappings().first()
    return dict(row) if row else None


def lock_client_id(conn: Connection, cid: uuid.UUID) -> None:
    """Serialise the reports of one client_id until the transaction ends (a repeat sent
    while the first is being stored waits for it, then finds it)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:c, 20))"),
                 {"c": str(cid)})


# The report's history row gets the phone's fix and its accuracy (incident_events.fix).
_MARK_REPORT = """
    WITH i AS (UPDATE incidents SET client_id = :cid, patrol_id = :patrol WHERE id = :id
               RETURNING id, geom)
    UPDATE incident_events e SET fix = i.geom, fix_accuracy_m = :acc, fix_distance_m = 0
      FROM i WHERE e.incident_id = i.id AND e.action = 'report'
"""


def mark_report(conn: Connection, incident_id: int, cid: uuid.UUID, patrol_id: int,
                accuracy: float | None) -> None:
    conn.execute(text(_MARK_REPORT), {"id": incident_id, "cid": cid, "patrol": patrol_id,
                                      "acc": accuracy})


_ROUTED = """
    SELECT i.id, i.status, i.category, g.id AS grid_id, g.code AS grid_code,
           g.name AS grid_name, m.id AS assignee_id, m.name AS assignee_name
      FROM incidents i
      LEFT JOIN incident_locations l ON l.incident_id = i.id
      LEFT JOIN grids g ON g.id = l.grid_id
      LEFT JOIN grid_members m ON m.id = i.assignee_id
     WHERE i.id = :id
"""


def routed(conn: Connection, incident_id: int) -> dict:
    """Where intake routed an incident: its grid and assignee."""
    return dict(conn.execute(text(_ROUTED), {"id": incident_id}).mappings().one())
