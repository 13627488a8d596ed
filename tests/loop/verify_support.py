"""Helpers of the verification and call-back tests (issue 21 parts 3–4): accounts (a
dispatcher, grid A's worker 张伟 and its chief 李娜), an incident worked to ``resolved`` by
the worker, and a resident reference for it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.field.conftest import act, at, report  # noqa: F401
from tests.support.auth import bearer

REFERENCE = "K7QM-3XPA"


@pytest.fixture
def dispatcher(staff, town):
    return staff("disp", "dispatcher")


def _member(conn, make_user, make_token, name: str, member_id: int) -> dict[str, str]:
    make_user(name, "member")
    conn.execute(text("UPDATE users SET grid_member_id = :m WHERE username = :u"),
                 {"m": member_id, "u": name})
    return bearer(make_token(name))


@pytest.fixture
def worker(town, conn, make_user, make_token):
    """Grid A's full-time worker 张伟, whom reports in grid A are routed to."""
    return _member(conn, make_user, make_token, "zhangwei", town["A_full"])


@pytest.fixture
def chief(town, conn, make_user, make_token):
    """Grid A's chief 李娜."""
    return _member(conn, make_user, make_token, "lina", town["A_chief"])


def verify_by(conn, who: str, category: str = "环境卫生") -> None:
    conn.execute(text("UPDATE categories SET verify_by = :v WHERE code = :c"),
                 {"v": who, "c": category})


def resolved(client, dispatcher, worker, x: float = 1, y: float = 1) -> int:
    """An incident in grid A, dispatched to 张伟, who started and resolved it."""
    incident = report(client, dispatcher, x, y)
    for action in ("accept", "dispatch"):
        assert act(client, dispatcher, incident, action).status_code == 200
    for action in ("start", "resolve"):
        assert act(client, worker, incident, action).status_code == 200, action
    return incident


def with_reference(conn, incident: int, reference: str = REFERENCE) -> str:
    """Give the incident a resident's reference, as if reported on the public map."""
    conn.execute(text("INSERT INTO resident_reports (reference, incident_id)"
                      " VALUES (:r, :i)"), {"r": reference, "i": incident})
    return reference


def incident(client, headers, incident_id: int) -> dict:
    response = client.get(f"/api/v1/incidents/{incident_id}", headers=headers)
    assert response.status_code == 200
    return response.get_json()


def rework_count(conn, incident_id: int) -> int:
    return conn.execute(text("SELECT rework_count FROM incidents WHERE id = :i"),
                        {"i": incident_id}).scalar()


def last(body: dict, action: str) -> dict:
    """The incident's last event of ``action`` (events of one test transaction share a
    time, so the history's order is not the order they were made in: by id)."""
    events = [e for e in body["history"] if e["action"] == action]
    assert events, [e["action"] for e in body["history"]]
    return max(events, key=lambda e: e["id"])
