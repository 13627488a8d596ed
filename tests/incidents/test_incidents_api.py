"""POST /api/v1/incidents (intake and routing) and the workflow actions."""

import datetime as dt

import pytest
from sqlalchemy import text

from geo.core.crs import from_wgs84
from tests.support.auth import bearer
from tests.support.geometries import GRID_A, GRID_B, GRID_C, GRID_D, xy
from tests.support.towns import PRIVATE_PHONE, add_member

pytestmark = pytest.mark.town("incidents")


def report(client, headers, **fields):
    body = {"category": "环境卫生", "description": "楼道堆放杂物", **fields}
    return client.post("/api/v1/incidents", json=body, headers=headers)


def at(x, y):
    lon, lat = xy(x, y)
    return {"lon": lon, "lat": lat}


def act(client, headers, incident_id, action, **fields):
    return client.post(f"/api/v1/incidents/{incident_id}/actions",
                       json={"action": action, **fields}, headers=headers)


def test_report_by_coordinates_routes_to_the_on_duty_full_time_worker(client, dispatcher, town):
    response = report(client, dispatcher, source="hotline", priority=1,
                      reporter_name="王先生", reporter_phone="13800000000", **at(1, 1.5))
    assert response.status_code == 201
    body = response.get_json()
    assert body["grid_code"] == GRID_A and body["community_code"] == GRID_A[:12]
    assert body["assignee_id"] == town["A_full"] and body["assignee_name"] == "张伟"
    assert body["routed_to"] == "full_time"
    assert body["status"] == "reported" and body["allowed_actions"][:2] == ["accept", "reject"]
    assert body["reporter_phone"] == "13800000000"  # dispatchers see reporters
    reported = dt.datetime.fromisoformat(body["reported_at"])
    assert dt.datetime.fromisoformat(body["due_at"]) > reported
    assert dt.datetime.fromisoformat(body["response_due_at"]) > reported
    assert [e["action"] for e in body["history"]] == ["report"]
    assert body["boundary"] is None and body["duplicate_of_id"] is None


def test_grid_chief_when_no_full_time_worker_is_on_duty(client, dispatcher, town):
    assert report(client, dispatcher, **at(3, 1.5)).get_json()["assignee_id"] == town["C_chief"]
    body = report(client, dispatcher, **at(3, 0.5)).get_json()
    assert (body["assignee_id"], body["routed_to"]) == (town["B_chief"], "grid_chief")


def test_category_override_goes_to_the_community_office(client, dispatcher, town):
    body = report(client, dispatcher, category="邻里纠纷", **at(1, 1.5)).get_json()
    assert body["assignee_id"] is None and body["routed_to"] == "community_office"
    assert body["grid_code"] == GRID_A


def test_report_by_building_code_and_by_address(client, dispatcher, town):
    body = report(client, dispatcher, building="1101010010020010001").get_json()
    assert body["grid_code"] == GRID_D and body["building_code"] == "1101010010020010001"
    assert body["address"] == "黄图岗胡同8号"
    body = report(client, dispatcher, address="景山东街12号院2号楼").get_json()
    assert body["grid_code"] == GRID_A and body["building_code"] == "1101010010010010002"


def test_ambiguous_or_unknown_address_is_refused_with_candidates(client, dispatcher, town):
    response = report(client, dispatcher, address="景山东街12号院")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "several buildings" in error["message"]
    assert {c["code"] for c in error["details"]["candidates"]} == {
        "1101010010010010001", "1101010010010010002"}
    assert report(client, dispatcher, address="不存在的路99号").status_code == 404
    assert report(client, dispatcher, building="9999999999999999999").status_code == 404


def test_gcj02_coordinates_are_converted(client, dispatcher, town):
    lon, lat = from_wgs84(*xy(1, 1.5), "gcj02")
    body = report(client, dispatcher, lon=lon, lat=lat, crs="gcj02").get_json()
    assert body["grid_code"] == GRID_A
    assert abs(body["lon"] - xy(1, 1.5)[0]) < 1e-5


