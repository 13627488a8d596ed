"""Fixtures of the field app's tests: the incident town, a dispatcher and a grid worker of
grid A (张伟, the on-duty full-time worker every report in A is routed to)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support.auth import bearer
from tests.support.geometries import xy


@pytest.fixture
def dispatcher(staff, town):
    return staff("disp", "dispatcher")


@pytest.fixture
def worker(town, conn, make_user, make_token):
    """Bearer headers of the account linked to grid A's full-time worker."""
    make_user("zhangwei", "member")
    conn.execute(text("UPDATE users SET grid_member_id = :m WHERE username = 'zhangwei'"),
                 {"m": town["A_full"]})
    return bearer(make_token("zhangwei"))


def at(x: float, y: float) -> dict:
    lon, lat = xy(x, y)
    return {"lon": lon, "lat": lat}


def report(client, headers, x: float, y: float, **fields) -> int:
    body = {"category": "环境卫生", "description": "楼道堆放杂物", **at(x, y), **fields}
    response = client.post("/api/v1/incidents", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def act(client, headers, incident_id: int, action: str, **fields):
    return client.post(f"/api/v1/incidents/{incident_id}/actions",
                       json={"action": action, **fields}, headers=headers)


def dispatched(client, dispatcher, x: float = 1, y: float = 1, **fields) -> int:
    """An incident at (x, y), accepted and dispatched to the routed worker."""
    incident = report(client, dispatcher, x, y, **fields)
    for action in ("accept", "dispatch"):
        assert act(client, dispatcher, incident, action).status_code == 200
    return incident
