"""Patrols (巡查): a grid worker starts one on the phone, sends the points it records in
batches, finishes it, and may report problems found on the way.

What the phone sends is checked here (times, positions, accuracy, ids); the SQL is in
``geo.field.store.patrols``. Every write may arrive twice (the phone queues offline and
retries): a patrol is keyed by its ``client_id``, a point by (patrol, time), a problem by
its ``client_id``; a repeat changes nothing and answers what the first did.

The grids a patrol walked are kept up to date as points arrive (``patrol_grids``), by the
assignment rule of ``geo.places.assign`` (a point on a shared edge counts for one grid, a
point just outside one within the snapping distance for the nearest). Finishing builds the
track (a line through the points in time order) and its length on the spheroid.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid

from sqlalchemy import Connection

from geo.core.errors import Conflict, InvalidInput, NotFound
from geo.core.params import Box
from geo.field.store import patrols as store

MAX_POINTS = 500  # per batch
# A fix worse than this says nothing about where the worker walked: the phone should not
# send it (it records with high accuracy and skips poor fixes).
MAX_ACCURACY_M = 1000.0
# How far ahead of the server's clock a phone's time may be.
CLOCK_SKEW = dt.timedelta(minutes=5)
START_FIELDS = ("client_id", "started_at")
POINT_FIELDS = ("at", "lon", "lat", "accuracy")


def client_id(value, name: str = "client_id") -> uuid.UUID:
    """The phone's id for what it creates: a UUID, required."""
    if not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be a UUID made on the phone", param=name)
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(f"'{name}' must be a UUID, got {value[:40]!r}", param=name) from None


def moment(value, name: str, now: dt.datetime, default: dt.datetime | None = None
           ) -> dt.datetime:
    """An ISO 8601 time with a UTC offset, not in the future (``default`` when absent)."""
    if value in (None, "") and default is not None:
        return default
    if not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be an ISO 8601 time with a UTC offset", param=name)
    try:
        found = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"'{name}' must be an ISO 8601 time, got {value[:40]!r}",
                           param=name) from None
    if found.tzinfo is None:
        raise InvalidInput(f"'{name}' needs a UTC offset (e.g. +08:00)", param=name)
    if found > now + CLOCK_SKEW:
        raise InvalidInput(f"'{name}' is in the future ({value})", param=name)
    return found


def check_start(body: dict, now: dt.datetime) -> tuple[uuid.UUID, dt.datetime]:
    """(client_id, started_at) of a patrol to start (started_at: now by default)."""
    return client_id(body.get("client_id")), moment(body.get("started_at"), "started_at",
                                                    now, default=now)


def check_points(points, now: dt.datetime, area: Box | None) -> list[tuple]:
    """A batch of points → [(at, lon, lat, accuracy)]; ``InvalidInput`` naming the first bad
    point by its index (``points[3].lat``) and the whole batch refused."""
    if not isinstance(points, list) or not points:
        raise InvalidInput("'points' must be a list of 1 to 500 {at, lon, lat, accuracy}",
                           param="points")
    if len(points) > MAX_POINTS:
        raise InvalidInput(f"'points' has {len(points)} points; send at most {MAX_POINTS} "
                           "per batch", param="points")
    return [_point(p, i, now, area) for i, p in enumerate(points)]


def _point(raw, i: int, now: dt.datetime, area: Box | None) -> tuple:
    name = f"points[{i}]"
    if not isinstance(raw, dict):
        raise InvalidInput(f"{name} must be an object {{at, lon, lat, accuracy}}", param=name)
    if unknown := sorted(set(raw) - set(POINT_FIELDS)):
        raise InvalidInput(f"{name} has unknown field(s) {', '.join(unknown)}; fields are "
                           f"{', '.join(POINT_FIELDS)}", param=f"{name}.{unknown[0]}")
    at = moment(raw.get("at"), f"{name}.at", now)
    lon, lat = (_number(raw.get(k), f"{name}.{k}") for k in ("lon", "lat"))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or (
            area and not (area[0] <= lon <= area[2] and area[1] <= lat <= area[3])):
        raise InvalidInput(f"{name} ({lon:g}, {lat:g}) is outside the area this service "
                           "covers (WGS-84 lon, lat)", param=f"{name}.lon")
    accuracy = raw.get("accuracy")
    if accuracy is not None:
        accuracy = _number(accuracy, f"{name}.accuracy")
        if not 0 <= accuracy <= MAX_ACCURACY_M:
            raise InvalidInput(f"{name}.accuracy is {accuracy:g} m; a fix must be 0.."
                               f"{MAX_ACCURACY_M:g} m to count", param=f"{name}.accuracy")
    return at, lon, lat, accuracy


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value):
        raise InvalidInput(f"'{name}' must be a number", param=name)
    return float(value)