def test_external_id_repeat_returns_the_stored_incident(client, dispatcher, town):
    first = report(client, dispatcher, external_id="12345-2026-0000001", **at(1, 1))
    again = report(client, dispatcher, external_id="12345-2026-0000001", **at(5, 1))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["grid_code"] == GRID_A


@pytest.mark.commits
def test_near_a_boundary_is_flagged_and_moved_with_one_action(client, dispatcher, town, conn):
    body = report(client, dispatcher, **at(1.995, 1.5)).get_json()  # ~4 m from grid C
    assert body["grid_code"] == GRID_A
    assert body["boundary"]["grid_code"] == GRID_C and body["boundary"]["distance_m"] < 20
    moved = act(client, dispatcher, body["id"], "move", note="属于对面网格").get_json()
    assert moved["grid_code"] == GRID_C and moved["location_state"] == "moved"
    assert moved["assignee_id"] == town["C_chief"]  # re-routed in the new grid
    assert moved["boundary"]["grid_code"] == GRID_A  # the old grid remains the alternative
    event = moved["history"][-1]
    assert event["action"] == "move" and event["details"]["grid_from"] == town["A"]
    assert event["details"]["grid_to"] == town["C"]


def test_far_from_boundaries_is_not_flagged(client, dispatcher, town):
    assert report(client, dispatcher, **at(1, 1)).get_json()["boundary"] is None


@pytest.mark.commits
def test_possible_duplicate_is_flagged_and_merged(client, dispatcher, town):
    first = report(client, dispatcher, **at(1, 1)).get_json()
    second = report(client, dispatcher, **at(1.0002, 1)).get_json()  # ~17 m away
    other = report(client, dispatcher, category="噪音扰民", **at(1.0002, 1)).get_json()
    assert second["duplicate_of_id"] == first["id"]
    assert other["duplicate_of_id"] is None
    assert act(client, dispatcher, second["id"], "merge").status_code == 400  # needs a note
    merged = act(client, dispatcher, second["id"], "merge", note="同一事件").get_json()
    assert merged["status"] == "closed" and merged["merged_into_id"] == first["id"]
    target = client.get(f"/api/v1/incidents/{first['id']}", headers=dispatcher).get_json()
    assert target["history"][-1]["action"] == "merged_in"
    assert target["status"] == "reported"


@pytest.mark.commits
def test_the_whole_workflow_and_illegal_transitions(client, dispatcher, town):
    incident = report(client, dispatcher, **at(1, 1)).get_json()["id"]
    wrong = act(client, dispatcher, incident, "close")
    assert wrong.status_code == 409
    assert wrong.get_json()["error"]["details"] == {
        "status": "reported",
        "allowed": ["accept", "reject", "move", "merge", "note", "prioritise"]}
    steps = [("accept", "accepted"), ("dispatch", "dispatched"), ("start", "in_progress"),
             ("resolve", "resolved"), ("reopen", "reopened"), ("dispatch", "dispatched"),
             ("return", "returned"), ("dispatch", "dispatched"), ("start", "in_progress"),
             ("resolve", "resolved"), ("close", "closed")]
    for action, status in steps:
        note = "原因" if action in ("reopen", "return") else None
        response = act(client, dispatcher, incident, action, note=note)
        assert response.status_code == 200, (action, response.get_json())
        assert response.get_json()["status"] == status
    body = client.get(f"/api/v1/incidents/{incident}", headers=dispatcher).get_json()
    assert [e["to_status"] for e in body["history"]][1:] == [s for _, s in steps]
    assert body["closed_at"] is not None and body["overdue"] is False
    assert body["allowed_actions"] == ["note"]
    for action in ("accept", "reject", "dispatch", "start", "resolve", "return", "reopen",
                   "move", "merge", "close"):
        assert act(client, dispatcher, incident, action, note="x").status_code == 409


