"""Helpers of the patrol tests: grid workers' accounts, a walk through the town, the calls."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import text

from tests.support.auth import bearer
from tests.support.geometries import xy

T0 = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Asia/Shanghai


def worker_headers(make_user, make_token, conn, name: str, member_id: int,
                   role: str = "member") -> dict[str, str]:
    """The bearer headers of a new account linked to the grid worker ``member_id``."""
    make_user(name, role)
    conn.execute(text("UPDATE users SET grid_member_id = :m WHERE username = :n"),
                 {"m": member_id, "n": name})
    return bearer(make_token(name))


def walk(path: list[tuple[float, float]], start: dt.datetime = T0, step_s: int = 30,
         accuracy: float = 8.0) -> list[dict]:
    """Points at unit coordinates ``path``, one every ``step_s`` seconds from ``start``."""
    out = []
    for i, (x, y) in enumerate(path):
        lon, lat = xy(x, y)
        out.append({"at": (start + dt.timedelta(seconds=i * step_s)).isoformat(),
                    "lon": lon, "lat": lat, "accuracy": accuracy})
    return out


def start(client, headers, at: dt.datetime = T0, client_id: str | None = None):
    return client.post("/api/v1/patrols", headers=headers, json={
        "client_id": client_id or str(uuid.uuid4()), "started_at": at.isoformat()})


def started(client, headers, at: dt.datetime = T0) -> int:
    response = start(client, headers, at)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def points(client, headers, patrol_id: int, batch: list[dict]):
    return client.post(f"/api/v1/patrols/{patrol_id}/points", headers=headers,
                       json={"points": batch})


def finish(client, headers, patrol_id: int, at: dt.datetime | None = None):
    body = {"finished_at": at.isoformat()} if at else {}
    return client.post(f"/api/v1/patrols/{patrol_id}/finish", headers=headers, json=body)
