"""Patrol coverage for supervisors: grids walked in a period, days since each was last
walked (bands), per-worker patrols, distance and time, idle grids; within their communities."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.field import coverage
from tests.field.patrol_support import T0, finish, points, started, walk, worker_headers
from tests.support.geometries import COMMUNITY_1, COMMUNITY_2

pytestmark = pytest.mark.town("incidents")
WEEK = "from=2026-11-30&to=2026-12-07"


@pytest.fixture
def walked(client, make_user, make_token, conn, town):
    """张伟 walked A then B on Monday (20 min) and A again on Friday (10 min, still walking
    at the end: no track yet); 李娜 (A's chief) has an account and did not patrol."""
    zhang = worker_headers(make_user, make_token, conn, "zhangwei", town["A_full"])
    worker_headers(make_user, make_token, conn, "lina", town["A_chief"])
    monday = started(client, zhang)
    points(client, zhang, monday, walk([(0.5, 0.5), (1.5, 0.5), (2.5, 0.5), (3.5, 0.5)]))
    finish(client, zhang, monday, T0 + dt.timedelta(minutes=20))
    friday = started(client, zhang, T0 + dt.timedelta(days=4))
    points(client, zhang, friday, walk([(0.5, 1.5), (1.5, 1.5)], T0 + dt.timedelta(days=4)))
    return zhang


def test_coverage_of_a_week(client, staff, walked, town):
    supervisor = staff("disp", "dispatcher")
    response = client.get(f"/api/v1/patrols/coverage?{WEEK}", headers=supervisor)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    grids = {g["id"]: g for g in body["grids"]}
    assert set(grids) == {town["A"], town["B"], town["C"], town["D"]}
    assert grids[town["A"]]["patrols"] == 2 and grids[town["B"]]["patrols"] == 1
    assert grids[town["C"]]["band"] == "never" and grids[town["C"]]["patrols"] == 0
    # B: last walked Monday 09:01, the week ends Monday next (7 days less a minute): ≤ 7
    assert grids[town["B"]]["band"] == "7" and grids[town["A"]]["band"] == "7"
    # the distance of the Monday patrol inside A (1.5 units) and B (1.5 units)
    assert grids[town["A"]]["distance_m"] == pytest.approx(1.5 * 85.4, rel=0.02)
    assert grids[town["B"]]["distance_m"] == pytest.approx(1.5 * 85.4, rel=0.02)
    workers = {w["name"]: w for w in body["workers"]}
    assert set(workers) == {"张伟", "李娜"}  # workers with accounts; others did not patrol
    assert workers["张伟"]["patrols"] == 2 and workers["张伟"]["finished"] == 1
    assert workers["张伟"]["duration_s"] == 1200
    assert workers["张伟"]["distance_m"] == pytest.approx(3 * 85.4, rel=0.02)
    assert workers["李娜"]["patrols"] == 0
    assert {g["id"] for g in body["idle_grids"]} == {town["C"], town["D"]}
    assert body["totals"] == {"grids": 4, "walked": 2, "idle": 2, "patrols": 2,
                              "distance_m": workers["张伟"]["distance_m"],
                              "duration_s": 1200}
    assert body["bands"] == [1, 7] and body["idle_days"] == 7


def test_bands_follow_the_idle_days(client, staff, walked, town):
    supervisor = staff("disp", "dispatcher")
    body = client.get(f"/api/v1/patrols/coverage?{WEEK}&idle_days=3",
                      headers=supervisor).get_json()
    grids = {g["id"]: g for g in body["grids"]}
    assert grids[town["B"]]["band"] == "idle" and grids[town["A"]]["band"] == "3"
    assert {g["id"] for g in body["idle_grids"]} == {town["B"], town["C"], town["D"]}
    # a past week is seen as of its end: nothing walked before it
    before = client.get("/api/v1/patrols/coverage?from=2026-11-23&to=2026-11-30",
                        headers=supervisor).get_json()
    assert {g["band"] for g in before["grids"]} == {"never"}


def test_a_supervisor_sees_only_their_communities(client, staff, walked, town):
    for who, community in (("c2", COMMUNITY_2), ("c1", COMMUNITY_1)):
        body = client.get(f"/api/v1/patrols/coverage?{WEEK}",
                          headers=staff(who, "community_admin", [community])).get_json()
        codes = {g["community"]["code"] for g in body["grids"]}
        assert codes == {community}
        names = {w["name"] for w in body["workers"]}
        assert names == (set() if community == COMMUNITY_2 else {"张伟", "李娜"})
    one = client.get(f"/api/v1/patrols/coverage?{WEEK}&community={COMMUNITY_2}",
                     headers=staff("adm", "admin")).get_json()
    assert [g["id"] for g in one["grids"]] == [town["D"]]


def test_outlines_on_request(client, staff, walked):
    supervisor = staff("disp", "dispatcher")
    body = client.get(f"/api/v1/patrols/coverage?{WEEK}&geometry=true",
                      headers=supervisor).get_json()
    assert {g["geometry"]["type"] for g in body["grids"]} <= {"Polygon", "MultiPolygon"}
    assert len(body["grids"][0]["geometry"]["coordinates"][0]) >= 1
    plain = client.get(f"/api/v1/patrols/coverage?{WEEK}", headers=supervisor).get_json()
    assert "geometry" not in plain["grids"][0]


@pytest.mark.parametrize(("query", "param"), [
    ("from=2026-12-07&to=2026-11-30", "from"),
    ("from=2026-01-01&to=2026-12-01", "to"),
    ("idle_days=0", "idle_days"),
    ("community=12", "community"),
    ("from=monday", "from"),
    ("week=1", "week"),
])
def test_bad_parameters(client, staff, town, query, param):
    response = client.get(f"/api/v1/patrols/coverage?{query}",
                          headers=staff("disp", "dispatcher"))
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["details"]["param"] == param


def test_workers_and_staff_without_the_permission_are_refused(client, staff, walked):
    assert client.get("/api/v1/patrols/coverage", headers=walked).status_code == 403
    assert client.get("/api/v1/patrols/coverage",
                      headers=staff("v1", "viewer")).status_code == 403


def test_the_default_period_is_this_week():
    start, end, t0, _ = coverage.period(None, None, dt.date(2026, 12, 6), "Asia/Shanghai")
    assert (start, end) == (dt.date(2026, 11, 30), dt.date(2026, 12, 7))
    assert t0.isoformat() == "2026-11-30T00:00:00+08:00"