def test_reject_needs_a_note_and_ends_the_incident(client, dispatcher, town):
    incident = report(client, dispatcher, **at(1, 1)).get_json()["id"]
    assert act(client, dispatcher, incident, "reject").status_code == 400
    body = act(client, dispatcher, incident, "reject", note="不属于受理范围").get_json()
    assert body["status"] == "rejected" and body["closed_at"]


def test_dispatch_to_another_worker(client, dispatcher, town, conn):
    incident = report(client, dispatcher, **at(1, 1)).get_json()["id"]
    act(client, dispatcher, incident, "accept")
    bad = act(client, dispatcher, incident, "dispatch", assignee=999999)
    assert bad.status_code == 400
    body = act(client, dispatcher, incident, "dispatch", assignee=town["A_chief"]).get_json()
    assert body["assignee_id"] == town["A_chief"] and body["routed_to"] == "manual"


def test_worker_acts_only_on_their_own_incidents(client, dispatcher, town, conn, make_user,
                                                 make_token):
    make_user("worker", "member")
    conn.execute(text("UPDATE users SET grid_member_id = :m WHERE username = 'worker'"),
                 {"m": town["A_full"]})
    worker = bearer(make_token("worker"))
    mine = report(client, dispatcher, **at(1, 1)).get_json()["id"]
    theirs = report(client, dispatcher, **at(5, 1)).get_json()["id"]
    for action in ("accept", "dispatch"):
        act(client, dispatcher, mine, action)
    seen = client.get(f"/api/v1/incidents/{mine}", headers=worker).get_json()
    assert seen["allowed_actions"] == ["start", "return", "note", "escalate", "extend_request"]
    assert seen["reporter_phone"] is None  # their own task: the reporter (none here)
    assert act(client, worker, mine, "close").status_code == 409
    assert act(client, worker, mine, "start").get_json()["status"] == "in_progress"
    assert act(client, worker, theirs, "note", note="x").status_code == 403


def test_viewer_cannot_report_or_act(client, dispatcher, town, make_user, make_token):
    make_user("view", "viewer")
    viewer = bearer(make_token("view"))
    incident = report(client, dispatcher, **at(1, 1)).get_json()["id"]
    assert report(client, viewer, **at(1, 1)).status_code == 403
    assert act(client, viewer, incident, "accept").status_code == 403


def test_scoped_dispatcher_cannot_report_or_act_outside_their_communities(
        client, dispatcher, town, make_user, make_token, conn):
    make_user("scoped", "dispatcher", communities=[GRID_A[:12]])
    scoped = bearer(make_token("scoped"))
    assert report(client, scoped, **at(5, 1)).status_code == 403
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0
    other = report(client, dispatcher, **at(5, 1)).get_json()["id"]
    assert act(client, scoped, other, "accept").status_code == 404
    assert client.get(f"/api/v1/incidents/{other}", headers=scoped).status_code == 404


