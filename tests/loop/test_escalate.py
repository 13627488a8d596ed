"""Departments as assignees (issue 21 part 1): escalation, the dispatch catalogue, the
department's queue and scope, transfer, Open311's agency_responsible."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from tests.loop.conftest import STREET, act, dispatched

pytestmark = pytest.mark.town("incidents")


def last(body: dict, action: str) -> dict:
    """The latest event of ``action`` in an incident's history."""
    return [e for e in body["history"] if e["action"] == action][-1]


def queue(client, headers, **query) -> list[int]:
    response = client.get("/api/v1/department/incidents", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [i["id"] for i in response.get_json()["incidents"]]


def test_a_worker_escalates_to_the_streets_department_from_the_catalogue(
        client, dispatcher, worker, dept_staff, departments, catalogue, conn):
    incident = dispatched(client, dispatcher)
    assert act(client, worker, incident, "escalate", to="department").status_code == 400
    before = dt.datetime.now(dt.UTC)
    answer = act(client, worker, incident, "escalate", to="department", note="需城管执法")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "dispatched" and body["assignee_id"] is None
    assert body["routed_to"] == "department"
    assert body["department_id"] == departments["cityops"]  # the street's entry wins
    event = last(body, "escalate")
    assert event["note"] == "需城管执法"
    assert event["details"]["department_to"] == departments["cityops"]
    assert event["details"]["assignee_from"] is not None and event["details"]["catalogue"]
    # 16 working hours from now: at least two working days later, never sooner.
    assert dt.datetime.fromisoformat(body["due_at"]) > before + dt.timedelta(hours=16)
    # The worker no longer has it; the department's staff do, and only they.
    assert act(client, worker, incident, "start").status_code == 403
    cityops, sanitation = dept_staff("cityops"), dept_staff("sanitation")
    assert queue(client, cityops) == [incident]
    assert queue(client, sanitation) == []
    assert client.get(f"/api/v1/department/incidents/{incident}",
                      headers=sanitation).status_code == 404
    assert act(client, sanitation, incident, "start").status_code == 403
    seen = client.get(f"/api/v1/department/incidents/{incident}", headers=cityops).get_json()
    assert seen["allowed_actions"] == ["start", "return", "note", "escalate",
                                       "extend_request", "transfer"]
    assert "reporter_phone" not in seen and "reporter_name" not in seen
    for action in ("start", "resolve"):
        done = act(client, cityops, incident, action)
        assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "resolved"
    # Verifying its own work is refused (issue 21 part 3, geo.incidents.verification).
    assert act(client, cityops, incident, "close").status_code == 403


def test_the_default_department_and_its_time_limits(client, dispatcher, worker, departments,
                                                    catalogue, conn):
    conn.execute(text("DELETE FROM dispatch_catalogue WHERE street_code IS NOT NULL"))
    incident = dispatched(client, dispatcher)
    body = act(client, dispatcher, incident, "escalate", to="department",
               note="环卫").get_json()
    assert body["department_id"] == departments["sanitation"]
    named = dispatched(client, dispatcher, 1.5, 1)
    water = act(client, dispatcher, named, "escalate", to="department",
                department=departments["water"], note="管线").get_json()
    assert water["department_id"] == departments["water"]
    # Named outside the catalogue: the category's own limit (24 h), not the entry's 48 h.
    assert dt.datetime.fromisoformat(water["due_at"]) < dt.datetime.fromisoformat(
        body["due_at"])
    conn.execute(text("DELETE FROM dispatch_catalogue"))
    third = dispatched(client, dispatcher, 1.2, 1)
    missing = act(client, dispatcher, third, "escalate", to="department", note="x")
    assert missing.status_code == 400
    assert missing.get_json()["error"]["details"]["param"] == "department"


@pytest.mark.parametrize("fields, param", [
    ({"note": "x"}, "to"),
    ({"to": "province", "note": "x"}, "to"),
    ({"to": "department", "department": 999999, "note": "x"}, "department"),
    ({"to": "department", "department": "3", "note": "x"}, "department"),
])
def test_bad_escalations_are_400_and_change_nothing(client, dispatcher, departments, conn,
                                                     fields, param):
    incident = dispatched(client, dispatcher)
    response = act(client, dispatcher, incident, "escalate", **fields)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["param"] == param
    assert conn.execute(text("SELECT count(*) FROM incident_events WHERE incident_id = :i"
                             " AND action = 'escalate'"), {"i": incident}).scalar() == 0


def test_escalate_to_the_community_and_the_street_office(client, dispatcher, worker, town):
    incident = dispatched(client, dispatcher)
    office = act(client, worker, incident, "escalate", to="community", note="协调物业")
    assert office.get_json()["routed_to"] == "community_office"
    assert office.get_json()["assignee_id"] is None
    agency = client.get(f"/open311/v2/requests/{incident}.json").get_json()[0]
    assert agency["agency_responsible"] == "景山社区" and "张伟" not in str(agency)
    street = act(client, dispatcher, incident, "escalate", to="street", note="跨社区")
    assert street.get_json()["routed_to"] == "street_office"
    shown = client.get(f"/open311/v2/requests/{incident}.json").get_json()[0]
    assert shown["agency_responsible"] == "东华门街道"


def test_transfer_between_departments(client, dispatcher, dept_staff, departments, catalogue):
    incident = dispatched(client, dispatcher)
    act(client, dispatcher, incident, "escalate", to="department", note="城管")
    cityops, water = dept_staff("cityops"), dept_staff("water")
    assert act(client, cityops, incident, "transfer", note="水管").status_code == 400
    assert act(client, cityops, incident, "transfer", department=departments["water"]
               ).status_code == 400  # no reason
    same = act(client, cityops, incident, "transfer", department=departments["cityops"],
               note="x")
    assert same.status_code == 400
    moved = act(client, cityops, incident, "transfer", department=departments["water"],
                note="属水务管线")
    assert moved.status_code == 200, moved.get_json()
    event = last(moved.get_json(), "transfer")
    assert event["details"]["department_from"] == departments["cityops"]
    assert event["details"]["department_to"] == departments["water"]
    assert queue(client, cityops) == [] and queue(client, water) == [incident]
    shown = client.get(f"/open311/v2/requests/{incident}.json").get_json()[0]
    assert shown["agency_responsible"] == "区水务局"
    assert "王科长" not in str(shown) and "13800000999" not in str(shown)


def test_a_department_account_without_a_department_sees_nothing(
        client, dispatcher, departments, catalogue, make_user, make_token):
    from tests.support.auth import bearer
    incident = dispatched(client, dispatcher)
    act(client, dispatcher, incident, "escalate", to="department", note="城管")
    make_user("dept-none", "department")
    nobody = bearer(make_token("dept-none"))
    assert queue(client, nobody) == []
    assert client.get(f"/api/v1/department/incidents/{incident}",
                      headers=nobody).status_code == 404
    assert act(client, nobody, incident, "start").status_code == 403
    for path in ("/api/v1/incidents", f"/api/v1/incidents/{incident}",
                 "/api/v1/incidents/counts", "/api/v1/incidents/points"):
        assert client.get(path, headers=nobody).status_code == 403, path


def test_an_admin_reads_every_departments_queue(client, dispatcher, staff, departments,
                                                catalogue):
    admin = staff("root", "admin")
    incident = dispatched(client, dispatcher)
    act(client, dispatcher, incident, "escalate", to="department", note="城管")
    other = dispatched(client, dispatcher, 1.5, 1)
    assert queue(client, admin) == [incident]
    assert queue(client, admin, department=departments["water"]) == []
    assert other not in queue(client, admin)


def test_the_catalogue_api(client, staff, departments, conn):
    admin = staff("root", "admin")
    put = lambda body: client.put("/api/v1/dispatch-catalogue", json=body,  # noqa: E731
                                  headers=admin)
    entry = {"category": "环境卫生", "department_id": departments["sanitation"],
             "resolve_hours": 48}
    first = put(entry)
    assert first.status_code == 200, first.get_json()
    again = put({**entry, "department_id": departments["water"]})
    assert again.get_json()["id"] == first.get_json()["id"]  # one default per category
    street = put({**entry, "street_code": STREET})
    assert street.status_code == 200
    listed = client.get("/api/v1/dispatch-catalogue", headers=admin).get_json()["entries"]
    assert [(e["street_code"], e["department_name"]) for e in listed] == [
        (None, "区水务局"), (STREET, "区市容环卫中心")]
    for bad, param in (({**entry, "category": "无此类"}, "category"),
                       ({**entry, "street_code": "999999999"}, "street_code"),
                       ({**entry, "department_id": 999999}, "department_id"),
                       ({**entry, "resolve_hours": 0}, "resolve_hours"),
                       ({**entry, "response_hours": "2"}, "response_hours"),
                       ({**entry, "extra": 1}, "extra")):
        response = put(bad)
        assert response.status_code == 400, bad
        assert response.get_json()["error"]["details"]["param"] == param
    gone = client.delete(f"/api/v1/dispatch-catalogue/{street.get_json()['id']}",
                         headers=admin)
    assert gone.status_code == 204
    assert client.delete(f"/api/v1/dispatch-catalogue/{street.get_json()['id']}",
                         headers=admin).status_code == 404
    audited = conn.execute(text("SELECT action FROM audit_log WHERE entity ="
                                " 'dispatch_catalogue' ORDER BY id")).scalars().all()
    assert audited == ["dispatch_catalogue.put"] * 3 + ["dispatch_catalogue.delete"]


@pytest.mark.commits
def test_a_department_account_is_linked_on_creation(runner, departments, conn):
    made = runner.invoke(args=["users", "create", "cityops1", "--role", "department",
                               "--department", str(departments["cityops"])],
                         input="long-password-1\n")
    assert made.exit_code == 0, made.output
    assert conn.execute(text("SELECT department_id FROM users WHERE username = 'cityops1'")
                        ).scalar() == departments["cityops"]
    for args in (["--role", "department", "--department", "999999"],
                 ["--role", "viewer", "--department", str(departments["cityops"])]):
        refused = runner.invoke(args=["users", "create", "other", *args],
                                input="long-password-1\n")
        assert refused.exit_code != 0 and "Traceback" not in refused.output


def test_the_admin_page_sets_and_removes_catalogue_entries(client, make_user, departments,
                                                           conn):
    from tests.support.auth import csrf_token, login
    login(client, *make_user("root", "admin"))
    form = {"category": "环境卫生", "street_code": "", "response_hours": "",
            "department_id": str(departments["water"]), "resolve_hours": "36",
            "csrf_token": csrf_token(client)}
    assert client.post("/admin/dispatch-catalogue", data=form).status_code == 302
    row = conn.execute(text("SELECT id, street_code, department_id, response_hours,"
                            " resolve_hours FROM dispatch_catalogue")).one()
    assert row[1:] == (None, departments["water"], None, 36.0)
    page = client.get("/admin/categories").get_data(as_text=True)
    assert "派单目录" in page and "区水务局" in page
    bad = client.post("/admin/dispatch-catalogue", data={**form, "street_code": "1"})
    assert bad.status_code == 302 and conn.execute(text(
        "SELECT count(*) FROM dispatch_catalogue")).scalar() == 1
    gone = client.post(f"/admin/dispatch-catalogue/{row[0]}/delete",
                       data={"csrf_token": csrf_token(client)})
    assert gone.status_code == 302 and conn.execute(text(
        "SELECT count(*) FROM dispatch_catalogue")).scalar() == 0
