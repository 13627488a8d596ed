# ruff: noqa: F811  (the fixtures come from tests.loop.verify_support)
"""A grid chief's 待核查 in the field app's task list (issue 21): the resolved work of their
grid whose category the grid chief verifies, with verify / rework (a reason required) —
and their own resolved work listed with the reason they may not verify it, which the
server refuses too."""

from __future__ import annotations

import uuid

import pytest

from tests.loop.verify_support import (  # noqa: F401
    act,
    chief,
    dispatcher,
    incident,
    report,
    resolved,
    verify_by,
    worker,
)

pytestmark = pytest.mark.town("incidents")


def tasks(client, headers) -> dict[int, dict]:
    answer = client.get("/api/v1/me/tasks", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return {t["id"]: t for t in answer.get_json()["tasks"]}


def test_the_chief_sees_and_verifies_resolved_work(client, conn, dispatcher, worker, chief):
    verify_by(conn, "grid_chief")
    done = resolved(client, dispatcher, worker)
    listed = tasks(client, chief)
    assert listed[done]["to_verify"] is True and listed[done]["status"] == "resolved"
    assert listed[done]["actions"] == ["verify", "rework"]
    assert listed[done]["verify_refused"] is None
    assert done not in tasks(client, worker)  # the resolver's list: not theirs to verify
    assert incident(client, chief, done)["allowed_actions"] == ["verify", "rework"]
    no_reason = act(client, chief, done, "rework")
    assert no_reason.status_code == 400
    sent_back = act(client, chief, done, "rework", note="门口仍有杂物", client_id=str(uuid.uuid4()))
    assert sent_back.status_code == 200 and sent_back.get_json()["status"] == "reopened"
    assert done not in tasks(client, chief) or not tasks(client, chief)[done]["to_verify"]


def test_only_where_the_chief_verifies(client, conn, dispatcher, worker, chief):
    verify_by(conn, "dispatcher")
    done = resolved(client, dispatcher, worker)
    assert done not in tasks(client, chief)
    assert "verify" not in incident(client, chief, done)["allowed_actions"]


def test_the_chief_may_not_verify_their_own_work(client, conn, town, dispatcher, chief):
    verify_by(conn, "grid_chief")
    own = report(client, dispatcher, 1, 1)
    assert act(client, dispatcher, own, "accept").status_code == 200
    assert act(client, dispatcher, own, "dispatch", assignee=town["A_chief"]).status_code == 200
    for action in ("start", "resolve"):
        assert act(client, chief, own, action).status_code == 200, action
    listed = tasks(client, chief)[own]
    assert listed["to_verify"] and listed["actions"] == []
    assert "someone other than the resolver" in listed["verify_refused"]
    refused = act(client, chief, own, "verify")
    assert refused.status_code == 403
    assert "someone other than the resolver" in refused.get_json()["error"]["message"]
