"""My tasks, my grids and the incident read of a grid worker (issue 20)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.field.conftest import at, dispatched, report

pytestmark = pytest.mark.town("incidents")


def test_my_tasks_are_mine_and_my_grids_overdue_first(client, dispatcher, worker, town, conn):
    assigned = dispatched(client, dispatcher, 1, 1)  # routed to 张伟 (A_full)
    in_my_grid = report(client, dispatcher, 1.5, 1.5)
    conn.execute(text("UPDATE incidents SET assignee_id = :m WHERE id = :i"),
                 {"m": town["A_chief"], "i": in_my_grid})
    late = report(client, dispatcher, 0.5, 0.5)
    conn.execute(text("UPDATE incidents SET due_at = now() - interval '1 hour' WHERE id = :i"),
                 {"i": late})
    report(client, dispatcher, 3, 0.5)  # grid B: not mine
    report(client, dispatcher, 5, 1)  # community 2
    closed = dispatched(client, dispatcher, 1, 0.5)
    conn.execute(text("UPDATE incidents SET status = 'closed' WHERE id = :i"), {"i": closed})

    answer = client.get("/api/v1/me/tasks", headers=worker).get_json()
    assert answer["worker"] == {"id": town["A_full"], "name": "张伟"}
    ids = [t["id"] for t in answer["tasks"]]
    assert ids[0] == late and set(ids) == {assigned, in_my_grid, late}
    assert answer["count"] == 3
    task = {t["id"]: t for t in answer["tasks"]}
    assert task[late]["overdue"] and not task[assigned]["overdue"]
    assert task[assigned]["assigned_to_me"] and task[assigned]["actions"] == [
        "start", "return", "note", "escalate", "extend_request"]
    assert not task[in_my_grid]["assigned_to_me"] and task[in_my_grid]["actions"] == []
    assert task[assigned]["grid"]["code"] == "110101001001001"
    assert task[assigned]["distance_m"] is None
    assert task[assigned]["category_name"] == "环境卫生"
    assert "reporter_phone" not in task[assigned]


def test_distance_and_english_names(client, dispatcher, worker):
    incident = dispatched(client, dispatcher, 1, 1)
    lon, lat = at(1, 2).values()
    answer = client.get(f"/api/v1/me/tasks?lon={lon}&lat={lat}&lang=en", headers=worker)
    assert answer.status_code == 400  # lang is no parameter of this route
    answer = client.get(f"/api/v1/me/tasks?lon={lon}&lat={lat}",
                        headers={**worker, "Accept-Language": "en"}).get_json()
    [task] = [t for t in answer["tasks"] if t["id"] == incident]
    assert 100 < task["distance_m"] < 125  # 0.001° of latitude
    assert task["category_name"] == "Sanitation"
    assert client.get(f"/api/v1/me/tasks?lon={lon}", headers=worker).status_code == 400


def test_only_grid_workers_have_tasks(client, dispatcher, staff, make_user, make_token):
    assert client.get("/api/v1/me/tasks", headers=dispatcher).status_code == 403
    unlinked = staff("nobody", "member")
    assert client.get("/api/v1/me/tasks", headers=unlinked).status_code == 403
    assert client.get("/api/v1/me/grids", headers=unlinked).status_code == 403


def test_my_grids_as_geojson(client, worker, town):
    response = client.get("/api/v1/me/grids", headers=worker)
    assert response.mimetype == "application/geo+json"
    grids = response.get_json()
    assert grids["type"] == "FeatureCollection"
    assert [f["properties"] for f in grids["features"]] == [
        {"id": town["A"], "code": "110101001001001", "name": "第一网格"}]
    assert grids["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_a_worker_reads_their_tasks_only(client, dispatcher, worker, town, conn):
    mine = dispatched(client, dispatcher, 1, 1, reporter_phone="13812345678")
    in_my_grid = report(client, dispatcher, 1.5, 1.5, reporter_phone="13812345679")
    conn.execute(text("UPDATE incidents SET assignee_id = :m WHERE id = :i"),
                 {"m": town["A_chief"], "i": in_my_grid})
    elsewhere = report(client, dispatcher, 3, 0.5)
    other_community = report(client, dispatcher, 5, 1)
    seen = client.get(f"/api/v1/incidents/{mine}", headers=worker).get_json()
    assert seen["reporter_phone"] == "13812345678" and seen["photos"] == []
    audited = conn.execute(text(
        "SELECT count(*) FROM audit_log WHERE action = 'incident.read_private'"
        " AND entity_id = :i"), {"i": str(mine)}).scalar()
    assert audited == 1
    grid_task = client.get(f"/api/v1/incidents/{in_my_grid}", headers=worker).get_json()
    assert "reporter_phone" not in grid_task
    for other in (elsewhere, other_community):
        assert client.get(f"/api/v1/incidents/{other}", headers=worker).status_code == 404
    assert client.get(f"/api/v1/incidents/{elsewhere}", headers=dispatcher).status_code == 200


@pytest.mark.commits
def test_an_account_is_linked_to_its_grid_worker_on_creation(runner, town, conn):
    made = runner.invoke(args=["users", "create", "wangfang", "--role", "member",
                               "--member", str(town["A_full"])], input="long-password-1\n")
    assert made.exit_code == 0, made.output
    assert conn.execute(text("SELECT grid_member_id FROM users WHERE username = 'wangfang'")
                        ).scalar() == town["A_full"]
    for args in (["--role", "member", "--member", "999999"],
                 ["--role", "viewer", "--member", str(town["A_full"])]):
        refused = runner.invoke(args=["users", "create", "other", *args],
                                input="long-password-1\n")
        assert refused.exit_code != 0 and "Traceback" not in refused.output


def test_a_workers_lists_hold_only_their_tasks(client, dispatcher, worker, staff, town, conn):
    """The queue, its counts and its map points give a grid worker their tasks only
    (assigned to them, or in a grid they serve), never the rest of their community."""
    assigned = dispatched(client, dispatcher, 1, 1)  # grid A, routed to 张伟
    in_my_grid = report(client, dispatcher, 1.5, 1.5)
    grid_b = report(client, dispatcher, 3, 0.5)  # grid B, same community: not theirs
    elsewhere = dispatched(client, dispatcher, 3, 1)
    conn.execute(text("UPDATE incidents SET assignee_id = :m WHERE id = :i"),
                 {"m": town["A_full"], "i": elsewhere})  # assigned to them outside A
    mine = {assigned, in_my_grid, elsewhere}

    listed = client.get("/api/v1/incidents", headers=worker).get_json()
    assert {i["id"] for i in listed["incidents"]} == mine and listed["total"] == 3
    counts = client.get("/api/v1/incidents/counts", headers=worker).get_json()
    assert counts["open"] == 3
    points = client.get("/api/v1/incidents/points", headers=worker).get_json()
    assert {p[0] for p in points["points"]} == mine
    everyone = client.get("/api/v1/incidents", headers=dispatcher).get_json()
    assert grid_b in {i["id"] for i in everyone["incidents"]}  # the dispatcher sees it

    unlinked = staff("nobody", "member")  # a member account linked to no worker: nothing
    assert client.get("/api/v1/incidents", headers=unlinked).get_json()["total"] == 0
    assert client.get("/api/v1/incidents/counts", headers=unlinked).get_json()["open"] == 0
    assert client.get("/api/v1/incidents/points", headers=unlinked).get_json()["points"] == []
