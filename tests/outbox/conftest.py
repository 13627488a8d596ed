"""Fixtures of the outbox tests: the incident town, a dispatcher, webhook endpoints with a
local receiver, and the delivery worker run on the test's connection with a clock the test
moves."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from geo.outbox import signing, worker
from tests.outbox.receiver import Receiver
from tests.support.geometries import xy


@pytest.fixture
def dispatcher(staff, town):
    return staff("disp", "dispatcher")


@pytest.fixture
def receivers(conn):
    """``receivers(fail_first=0, events=(), hang_first=0)`` → (a receiver, its endpoint
    id)."""
    made = []

    def make(fail_first: int = 0, events: tuple[str, ...] = (),
             hang_first: int = 0) -> tuple[Receiver, int]:
        secret = signing.new_secret()
        receiver = Receiver(secret, fail_first, hang_first)
        made.append(receiver)
        endpoint = conn.execute(text(
            "INSERT INTO webhook_endpoints (url, secret, events) VALUES (:u, :s, :e)"
            " RETURNING id"), {"u": receiver.url, "s": secret, "e": list(events)}).scalar()
        return receiver, endpoint

    yield make
    for receiver in made:
        receiver.close()


@pytest.fixture
def run(conn):
    """``run(at, **settings)`` → one worker step at ``at`` on the test's connection."""

    def step(at: dt.datetime, **settings) -> int:
        return worker.step(conn, lambda: None, at, worker.Settings(**settings))

    return step


def report(client, headers, **fields) -> int:
    lon, lat = xy(1, 1)
    body = {"category": "环境卫生", "description": "楼道堆放杂物", "lon": lon, "lat": lat,
            **fields}
    response = client.post("/api/v1/incidents", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def act(client, headers, incident_id: int, action: str, **fields) -> None:
    response = client.post(f"/api/v1/incidents/{incident_id}/actions",
                           json={"action": action, **fields}, headers=headers)
    assert response.status_code == 200, response.get_json()
