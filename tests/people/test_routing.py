"""The assignee rule with the roster (geo.incidents.routing over geo.people.schedule):
leave goes to the substitute, duty hours and the category's off-hours rule decide what
happens outside everyone's hours."""

import pytest
from sqlalchemy import text

from tests.support.geometries import xy

pytestmark = pytest.mark.town("incidents")

# 2026-11-30 is a Monday; 10:00 and 22:00 in Asia/Shanghai.
MONDAY_10 = "2026-11-30T02:00:00Z"
MONDAY_22 = "2026-11-30T14:00:00Z"


def report(client, headers, reported_at=MONDAY_10, category="环境卫生"):
    lon, lat = xy(1, 1.5)  # grid A: full-time 张伟 (A_full), chief 李娜 (A_chief)
    body = {"category": category, "description": "楼道堆放杂物", "lon": lon, "lat": lat}
    if reported_at:
        body["reported_at"] = reported_at
    answer = client.post("/api/v1/incidents", json=body, headers=headers).get_json()
    assert "assignee_id" in answer, answer
    return answer["assignee_id"], answer["routed_to"]


@pytest.fixture
def admin(staff, town):
    return staff("boss", "admin")


def leave(client, admin, worker, **body):
    response = client.post(f"/api/v1/workers/{worker}/leave", json=body, headers=admin)
    assert response.status_code == 201, response.get_json()
    return response


def schedule(client, admin, worker, **body):
    etag = client.get(f"/api/v1/workers/{worker}", headers=admin).headers["ETag"]
    response = client.patch(f"/api/v1/workers/{worker}", json=body,
                            headers={**admin, "If-Match": etag})
    assert response.status_code == 200, response.get_json()


def test_a_new_incident_goes_to_the_grids_full_time_worker(client, admin, town):
    assert report(client, admin) == (town["A_full"], "full_time")


def test_on_leave_it_goes_to_the_substitute_and_back_after(client, admin, town):
    leave(client, admin, town["A_full"], **{"from": "2026-11-30", "to": "2026-12-01",
                                            "substitute": town["D_full"]})
    assert report(client, admin) == (town["D_full"], "substitute")
    assert report(client, admin, "2026-12-01T15:59:00Z") == (town["D_full"], "substitute")
    assert report(client, admin, "2026-12-01T16:00:00Z") == (town["A_full"], "full_time")
    assert report(client, admin, "2026-11-29T02:00:00Z") == (town["A_full"], "full_time")


def test_on_leave_without_a_substitute_the_chief_takes_it(client, admin, town):
    leave(client, admin, town["A_full"], **{"from": "2026-11-01"})
    assert report(client, admin) == (town["A_chief"], "grid_chief")


def test_outside_duty_hours_the_next_on_duty_then_the_categorys_rule(client, admin, town,
                                                                     conn):
    schedule(client, admin, town["A_full"], duty_days="1-5", duty_hours="09:00-17:30")
    assert report(client, admin) == (town["A_full"], "full_time")
    # At 22:00 the chief (no schedule: always) is on duty, the full-time worker is not.
    assert report(client, admin, MONDAY_22) == (town["A_chief"], "grid_chief")
    schedule(client, admin, town["A_chief"], duty_hours="08:00-18:00")
    # Nobody on duty: the default rule still gives it to the full-time worker.
    assert report(client, admin, MONDAY_22) == (town["A_full"], "full_time")
    conn.execute(text("UPDATE categories SET off_hours = 'community_office'"
                      " WHERE code = '环境卫生'"))
    assert report(client, admin, MONDAY_22) == (None, "community_office")
    conn.execute(text("UPDATE categories SET off_hours = 'unassigned' WHERE code = '环境卫生'"))
    assert report(client, admin, MONDAY_22) == (None, "unassigned")
    assert report(client, admin) == (town["A_full"], "full_time")


def test_a_worker_who_no_longer_serves_the_grid_gets_nothing(client, admin, town):
    etag = client.get(f"/api/v1/workers/{town['A_full']}", headers=admin).headers["ETag"]
    moved = client.patch(f"/api/v1/workers/{town['A_full']}", json={"grids": [
        "110101001001002"]}, headers={**admin, "If-Match": etag})
    assert moved.status_code == 200 and moved.get_json()["grids"] == ["110101001001002"]
    # Still served A until yesterday: an incident reported back then was theirs.
    assert report(client, admin, "2026-01-05T02:00:00Z") == (town["A_full"], "full_time")
    assert report(client, admin, None) == (town["A_chief"], "grid_chief")
