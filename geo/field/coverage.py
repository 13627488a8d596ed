"""Patrol coverage for supervisors (巡查覆盖): which grids were walked in a period and how
long ago each was last walked, what each worker patrolled (count, distance, time), and the
grids nobody walked in the last N days (``PATROL_IDLE_DAYS``).

Days since a grid was last walked are counted to the end of the period, or to now when the
period runs on past it; each grid falls in a band (walked within 1 day, 7 days, N days),
beyond N it is idle, and a grid no patrol ever walked is ``never``. The SQL is in
``geo.field.store.coverage``.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection

from geo.core import params
from geo.field.store import coverage as store

MAX_DAYS = 92
BANDS = (1, 7)  # days; the idle threshold N is the last band


def period(start: dt.date | None, end: dt.date | None, today: dt.date, timezone: str
           ) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    """``[start, end)`` as local dates and as instants; default: this week (Monday on).

    >>> period(None, None, dt.date(2026, 12, 9), "Asia/Shanghai")[:2]
    (datetime.date(2026, 12, 7), datetime.date(2026, 12, 14))
    """
    if start is None and end is None:
        start = today - dt.timedelta(days=today.weekday())
    if start is None:
        start = end - dt.timedelta(days=7)
    end = end or start + dt.timedelta(days=7)
    return params.local_period(start, end, MAX_DAYS, timezone)


def bands(idle_days: int) -> list[int]:
    """The day bands of the map's colours, the last one ``idle_days``.

    >>> bands(7), bands(3), bands(30)
    ([1, 7], [1, 3], [1, 7, 30])
    """
    return sorted({b for b in BANDS if b < idle_days} | {idle_days})


def band(days: float | None, limits: list[int]) -> str:
    """``never``, the first band ``days`` is within (as text), or ``idle``.

    >>> band(None, [1, 7]), band(0.5, [1, 7]), band(6.9, [1, 7]), band(7.5, [1, 7])
    ('never', '1', '7', 'idle')
    """
    if days is None:
        return "never"
    return next((str(b) for b in limits if days <= b), "idle")


def coverage(conn: Connection, *, start: dt.datetime, end: dt.datetime, now: dt.datetime,
             idle_days: int, scope: frozenset[int] | None, community: str | None,
             geometry: bool = False) -> dict:
    """The coverage of the communities in ``scope`` (None: all), or of one ``community``
    (code), over [start, end): grids, workers, idle grids and totals."""
    as_of = min(now, end)
    ids = None if scope is None else sorted(scope)
    limits = bands(idle_days)
    grids = [_grid(r, as_of, limits) for r in store.grids(
        conn, scope=ids, community=community, t0=start, t1=end, as_of=as_of,
        geometry=geometry)]
    workers = [_worker(r) for r in store.workers(conn, scope=ids, community=community,
                                                 t0=start, t1=end)]
    idle = [{k: g[k] for k in ("id", "code", "name", "community", "last_walked_at",
                               "days_since")} for g in grids if g["band"] in ("idle", "never")]
    return {"from": start.isoformat(), "to": end.isoformat(), "as_of": as_of.isoformat(),
            "idle_days": idle_days, "bands": limits, "grids": grids, "workers": workers,
            "idle_grids": idle, "totals": _totals(grids, workers, idle)}


def _grid(r: dict, as_of: dt.datetime, limits: list[int]) -> dict:
    days = None if r["last_at"] is None else (as_of - r["last_at"]).total_seconds() / 86400
    out = {"id": r["id"], "code": r["code"], "name": r["name"],
           "community": {"code": r["community_code"], "name": r["community_name"]},
           "last_walked_at": r["last_at"].isoformat() if r["last_at"] else None,
           "days_since": None if days is None else round(days, 1),
           "band": band(days, limits), "patrols": r["patrols"], "points": int(r["points"]),
           "distance_m": round(float(r["distance_m"]), 1)}
    if "geometry" in r:
        out["geometry"] = json.loads(r["geometry"])
    return out


def _worker(r: dict) -> dict:
    return {"id": r["id"], "name": r["name"], "role": r["role"],
            "community": {"code": r["community_code"], "name": r["community_name"]},
            "patrols": r["patrols"], "finished": r["finished"],
            "distance_m": round(float(r["distance_m"]), 1),
            "duration_s": round(float(r["seconds"])),
            "last_started_at": r["last_started_at"].isoformat()
            if r["last_started_at"] else None}


def _totals(grids: list[dict], workers: list[dict], idle: list[dict]) -> dict:
    return {"grids": len(grids), "walked": sum(1 for g in grids if g["patrols"]),
            "idle": len(idle), "patrols": sum(w["patrols"] for w in workers),
            "distance_m": round(sum(w["distance_m"] for w in workers), 1),
            "duration_s": sum(w["duration_s"] for w in workers)}
