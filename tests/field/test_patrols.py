"""Patrols through the API: start (idempotent), batches of points (keyed by time, checked,
grids walked by the assignment rule), finish (track, distance, duration), the day's log and
one patrol with its track, who may see what."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from tests.field.patrol_support import (
    T0,
    finish,
    points,
    start,
    started,
    walk,
    worker_headers,
)
from tests.support.geometries import COMMUNITY_1, COMMUNITY_2

pytestmark = pytest.mark.town("incidents")

# From grid A (x 0–2) across B (x 2–4, y < 1) into D (x 4–6, community 2).
PATH = [(0.5, 0.5), (1.0, 0.5), (1.5, 0.5), (2.5, 0.5), (3.5, 0.5), (4.5, 0.5)]


@pytest.fixture
def zhang(make_user, make_token, conn, town):
    """张伟, A's full-time worker (community 1), signed in by token."""
    return worker_headers(make_user, make_token, conn, "zhangwei", town["A_full"])


@pytest.fixture
def zhao(make_user, make_token, conn, town):
    """赵敏, D's worker (community 2)."""
    return worker_headers(make_user, make_token, conn, "zhaomin", town["D_full"])


def rows(conn, sql: str, **params):
    return conn.execute(text(sql), params).all()


def test_start_is_idempotent_by_client_id(client, zhang, conn):
    first = start(client, zhang, client_id="6a1d1c0e-5a1e-4f7a-9a53-3f0a3c0f4b11")
    again = start(client, zhang, client_id="6a1d1c0e-5a1e-4f7a-9a53-3f0a3c0f4b11")
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["id"] == again.get_json()["id"]
    assert first.get_json()["status"] == "walking" and not first.get_json()["repeated"]
    assert again.get_json()["repeated"] is True
    assert first.get_json()["started_at"] == T0.isoformat()
    assert rows(conn, "SELECT count(*) FROM patrols")[0][0] == 1


def test_only_a_grid_workers_account_patrols(client, staff, town, zhang, zhao):
    for role in ("dispatcher", "viewer", "admin"):  # staff roles: not the field app's
        assert start(client, staff(f"s-{role}", role)).status_code == 403
    unlinked = staff("member2", "member")  # a member's account not linked to a worker
    assert start(client, unlinked).status_code == 403
    assert "grid worker" in start(client, unlinked).get_json()["error"]["message"]
    # a client_id is one patrol's: another worker sending it gets a conflict, not theirs
    mine = start(client, zhang, client_id="0b8f9b8e-53c6-4a61-8a47-2c1b1b4f7e01")
    theirs = start(client, zhao, client_id="0b8f9b8e-53c6-4a61-8a47-2c1b1b4f7e01")
    assert mine.status_code == 201 and theirs.status_code == 409


