"""Choosing who works an incident (issue 26): the candidates with their duty state, 改派
(reassign), bulk actions with a result per row, and priority that moves the deadline."""

import datetime as dt

import pytest
from sqlalchemy import text

from tests.support.geometries import xy
from tests.support.towns import add_member

pytestmark = pytest.mark.town("incidents")


def report(client, headers, x=1, y=1, **fields):
    lon, lat = xy(x, y)
    body = {"category": "环境卫生", "description": "楼道堆放杂物", "lon": lon, "lat": lat,
            **fields}
    answer = client.post("/api/v1/incidents", json=body, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def act(client, headers, incident_id, action, **fields):
    return client.post(f"/api/v1/incidents/{incident_id}/actions",
                       json={"action": action, **fields}, headers=headers)


def last(incident: dict, action: str) -> dict:
    return [e for e in incident["history"] if e["action"] == action][-1]


def candidates(client, headers, incident_id):
    answer = client.get(f"/api/v1/incidents/{incident_id}/candidates", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["candidates"]


def test_the_grids_workers_come_first_each_with_their_state(client, dispatcher, town, conn):
    conn.execute(text("INSERT INTO worker_leave (worker_id, starts_on, substitute_id)"
                      " VALUES (:w, '2000-01-01', :s)"),
                 {"w": town["A_chief"], "s": town["B_chief"]})
    night = add_member(conn, "夜班", "part_time", town["A"])
    conn.execute(text("UPDATE grid_members SET duty_start = '03:00', duty_end = '03:01'"
                      " WHERE id = :m"), {"m": night})
    incident = report(client, dispatcher)  # grid A, community 1
    found = candidates(client, dispatcher, incident["id"])
    by_id = {c["id"]: c for c in found}
    in_grid = [c["id"] for c in found if c["in_grid"]]
    assert set(in_grid) == {town["A_full"], town["A_chief"], night}
    assert [c["in_grid"] for c in found] == sorted((c["in_grid"] for c in found),
                                                   reverse=True)  # the grid's first
    assert by_id[town["A_full"]]["duty"] == "on_duty"
    assert by_id[town["A_full"]]["open_work"] == 1  # this incident went to them
    assert by_id[town["A_chief"]]["duty"] == "on_leave"
    assert by_id[town["A_chief"]]["substitute"] == {"id": town["B_chief"], "name": "孙丽"}
    assert by_id[night]["duty"] == "off_hours"
    # The rest of community 1 follows; community 2's worker is not a candidate.
    assert {town["B_chief"], town["C_full"], town["C_chief"]} <= set(by_id)
    assert town["D_full"] not in by_id


def test_candidates_are_limited_to_the_callers_communities(client, staff, town):
    everyone = staff("disp-all", "dispatcher")
    incident = report(client, everyone, x=5, y=1)  # community 2
    limited = staff("disp-one", "dispatcher", ["110101001001"])
    answer = client.get(f"/api/v1/incidents/{incident['id']}/candidates", headers=limited)
    assert answer.status_code == 404
    viewer = staff("view", "viewer")
    assert client.get(f"/api/v1/incidents/{incident['id']}/candidates",
                      headers=viewer).status_code == 403


def test_dispatch_to_a_picked_worker_then_reassign(client, dispatcher, town, conn):
    incident = report(client, dispatcher)["id"]
    act(client, dispatcher, incident, "accept")
    done = act(client, dispatcher, incident, "dispatch", assignee=town["C_chief"])
    assert done.get_json()["assignee_id"] == town["C_chief"]
    assert done.get_json()["routed_to"] == "manual"
    assert "reassign" in done.get_json()["allowed_actions"]
    assert act(client, dispatcher, incident, "start").status_code == 200
    # 改派 needs a worker, another one, of the caller's communities.
    assert act(client, dispatcher, incident, "reassign").status_code == 400
    assert act(client, dispatcher, incident, "reassign",
               assignee=town["C_chief"]).status_code == 400
    assert act(client, dispatcher, incident, "reassign",
               assignee=999999).status_code == 400
    moved = act(client, dispatcher, incident, "reassign", assignee=town["A_full"],
                note="原承办人外出")
    assert moved.status_code == 200
    body = moved.get_json()
    assert (body["assignee_id"], body["status"]) == (town["A_full"], "dispatched")
    event = last(body, "reassign")  # (a test is one transaction: every now() is the same)
    assert (event["from_status"], event["to_status"]) == ("in_progress", "dispatched")
    assert event["details"] == {"assignee_from": town["C_chief"],
                                "assignee_to": town["A_full"]}
    assert event["note"] == "原承办人外出"


def test_bulk_actions_give_a_result_per_row_and_lose_none(client, dispatcher, town, conn):
    first, second, third = (report(client, dispatcher)["id"] for _ in range(3))
    for incident in (first, second):
        act(client, dispatcher, incident, "accept")
    # third is still reported: dispatch is refused there (409), the others go through.
    answer = client.post("/api/v1/incidents/bulk-actions", headers=dispatcher, json={
        "ids": [first, second, third, 999999], "action": "dispatch",
        "assignee": town["C_chief"]})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["done"], body["failed"]) == (2, 2)
    results = {r["id"]: r for r in body["results"]}
    assert [r["id"] for r in body["results"]] == [first, second, third, 999999]
    assert results[first]["ok"] and results[second]["ok"]
    assert results[third]["status"] == 409 and results[third]["code"] == "illegal_transition"
    assert results[third]["details"]["status"] == "reported"
    assert results[999999]["status"] == 404
    rows = dict(conn.execute(text(
        "SELECT id, assignee_id FROM incidents WHERE id IN (:a, :b, :c)"),
        {"a": first, "b": second, "c": third}).all())
    assert rows[first] == rows[second] == town["C_chief"]
    assert rows[third] == town["A_full"]  # untouched
    events = conn.execute(text("SELECT count(*) FROM incident_events WHERE action ="
                               " 'dispatch' AND incident_id IN (:a, :b, :c)"),
                          {"a": first, "b": second, "c": third}).scalar()
    assert events == 2


@pytest.mark.parametrize("body, param", [
    ({"action": "dispatch"}, "ids"),
    ({"ids": [], "action": "dispatch"}, "ids"),
    ({"ids": [1, 1], "action": "dispatch"}, "ids"),
    ({"ids": ["1"], "action": "dispatch"}, "ids"),
    ({"ids": list(range(1, 102)), "action": "dispatch"}, "ids"),
    ({"ids": [1], "action": "merge", "note": "x"}, "action"),
    ({"ids": [1], "action": "fly"}, "action"),
    ({"ids": [1], "action": "reassign"}, "assignee"),
])
def test_bad_bulk_requests_are_refused_whole(client, dispatcher, town, body, param):
    answer = client.post("/api/v1/incidents/bulk-actions", headers=dispatcher, json=body)
    assert answer.status_code == 400, answer.get_json()
    error = answer.get_json()["error"]
    assert param in error["message"] or (error.get("details") or {}).get("param") == param \
        or param in str(error)


def test_a_grid_worker_may_not_bulk_act(client, staff, town):
    member = staff("worker", "member")
    answer = client.post("/api/v1/incidents/bulk-actions", headers=member,
                         json={"ids": [1], "action": "start"})
    assert answer.status_code == 403


def hours_between(a: str, b: str) -> float:
    return (dt.datetime.fromisoformat(b) - dt.datetime.fromisoformat(a)).total_seconds() / 3600


def test_urgent_shortens_the_deadline_by_the_categorys_factor(client, dispatcher, town, conn):
    conn.execute(text("UPDATE categories SET clock = 'calendar', urgent_factor = 0.25"
                      " WHERE code = '环境卫生'"))
    normal = report(client, dispatcher, priority=2)
    urgent = report(client, dispatcher, priority=1)
    assert hours_between(normal["reported_at"], normal["due_at"]) == pytest.approx(24)
    assert hours_between(urgent["reported_at"], urgent["due_at"]) == pytest.approx(6)
    assert hours_between(urgent["reported_at"], urgent["response_due_at"]) == \
        pytest.approx(0.5)
    # The dispatcher raises the normal one: its deadlines are computed again, in history.
    raised = act(client, dispatcher, normal["id"], "prioritise", priority=1)
    assert raised.status_code == 200, raised.get_json()
    body = raised.get_json()
    assert body["priority"] == 1 and body["status"] == "reported"
    assert hours_between(body["reported_at"], body["due_at"]) == pytest.approx(6)
    event = last(body, "prioritise")
    assert (event["details"]["priority_from"], event["details"]["priority_to"]) == (2, 1)
    lowered = act(client, dispatcher, normal["id"], "prioritise", priority=3).get_json()
    assert hours_between(lowered["reported_at"], lowered["due_at"]) == pytest.approx(24)
    assert act(client, dispatcher, normal["id"], "prioritise", priority=3).status_code == 400
    assert act(client, dispatcher, normal["id"], "prioritise", priority=7).status_code == 400
    assert act(client, dispatcher, normal["id"], "prioritise").status_code == 400


def test_the_queue_puts_urgent_work_first_within_overdue_and_not(client, dispatcher, town,
                                                                 conn):
    ids = [report(client, dispatcher, priority=p)["id"] for p in (2, 1, 2, 1)]
    late = {ids[0], ids[1]}
    conn.execute(text("UPDATE incidents SET due_at = now() - interval '1 hour',"
                      " response_due_at = now() - interval '2 hour' WHERE id = ANY(:l)"),
                 {"l": list(late)})
    page = client.get("/api/v1/incidents?order=due&status=open&limit=50",
                      headers=dispatcher).get_json()
    order = [i["id"] for i in page["incidents"] if i["id"] in ids]
    assert order == [ids[1], ids[0], ids[3], ids[2]]


def test_admins_set_the_urgent_factor_within_bounds(client, staff, town):
    admin = staff("root", "admin")
    for bad in (0, 1.5, "half", True):
        answer = client.put("/api/v1/categories/环境卫生", headers=admin,
                            json={"urgent_factor": bad})
        assert answer.status_code == 400, bad
    answer = client.put("/api/v1/categories/环境卫生", headers=admin,
                        json={"urgent_factor": 0.75})
    assert answer.status_code == 200
    listed = client.get("/api/v1/categories", headers=admin).get_json()["categories"]
    assert {c["code"]: c for c in listed}["环境卫生"]["urgent_factor"] == 0.75


def test_workers_are_listed_by_community_or_found_by_name(client, dispatcher, staff, town):
    def get(headers, **query):
        return client.get("/api/v1/incidents/assignees", query_string=query, headers=headers)

    listed = get(dispatcher, community="110101001001").get_json()["workers"]
    assert {w["id"] for w in listed} == {town[k] for k in ("A_full", "A_chief", "B_chief",
                                                             "C_full", "C_chief")}
    assert all(set(w) == {"id", "name", "role", "community_name"} for w in listed)
    found = get(dispatcher, q="赵").get_json()["workers"]
    assert [w["id"] for w in found] == [town["D_full"]]
    assert get(dispatcher).status_code == 400
    assert get(dispatcher, community="12345").status_code == 400
    limited = staff("disp-one", "dispatcher", ["110101001001"])
    assert get(limited, community="110101001002").status_code == 404
    assert get(limited, q="赵").get_json()["workers"] == []  # community 2's worker
    assert get(staff("view", "viewer"), q="赵").status_code == 403
