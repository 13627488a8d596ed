# ruff: noqa: F811  (the fixtures come from tests.loop.verify_support)
"""The whole loop (issue 21's first test) on the demo town: a resident reports on the
public map → a dispatcher accepts and dispatches → the grid worker escalates to a
department (the dispatch catalogue's for the street) → the department's staff resolve →
their own verification is refused, and so is the dispatcher's (the category is verified by
the grid chief) → the grid chief verifies: closed → the resident rates it 不满意 on their
reference: reopened once → back to the worker, verified again → 不满意 again is only
recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.incidents.test_public_reports import form, post
from tests.loop.conftest import catalogue, departments, dept_staff  # noqa: F401
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


def test_report_dispatch_escalate_resolve_verify_rate_reopen_once(
        client, conn, town, dispatcher, worker, chief, dept_staff, departments, catalogue):
    verify_by(conn, "grid_chief")
    made = post(client, form(client, description="小区门口垃圾堆积", contact_phone="13800001111"))
    assert made.status_code == 201, made.get_json()
    ref = made.get_json()["reference"]
    done = conn.execute(text("SELECT incident_id FROM resident_reports WHERE reference = :r"),
                        {"r": ref}).scalar()
    cityops = dept_staff("cityops")

    def verified(resolver):
        own = act(client, resolver, done, "verify")
        assert own.status_code == 403 and "resolver" in own.get_json()["error"]["message"]
        assert act(client, dispatcher, done, "verify").status_code == 403  # the chief's
        assert act(client, chief, done, "verify").get_json()["status"] == "closed"

    for who, action, fields in (
            (dispatcher, "accept", {}), (dispatcher, "dispatch", {}),
            (worker, "escalate", {"to": "department", "note": "需城管执法"}),
            (cityops, "start", {}), (cityops, "resolve", {})):
        response = act(client, who, done, action, **fields)
        assert response.status_code == 200, (action, response.get_json())
    assert response.get_json()["department_id"] == departments["cityops"]
    verified(cityops)
    status = client.get(f"/api/v1/reports/{ref}").get_json()
    assert status["state"] == "closed" and status["can_rate"] is True
    unhappy = client.post(f"/api/v1/reports/{ref}/rating",
                          json={"rating": "unsatisfied", "comment": "垃圾又堆起来了"})
    assert unhappy.status_code == 201 and unhappy.get_json()["status"] == "reopened"
    assert "reopened" in [t["status"] for t in unhappy.get_json()["timeline"]]

    # Reopened once: back to the grid worker this time, verified by the chief again.
    for who, action, fields in ((dispatcher, "dispatch", {"assignee": town["A_full"]}),
                                (worker, "start", {}), (worker, "resolve", {})):
        response = act(client, who, done, action, **fields)
        assert response.status_code == 200, (action, response.get_json())
    verified(worker)
    again = client.post(f"/api/v1/reports/{ref}/rating", json={"rating": "unsatisfied"})
    assert again.status_code == 201 and again.get_json()["status"] == "closed"
    body = incident(client, dispatcher, done)
    assert [r["reopened"] for r in body["ratings"]] == [True, False]
    assert last(body, "reopen_unsatisfied")["actor"] == "public"
    assert conn.execute(text("SELECT rework_count FROM incidents WHERE id = :i"),
                        {"i": done}).scalar() == 0  # a call-back is not a failed verification
