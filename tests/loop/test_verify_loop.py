# ruff: noqa: F811  (the fixtures come from tests.loop.verify_support)
"""The whole loop (issue 21's first test), without the department step: h-escalate's
branch (departments, escalation) is merged by the lead, not here. A resident reports on the
public map → a dispatcher accepts and dispatches → the grid worker resolves → the worker's
own verification is refused, and so is the dispatcher's (the category is verified by the
grid chief) → the grid chief verifies: closed → the resident rates it 不满意 on their
reference: reopened once → worked and verified again → 不满意 again is only recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.incidents.test_public_reports import form, post
from tests.loop.verify_support import (  # noqa: F401
    act,
    chief,
    dispatcher,
    incident,
    last,
    verify_by,
    worker,
)

pytestmark = pytest.mark.town("incidents")


def test_report_dispatch_resolve_verify_rate_reopen_once(client, conn, dispatcher, worker,
                                                         chief):
    verify_by(conn, "grid_chief")
    made = post(client, form(client, description="小区门口垃圾堆积", contact_phone="13800001111"))
    assert made.status_code == 201, made.get_json()
    ref = made.get_json()["reference"]
    done = conn.execute(text("SELECT incident_id FROM resident_reports WHERE reference = :r"),
                        {"r": ref}).scalar()

    def work_it():
        for who, action in ((dispatcher, "dispatch"), (worker, "start"), (worker, "resolve")):
            response = act(client, who, done, action)
            assert response.status_code == 200, (action, response.get_json())
        own = act(client, worker, done, "verify")
        assert own.status_code == 403 and "resolver" in own.get_json()["error"]["message"]
        assert act(client, dispatcher, done, "verify").status_code == 403  # the chief's
        assert act(client, chief, done, "verify").get_json()["status"] == "closed"

    assert act(client, dispatcher, done, "accept").status_code == 200
    work_it()
    status = client.get(f"/api/v1/reports/{ref}").get_json()
    assert status["state"] == "closed" and status["can_rate"] is True
    unhappy = client.post(f"/api/v1/reports/{ref}/rating",
                          json={"rating": "unsatisfied", "comment": "垃圾又堆起来了"})
    assert unhappy.status_code == 201 and unhappy.get_json()["status"] == "reopened"
    assert "reopened" in [t["status"] for t in unhappy.get_json()["timeline"]]

    work_it()  # back to the worker, verified by the chief again
    again = client.post(f"/api/v1/reports/{ref}/rating", json={"rating": "unsatisfied"})
    assert again.status_code == 201 and again.get_json()["status"] == "closed"
    body = incident(client, dispatcher, done)
    assert [r["reopened"] for r in body["ratings"]] == [True, False]
    assert last(body, "reopen_unsatisfied")["actor"] == "public"
    assert conn.execute(text("SELECT rework_count FROM incidents WHERE id = :i"),
                        {"i": done}).scalar() == 0  # a call-back is not a failed verification