def start(conn: Connection, body: dict, member_id: int, user_id: int, now: dt.datetime
          ) -> tuple[dict, bool]:
    """Start a patrol for the worker ``member_id``; (patrol, repeated)."""
    cid, started_at = check_start(body, now)
    row, created = store.start(conn, cid, member_id, user_id, started_at)
    if row["member_id"] != member_id:
        raise Conflict(f"client_id {cid} belongs to another worker's patrol")
    return row, not created


def own(conn: Connection, patrol_id: int, member_id: int) -> dict:
    """The worker's own patrol (locked for the change), or ``NotFound``."""
    row = store.patrol(conn, patrol_id, lock=True)
    if row is None or row["member_id"] != member_id:
        raise NotFound(f"no patrol {patrol_id} of yours")
    return row


def add_points(conn: Connection, patrol: dict, points: list, now: dt.datetime,
               area: Box | None, snap_m: float) -> dict:
    """Add a batch to ``patrol`` (``own``) in the caller's transaction: {added, repeated}.
    A finished patrol takes no new point (``Conflict``); a batch it has already is a
    repeat."""
    checked = check_points(points, now, area)
    early = [i for i, p in enumerate(checked) if p[0] < patrol["started_at"]]
    if early:
        raise InvalidInput(f"points[{early[0]}].at is before the patrol started "
                           f"({patrol['started_at'].isoformat()})", param=f"points[{early[0]}].at")
    if patrol["status"] == "finished":
        known = store.known_times(conn, patrol["id"], [p[0] for p in checked])
        if known < len({p[0] for p in checked}):
            raise Conflict(f"patrol {patrol['id']} is finished; it takes no new points")
        return {"added": 0, "repeated": len(checked)}
    added = store.add_points(conn, patrol["id"], checked, snap_m)
    return {"added": added, "repeated": len(checked) - added}


def finish(conn: Connection, patrol: dict, body: dict, now: dt.datetime) -> tuple[dict, bool]:
    """Finish ``patrol`` (``own``): its track, distance and duration; (patrol, repeated)."""
    if patrol["status"] == "finished":
        return summary(conn, patrol["id"]), True
    last = store.last_point_at(conn, patrol["id"])
    at = moment(body.get("finished_at"), "finished_at", now,
                default=max(now, last) if last else now)
    if at < patrol["started_at"] or (last and at < last):
        raise InvalidInput("'finished_at' is before the patrol's start or its last point",
                           param="finished_at")
    store.finish(conn, patrol["id"], at)
    return summary(conn, patrol["id"]), False


def summary(conn: Connection, patrol_id: int, with_track: bool = False) -> dict:
    """A patrol as the API answers it: times, distance, duration, grids walked, problems
    reported (and its track as GeoJSON)."""
    row = store.patrol(conn, patrol_id, track=with_track)
    if row is None:
        raise NotFound(f"no patrol {patrol_id}")
    return _answer(row, store.grids_walked(conn, [patrol_id]).get(patrol_id, []),
                   store.problems(conn, [patrol_id]).get(patrol_id, []))


def day_log(conn: Connection, member_id: int, day: dt.date, tz) -> list[dict]:
    """The worker's patrols started on ``day`` (local time zone ``tz``), in order."""
    start = dt.datetime.combine(day, dt.time(), tz)
    rows = store.started_between(conn, member_id, start, start + dt.timedelta(days=1))
    ids = [r["id"] for r in rows]
    grids, problems = store.grids_walked(conn, ids), store.problems(conn, ids)
    return [_answer(r, grids.get(r["id"], []), problems.get(r["id"], [])) for r in rows]


def _answer(row: dict, grids: list[dict], problems: list[dict]) -> dict:
    end = row["finished_at"]
    out = {"id": row["id"], "client_id": str(row["client_id"]), "status": row["status"],
           "worker": {"id": row["member_id"], "name": row["worker_name"]},
           "started_at": row["started_at"].isoformat(),
           "finished_at": end.isoformat() if end else None,
           "duration_s": round((end - row["started_at"]).total_seconds()) if end else None,
           "distance_m": None if row["distance_m"] is None else round(row["distance_m"], 1),
           "points": row["points"], "grids": grids, "problems": problems}
    if "track" in row:
        out["track"] = row["track"]
    return out
