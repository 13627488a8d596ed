"""督办 and 延期 (issue 21 part 2): a street-level mark on overdue work, counted; an
assignee's extension request, approved (the deadline moves, recorded) or refused."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from tests.loop.conftest import act, dispatched

pytestmark = pytest.mark.town("incidents")


def overdue(conn, incident: int) -> None:
    conn.execute(text("UPDATE incidents SET due_at = now() - interval '2 hours'"
                      " WHERE id = :i"), {"i": incident})


def test_the_street_marks_overdue_work_supervised(client, dispatcher, worker, staff, conn):
    incident = dispatched(client, dispatcher)
    early = act(client, dispatcher, incident, "supervise", note="抓紧")
    assert early.status_code == 409  # not overdue yet: not among the allowed actions
    overdue(conn, incident)
    one_community = staff("disp1", "dispatcher", ["110101001001"])
    partial = act(client, one_community, incident, "supervise", note="抓紧")
    assert partial.status_code == 403  # the street has two communities
    assert act(client, worker, incident, "supervise", note="x").status_code == 409
    assert act(client, dispatcher, incident, "supervise").status_code == 400  # no note
    for n in (1, 2):
        done = act(client, dispatcher, incident, "supervise", note=f"第{n}次督办")
        assert done.status_code == 200, done.get_json()
        body = done.get_json()
        assert body["supervised"] == n and body["status"] == "dispatched"
        assert [e for e in body["history"] if e["action"] == "supervise"][-1][
            "details"] == {"count": n}
    shown = client.get(f"/api/v1/incidents/{incident}", headers=dispatcher).get_json()
    assert shown["supervised"] == 2 and "supervise" in shown["allowed_actions"]


def test_an_extension_approved_moves_the_deadline(client, dispatcher, worker, conn):
    incident = dispatched(client, dispatcher)
    due = dt.datetime.fromisoformat(
        client.get(f"/api/v1/incidents/{incident}", headers=dispatcher).get_json()["due_at"])
    wanted = (due + dt.timedelta(days=3)).isoformat()
    for bad, param in (({"due_at": wanted}, "note"), ({"note": "缺材料"}, "due_at"),
                       ({"note": "x", "due_at": "2026-12-10"}, "due_at"),
                       ({"note": "x", "due_at": (due - dt.timedelta(hours=1)).isoformat()},
                        "due_at")):
        response = act(client, worker, incident, "extend_request", **bad)
        assert response.status_code == 400, bad
        assert response.get_json()["error"]["details"]["param"] == param
    asked = act(client, worker, incident, "extend_request", due_at=wanted, note="等配件")
    assert asked.status_code == 200, asked.get_json()
    body = asked.get_json()
    assert dt.datetime.fromisoformat(body["due_at"]) == due  # not moved yet
    assert [x["state"] for x in body["extensions"]] == ["pending"]
    assert "extend_request" not in body["allowed_actions"]
    assert act(client, worker, incident, "extend_request", due_at=wanted,
               note="again").status_code == 409
    assert act(client, worker, incident, "extend_approve").status_code == 409
    approved = act(client, dispatcher, incident, "extend_approve", note="同意")
    assert approved.status_code == 200, approved.get_json()
    body = approved.get_json()
    assert dt.datetime.fromisoformat(body["due_at"]) == dt.datetime.fromisoformat(wanted)
    record = body["extensions"][0]
    assert record["state"] == "approved" and record["decided_by"] == "disp"
    assert record["reason"] == "等配件" and record["requested_by"] == "zhangwei"
    assert dt.datetime.fromisoformat(record["due_from"]) == due
    assert act(client, dispatcher, incident, "extend_refuse",
               note="x").status_code == 409  # nothing waits


def test_an_extension_refused_leaves_the_deadline(client, dispatcher, worker, conn):
    incident = dispatched(client, dispatcher)
    due = client.get(f"/api/v1/incidents/{incident}", headers=dispatcher).get_json()["due_at"]
    later = (dt.datetime.fromisoformat(due) + dt.timedelta(days=1)).isoformat()
    act(client, worker, incident, "extend_request", due_at=later, note="人手不够")
    assert act(client, dispatcher, incident, "extend_refuse").status_code == 400  # why?
    refused = act(client, dispatcher, incident, "extend_refuse", note="可调配人手")
    body = refused.get_json()
    assert refused.status_code == 200 and body["due_at"] == due
    assert body["extensions"][0]["state"] == "refused"
    assert body["extensions"][0]["decision_note"] == "可调配人手"
    again = act(client, worker, incident, "extend_request", due_at=later, note="再申请")
    assert again.status_code == 200  # a new request after a decision