@pytest.mark.parametrize("fields, param", [
    ({"category": "不存在"}, "category"),
    ({"lon": "abc", "lat": 39.9}, "lon"),
    ({"lon": 39.9, "lat": 116.39}, "lat"),
    ({"lon": 2.35, "lat": 48.85}, "lon"),  # Paris: outside the service area
    ({"priority": 7}, "priority"),
    ({"source": "fax"}, "source"),
    ({"reporter_phone": "<script>"}, "reporter_phone"),
    ({"description": "x" * 2001}, "description"),
    ({"reported_at": "yesterday"}, "reported_at"),
    ({"reported_at": "2999-01-01T00:00:00+08:00"}, "reported_at"),
    ({"colour": "red"}, "colour"),
    ({"crs": "epsg:3857"}, "crs"),
])
def test_bad_reports_are_refused_naming_the_field(client, dispatcher, town, conn, fields, param):
    body = {**at(1, 1), **fields}
    response = report(client, dispatcher, **body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["message"]
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0


def test_locate_one_way_only(client, dispatcher, town):
    both = report(client, dispatcher, building="1101010010020010001", **at(1, 1))
    assert both.status_code == 400
    assert report(client, dispatcher).status_code == 400
    assert client.post("/api/v1/incidents", data="not json", headers=dispatcher,
                       content_type="application/json").status_code == 400


def test_out_of_area_point_is_kept_unassigned(client, dispatcher, town):
    body = report(client, dispatcher, **at(7, 1)).get_json()  # community 2, no grid
    assert body["grid_id"] is None and body["community_code"] == GRID_D[:12]
    assert body["routed_to"] == "unassigned" and body["location_state"] == "out_of_area"
    accepted = act(client, dispatcher, body["id"], "accept").get_json()
    assert act(client, dispatcher, accepted["id"], "dispatch").status_code == 400
    moved = act(client, dispatcher, body["id"], "move", grid=GRID_D).get_json()
    assert moved["grid_code"] == GRID_D and moved["assignee_id"] == town["D_full"]


def test_filters_and_queue_order(client, dispatcher, town, conn):
    late = report(client, dispatcher, reported_at="2026-01-05T09:00:00+08:00",
                  **at(1, 1)).get_json()["id"]
    fresh = report(client, dispatcher, category="噪音扰民", **at(5, 1)).get_json()["id"]
    body = client.get("/api/v1/incidents?order=due&status=open",
                      headers=dispatcher).get_json()
    assert [i["id"] for i in body["incidents"]] == [late, fresh]
    assert body["overdue"] == 1 and body["incidents"][0]["overdue"] is True
    only = client.get("/api/v1/incidents?overdue=true", headers=dispatcher).get_json()
    assert [i["id"] for i in only["incidents"]] == [late]
    by_grid = client.get(f"/api/v1/incidents?grid={GRID_D}", headers=dispatcher).get_json()
    assert [i["id"] for i in by_grid["incidents"]] == [fresh]
    by_worker = client.get(f"/api/v1/incidents?assignee={town['A_full']}",
                           headers=dispatcher).get_json()
    assert [i["id"] for i in by_worker["incidents"]] == [late]
    lon0, lat0 = xy(4, 0)
    lon1, lat1 = xy(8, 2)
    boxed = client.get(f"/api/v1/incidents?bbox={lon0},{lat0},{lon1},{lat1}",
                       headers=dispatcher).get_json()
    assert [i["id"] for i in boxed["incidents"]] == [fresh]
    counts = client.get("/api/v1/incidents/counts", headers=dispatcher).get_json()
    assert counts["open"] == 2 and counts["overdue"] == 1
    assert counts["by_status"]["reported"] == {"count": 2, "overdue": 1}
    points = client.get("/api/v1/incidents/points", headers=dispatcher).get_json()
    assert [p[0] for p in points["points"]] == [late, fresh] and points["points"][0][4] is True
    assert client.get("/api/v1/incidents?status=bogus", headers=dispatcher).status_code == 400
    assert client.get("/api/v1/incidents?overdue=maybe", headers=dispatcher).status_code == 400


def test_worker_private_phone_never_in_answers(client, dispatcher, town):
    body = report(client, dispatcher, **at(1, 1))
    assert PRIVATE_PHONE not in body.get_data(as_text=True)


def test_new_workers_change_routing(client, dispatcher, town, conn):
    add_member(conn, "钱七", "full_time", town["B"])
    body = report(client, dispatcher, **at(3, 0.5)).get_json()
    assert body["routed_to"] == "full_time" and body["assignee_name"] == "钱七"
    assert body["grid_code"] == GRID_B


def test_fractional_duplicate_window(app, client, dispatcher, town):
    app.config["DUPLICATE_HOURS"] = 1.5
    try:
        first = report(client, dispatcher, **at(1, 1)).get_json()
        second = report(client, dispatcher, **at(1, 1)).get_json()
        assert second["duplicate_of_id"] == first["id"]
    finally:
        app.config["DUPLICATE_HOURS"] = 72