@pytest.mark.parametrize(("body", "param"), [
    ({}, "client_id"),
    ({"client_id": "not-a-uuid"}, "client_id"),
    ({"client_id": "6a1d1c0e-5a1e-4f7a-9a53-3f0a3c0f4b11", "started_at": "yesterday"},
     "started_at"),
    ({"client_id": "6a1d1c0e-5a1e-4f7a-9a53-3f0a3c0f4b11", "started_at": "2026-11-30T09:00"},
     "started_at"),
    ({"client_id": "6a1d1c0e-5a1e-4f7a-9a53-3f0a3c0f4b11", "started_at": "2099-01-01T00:00Z"},
     "started_at"),
    ({"client_id": "6a1d1c0e-5a1e-4f7a-9a53-3f0a3c0f4b11", "extra": 1}, "extra"),
])
def test_a_bad_start_is_a_400_naming_the_field(client, zhang, conn, body, param):
    response = client.post("/api/v1/patrols", headers=zhang, json=body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["details"]["param"] == param
    assert rows(conn, "SELECT count(*) FROM patrols")[0][0] == 0


def test_points_are_keyed_by_time_and_walk_grids_by_the_rule(client, zhang, conn, town):
    patrol = started(client, zhang)
    batch = walk(PATH)
    first = points(client, zhang, patrol, batch[:4])
    assert first.status_code == 200 and first.get_json() == {"added": 4, "repeated": 0}
    # the phone sends an overlapping batch again (no answer reached it): only the new count
    second = points(client, zhang, patrol, batch[2:])
    assert second.get_json() == {"added": 2, "repeated": 2}
    walked = rows(conn, "SELECT grid_id, points, first_at, last_at FROM patrol_grids"
                  " WHERE patrol_id = :p ORDER BY first_at", p=patrol)
    assert [(w.grid_id, w.points) for w in walked] == [
        (town["A"], 3), (town["B"], 2), (town["D"], 1)]
    assert walked[0].first_at == T0 and walked[0].last_at == T0 + dt.timedelta(seconds=60)
    assert rows(conn, "SELECT count(*) FROM patrol_points")[0][0] == 6


def test_a_point_on_a_shared_edge_walks_one_grid(client, zhang, conn, town):
    patrol = started(client, zhang)
    points(client, zhang, patrol, walk([(2.0, 0.5)]))  # on the edge of A and B
    assert rows(conn, "SELECT grid_id FROM patrol_grids") == [(town["A"],)]  # lowest code


def _bad(i: int, **change) -> list[dict]:
    batch = walk(PATH)
    batch[i] = {**batch[i], **change}
    return batch


@pytest.mark.parametrize(("batch", "param"), [
    (_bad(2, lat=99.0), "points[2].lon"),
    (_bad(3, lon=2.35, lat=48.85), "points[3].lon"),  # Paris: outside the service area
    (_bad(1, accuracy=-5), "points[1].accuracy"),
    (_bad(4, accuracy=5000), "points[4].accuracy"),
    (_bad(0, accuracy="8"), "points[0].accuracy"),
    (_bad(5, at="2026-11-30 09:00"), "points[5].at"),
    (_bad(2, at="2099-01-01T00:00:00+00:00"), "points[2].at"),
    (_bad(1, at="2026-11-30T00:00:00+00:00"), "points[1].at"),  # before the start
    (_bad(1, speed=3), "points[1].speed"),
    (_bad(0, lon=None), "points[0].lon"),
    ([], "points"),
    (walk([(0.5, 0.5)] * 501), "points"),
    ("all", "points"),
])
def test_a_bad_point_refuses_the_whole_batch(client, zhang, conn, batch, param):
    patrol = started(client, zhang)
    response = points(client, zhang, patrol, batch)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["details"]["param"] == param
    assert rows(conn, "SELECT count(*) FROM patrol_points")[0][0] == 0
    assert rows(conn, "SELECT count(*) FROM patrol_grids")[0][0] == 0


def test_a_batch_of_500_is_taken(client, zhang, conn):
    patrol = started(client, zhang)
    batch = walk([(0.1 + i * 0.003, 0.5) for i in range(500)], step_s=2)
    response = points(client, zhang, patrol, batch)
    assert response.get_json() == {"added": 500, "repeated": 0}


def test_finish_builds_the_track_distance_and_duration(client, zhang, conn, town):
    patrol = started(client, zhang)
    points(client, zhang, patrol, walk(PATH))
    done = finish(client, zhang, patrol, T0 + dt.timedelta(minutes=20))
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["status"] == "finished" and body["duration_s"] == 1200
    # 4 units of 0.001° of longitude at 39.9° N: 4 × 85.4 m on the spheroid
    assert body["distance_m"] == pytest.approx(4 * 85.4, rel=0.01)
    assert [g["id"] for g in body["grids"]] == [town["A"], town["B"], town["D"]]
    again = finish(client, zhang, patrol)
    assert again.status_code == 200 and again.get_json()["repeated"] is True
    assert again.get_json()["finished_at"] == body["finished_at"]
    # a batch already stored is a repeat; a new point is refused
    assert points(client, zhang, patrol, walk(PATH)).get_json() == {
        "added": 0, "repeated": 6}
    late = points(client, zhang, patrol, walk([(1, 1)], T0 + dt.timedelta(minutes=30)))
    assert late.status_code == 409


def test_finish_defaults_to_now_and_refuses_a_time_before_the_last_point(client, zhang):
    patrol = started(client, zhang)
    points(client, zhang, patrol, walk(PATH))
    early = finish(client, zhang, patrol, T0 + dt.timedelta(seconds=30))
    assert early.status_code == 400
    assert early.get_json()["error"]["details"]["param"] == "finished_at"
    done = finish(client, zhang, patrol).get_json()
    assert dt.datetime.fromisoformat(done["finished_at"]) > T0


def test_a_patrol_of_one_point_has_no_track(client, zhang):
    patrol = started(client, zhang)
    points(client, zhang, patrol, walk(PATH[:1]))
    done = finish(client, zhang, patrol, T0 + dt.timedelta(minutes=1)).get_json()
    assert done["distance_m"] == 0
    assert client.get(f"/api/v1/patrols/{patrol}", headers=zhang).get_json()["track"] is None


def test_another_workers_patrol_is_not_found(client, zhang, zhao):
    patrol = started(client, zhang)
    assert points(client, zhao, patrol, walk(PATH)).status_code == 404
    assert finish(client, zhao, patrol).status_code == 404
    assert client.get(f"/api/v1/patrols/{patrol}", headers=zhao).status_code == 404


def test_the_days_log(client, zhang, conn):
    morning = started(client, zhang)
    points(client, zhang, morning, walk(PATH))
    finish(client, zhang, morning, T0 + dt.timedelta(minutes=10))
    started(client, zhang, T0 + dt.timedelta(hours=5))
    started(client, zhang, T0 + dt.timedelta(days=1))  # the next day
    day = client.get("/api/v1/me/patrols?date=2026-11-30", headers=zhang)
    assert day.status_code == 200
    log = day.get_json()["patrols"]
    assert [p["status"] for p in log] == ["finished", "walking"]
    assert log[0]["duration_s"] == 600 and len(log[0]["grids"]) == 3
    assert log[0]["worker"]["name"] == "张伟"
    assert client.get("/api/v1/me/patrols?date=2026-12-01",
                      headers=zhang).get_json()["patrols"][0]["status"] == "walking"
    assert client.get("/api/v1/me/patrols?date=30-11-2026", headers=zhang).status_code == 400


def test_one_patrol_with_its_track_for_its_worker_and_supervisors(client, staff, zhang, town):
    patrol = started(client, zhang)
    points(client, zhang, patrol, walk(PATH))
    walking = client.get(f"/api/v1/patrols/{patrol}", headers=zhang).get_json()
    assert walking["track"]["type"] == "LineString" and len(
        walking["track"]["coordinates"]) == 6  # made from the points while walking
    finish(client, zhang, patrol, T0 + dt.timedelta(minutes=10))
    for who in (staff("d1", "dispatcher", [COMMUNITY_1]), staff("c1", "community_admin",
                                                                 [COMMUNITY_1]),
                staff("adm", "admin")):
        seen = client.get(f"/api/v1/patrols/{patrol}", headers=who)
        assert seen.status_code == 200 and seen.get_json()["track"]["type"] == "LineString"
    # a supervisor of community 2, or a staff role that supervises nobody, does not see it
    for who in (staff("d2", "dispatcher", [COMMUNITY_2]), staff("v1", "viewer"),
                staff("p1", "planner")):
        assert client.get(f"/api/v1/patrols/{patrol}", headers=who).status_code == 404
