"""A grid worker's in-app notifications (issue 20): made with the change, read, marked."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from geo.field import notifications
from tests.field.conftest import act, dispatched, report

pytestmark = pytest.mark.town("incidents")


def kinds(client, worker) -> list[tuple[str, int]]:
    items = client.get("/api/v1/me/notifications", headers=worker).get_json()["items"]
    return [(i["kind"], i["incident_id"]) for i in items]


def test_dispatch_return_and_reopen_notify_the_worker(client, dispatcher, worker):
    incident = dispatched(client, dispatcher)
    assert kinds(client, worker) == [("new_task", incident)]
    act(client, worker, incident, "return", note="不归我管")
    act(client, dispatcher, incident, "dispatch")
    assert kinds(client, worker)[0] == ("returned", incident)
    act(client, worker, incident, "start")
    act(client, worker, incident, "resolve")
    act(client, dispatcher, incident, "reopen", note="没清理干净")
    assert [k for k, _ in kinds(client, worker)] == ["reopened", "returned", "new_task"]


def test_texts_in_the_readers_language_and_marking_read(client, dispatcher, worker):
    incident = dispatched(client, dispatcher)
    zh = client.get("/api/v1/me/notifications", headers=worker).get_json()
    assert zh["unread"] == 1
    assert zh["items"][0]["text"] == f"新任务：事件 {incident}（环境卫生）"
    en = client.get("/api/v1/me/notifications?lang=en", headers=worker).get_json()
    assert en["items"][0]["text"].startswith(f"New task: incident {incident}")
    assert en["items"][0]["read_at"] is None
    marked = client.post("/api/v1/me/notifications/read", json={"ids": [zh["items"][0]["id"]]},
                         headers=worker).get_json()
    assert marked == {"marked": 1, "unread": 0}
    again = client.post("/api/v1/me/notifications/read", json={"all": True}, headers=worker)
    assert again.get_json() == {"marked": 0, "unread": 0}
    for bad in ({}, {"ids": []}, {"ids": ["1"]}, {"all": True, "ids": [1]}, {"all": "yes"}):
        response = client.post("/api/v1/me/notifications/read", json=bad, headers=worker)
        assert response.status_code == 400, bad


def test_nobody_else_reads_or_marks_them(client, dispatcher, worker, town, conn, staff):
    dispatched(client, dispatcher)
    other = staff("lina", "member")
    conn.execute(text("UPDATE users SET grid_member_id = :m WHERE username = 'lina'"),
                 {"m": town["A_chief"]})
    assert client.get("/api/v1/me/notifications", headers=other).get_json()["items"] == []
    marked = client.post("/api/v1/me/notifications/read", json={"all": True}, headers=other)
    assert marked.get_json()["marked"] == 0
    assert client.get("/api/v1/me/notifications", headers=worker).get_json()["unread"] == 1
    assert client.get("/api/v1/me/notifications", headers=dispatcher).status_code == 403


def test_due_soon_is_made_once_per_deadline(client, dispatcher, worker, conn, runner):
    soon = report(client, dispatcher, 1, 1)
    later = report(client, dispatcher, 0.5, 1)
    conn.execute(text("UPDATE incidents SET due_at = now() + interval '90 minutes'"
                      " WHERE id = :i"), {"i": soon})
    conn.execute(text("UPDATE incidents SET due_at = now() + interval '5 hours'"
                      " WHERE id = :i"), {"i": later})
    assert notifications.make_due_soon(conn) == 1
    assert notifications.make_due_soon(conn) == 0
    assert kinds(client, worker) == [("due_soon", soon)]
    conn.execute(text("UPDATE incidents SET due_at = now() + interval '100 minutes'"
                      " WHERE id = :i"), {"i": soon})  # a new deadline: told again
    assert notifications.make_due_soon(conn) == 1


@pytest.mark.commits
def test_the_scheduler_command(client, dispatcher, worker, conn, runner):
    soon = report(client, dispatcher, 1, 1)
    conn.execute(text("UPDATE incidents SET due_at = now() + interval '1 hour' WHERE id = :i"),
                 {"i": soon})
    assert "1 due-soon" in runner.invoke(args=["field", "due-soon"]).output
    assert runner.invoke(args=["field", "due-soon", "--quiet"]).output == ""
    assert kinds(client, worker) == [("due_soon", soon)]
