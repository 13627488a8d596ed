"""Caseload and coverage statistics against numbers worked out by hand (tests/support/towns.py)."""

import csv
import io

import pytest

from tests.support.auth import bearer
from tests.support.geometries import COMMUNITY_1, COMMUNITY_2, GRID_A, GRID_B, GRID_C, GRID_D
from tests.support.towns import PERIOD, add_party

pytestmark = pytest.mark.town("stats")


def get(client, headers, path, **query):
    answer = client.get(path, query_string=query, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def by_code(body, level="grid"):
    return {row[f"{level}_code"]: row for row in body["rows"]}


def test_grid_caseload_and_indicators_match_the_hand_computed_values(client, viewer, town):
    body = get(client, viewer, "/api/v1/stats/caseload", **PERIOD)
    assert (body["from"], body["to"], body["level"]) == ("2025-05-01", "2025-06-01", "grid")
    rows = by_code(body)
    assert list(rows) == [GRID_A, GRID_B, GRID_C, GRID_D]
    a = rows[GRID_A]
    assert (a["grid_name"], a["community_name"], a["households"]) == ("第一网格", "景山社区", 80)
    # reported in May (merged duplicate and April's incident left out); #3 open and overdue
    assert (a["count"], a["per_1000"], a["open"], a["overdue"]) == (3, 37.5, 1, 1)
    # closed in May: i1 on time, i2 and April's late → 1/3; mean (26 + 240 + 288) / 3 h
    assert (a["closed"], a["closed_on_time"], a["on_time_rate"]) == (3, 1, 0.3333)
    assert a["mean_close_h"] == 184.67
    # first resolved in May: i1, i2; i2 reopened → 1/2
    assert (a["resolved"], a["reworked"], a["rework_rate"]) == (2, 1, 0.5)
    # first accept/dispatch: 1 h and 3 h; i3 not yet
    assert (a["responded"], a["mean_response_h"]) == (2, 2.0)
    b = rows[GRID_B]  # no households: no rate per 1,000
    assert (b["count"], b["per_1000"], b["open"], b["overdue"]) == (1, None, 1, 0)
    assert (b["on_time_rate"], b["rework_rate"], b["mean_response_h"]) == (None, None, 2.0)
    c = rows[GRID_C]
    assert (c["count"], c["closed"], c["per_1000"], c["mean_close_h"]) == (0, 0, None, None)
    d = rows[GRID_D]  # 01:00 local on 1 May counts; 04:00 local on 1 June does not
    assert (d["count"], d["per_1000"], d["open"]) == (1, 25.0, 0)
    assert (d["on_time_rate"], d["rework_rate"], d["mean_response_h"], d["mean_close_h"]) \
        == (1.0, 0.0, 0.5, 2.0)
    # the incident in the gap between grids
    assert (body["outside"]["count"], body["outside"]["open"]) == (1, 1)
    assert body["totals"]["count"] == 6 and body["totals"]["households"] == 120
    assert body["totals"]["closed"] == 4 and body["totals"]["on_time_rate"] == 0.5
    assert "按期结案率" in body["definitions"]["on_time_rate"]


def test_community_level_counts_out_of_grid_incidents_in_their_community(client, viewer,
                                                                         town):
    rows = by_code(get(client, viewer, "/api/v1/stats/caseload", level="community",
                       **PERIOD), "community")
    c1, c2 = rows[COMMUNITY_1], rows[COMMUNITY_2]
    assert (c1["households"], c1["count"], c1["per_1000"], c1["open"], c1["overdue"]) == \
        (80, 4, 50.0, 2, 1)
    assert (c1["responded"], c1["mean_response_h"]) == (3, 2.0)
    assert (c2["households"], c2["count"], c2["per_1000"], c2["open"]) == (40, 2, 50.0, 1)


def test_category_and_empty_period(client, viewer, town):
    noise = by_code(get(client, viewer, "/api/v1/stats/caseload", category="噪音扰民",
                        **PERIOD))
    assert [r["count"] for r in noise.values()] == [0, 1, 0, 0]
    empty = get(client, viewer, "/api/v1/stats/caseload", **{"from": "2024-01-01",
                                                              "to": "2024-02-01"})
    assert all(r["count"] == r["open"] == r["closed"] == 0 for r in empty["rows"])
    assert empty["totals"]["on_time_rate"] is None and empty["outside"]["count"] == 0


def test_a_workflow_action_shows_in_the_next_answer(client, town, make_user, make_token):
    make_user("disp", "dispatcher")
    headers = bearer(make_token("disp"))
    before = by_code(get(client, headers, "/api/v1/stats/caseload", **PERIOD))[GRID_A]
    answer = client.post(f"/api/v1/incidents/{town['i3']}/actions", json={"action": "accept"},
                         headers=headers)
    assert answer.status_code == 200, answer.get_json()
    after = by_code(get(client, headers, "/api/v1/stats/caseload", **PERIOD))[GRID_A]
    assert (before["responded"], after["responded"]) == (2, 3)
    assert after["mean_response_h"] > 1000  # accepted now, reported in 2025


def test_limited_staff_see_only_their_communities(client, town, make_user, make_token):
    make_user("v2", "viewer", communities=[COMMUNITY_2])
    body = get(client, bearer(make_token("v2")), "/api/v1/stats/caseload", **PERIOD)
    assert list(by_code(body)) == [GRID_D]
    assert body["outside"]["count"] == 1 and body["totals"]["count"] == 2


def test_caseload_csv(client, viewer, town):
    answer = client.get("/api/v1/stats/caseload.csv", query_string=PERIOD, headers=viewer)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["grid_code"] for r in rows] == [GRID_A, GRID_B, GRID_C, GRID_D, "outside",
                                              "total"]
    assert rows[0]["per_1000"] == "37.5" and rows[1]["per_1000"] == ""
    assert rows[-1]["count"] == "6"


def test_statistics_need_a_staff_role_with_statistics(client, town, make_user, make_token):
    assert client.get("/api/v1/stats/caseload").status_code == 401
    make_user("worker", "member")
    member = bearer(make_token("worker"))
    for path in ("/api/v1/stats/caseload", "/api/v1/stats/coverage"):
        assert client.get(path, headers=member).status_code == 403


@pytest.mark.parametrize(("path", "query", "param"), [
    ("caseload", {"from": "2025-13-01"}, "from"),
    ("caseload", {"from": "2025-06-01", "to": "2025-05-01"}, "from"),
    ("caseload", {"from": "1900-01-01", "to": "2025-01-01"}, "to"),
    ("caseload", {"level": "street"}, "level"),
    ("caseload", {"category": "不存在"}, "category"),
    ("caseload", {"category": "x" * 51}, "category"),
    ("caseload", {"form": "2025-05-01"}, "form"),
    ("caseload.csv", {"level": "building"}, "level"),
    ("coverage", {"level": "building"}, "bbox"),
    ("coverage", {"distance": "10"}, "distance"),
    ("coverage", {"target": "abc"}, "target"),
    ("coverage", {"target": "nan"}, "target"),
    ("coverage", {"level": "grid", "bbox": "1,2,3"}, "bbox"),
    ("coverage", {"level": "building", "bbox": "116.39,39.9,116.38,39.91"}, "bbox"),
    ("coverage", {"level": "building", "community": "12"}, "community"),
    ("coverage.csv", {"level": "building", "bbox": "0,0,1,1", "limit": "0"}, "limit"),
])
def test_bad_parameters_are_400_naming_them(client, viewer, town, path, query, param):
    answer = client.get(f"/api/v1/stats/{path}", query_string=query, headers=viewer)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["error"]["details"]["param"] == param


def test_grid_coverage_counts_members_branches_groups_and_far_buildings(client, viewer, town,
                                                                       conn):
    add_party(conn, town)
    rows = by_code(get(client, viewer, "/api/v1/stats/coverage", distance="150"))
    a, b, c, d = (rows[g] for g in (GRID_A, GRID_B, GRID_C, GRID_D))
    assert (a["serving"], a["serving_resident"], a["serving_in_service"]) == (3, 2, 1)
    assert (a["households"], a["households_per_member"], a["target"]) == (80, 26.7, 30.0)
    assert (a["has_branch"], a["buildings"], a["buildings_with_group"]) == (True, 2, 1)
    assert (a["no_member"], a["over_target"], a["buildings_far"]) == (False, False, 0)
    assert (b["serving"], b["households"], b["no_member"], b["has_branch"]) == (0, 0, False,
                                                                               False)
    # the building in C is 187 m from the nearest serving member's home
    assert (c["households"], c["no_member"], c["buildings_far"]) == (40, True, 1)
    assert (d["households_per_member"], d["over_target"]) == (40.0, True)
    near = by_code(get(client, viewer, "/api/v1/stats/coverage", target="50"))
    assert near[GRID_C]["buildings_far"] == 0 and not near[GRID_D]["over_target"]


def test_community_and_building_coverage(client, viewer, town, conn):
    add_party(conn, town)
    c1 = by_code(get(client, viewer, "/api/v1/stats/coverage", level="community"),
                 "community")[COMMUNITY_1]
    assert (c1["grids"], c1["grids_with_branch"], c1["grids_without_member"]) == (3, 1, 2)
    assert (c1["households"], c1["serving"], c1["households_per_member"]) == (120, 3, 40.0)
    body = get(client, viewer, "/api/v1/stats/coverage", level="building",
               community=COMMUNITY_1, distance="150")
    shown = {r["building_code"]: (r["has_group"], r["far"]) for r in body["rows"]}
    assert shown == {"1101010010010010001": (True, False),
                     "1101010010010010002": (False, False),
                     "1101010010010030001": (False, True)}
    assert body["truncated"] is False


def test_coverage_follows_changes_to_party_members(client, viewer, town, conn):
    from sqlalchemy import text

    add_party(conn, town)
    assert by_code(get(client, viewer, "/api/v1/stats/coverage",
                       distance="150"))[GRID_C]["buildings_far"] == 1
    conn.execute(text("INSERT INTO party_members (name, kind, home_building_id,"
                      " serving_grid_id, households_linked)"
                      " VALUES ('党员戊', 'resident', :b, :g, 5)"),
                 {"b": town["bC"], "g": town["C"]})
    c = by_code(get(client, viewer, "/api/v1/stats/coverage", distance="150"))[GRID_C]
    assert (c["serving"], c["buildings_far"], c["no_member"]) == (1, 0, False)


def test_coverage_never_shows_a_party_member(client, viewer, town, conn):
    add_party(conn, town)
    for path, query in (("coverage", {}), ("coverage.csv", {"level": "community"}),
                        ("coverage", {"level": "building", "community": COMMUNITY_1})):
        body = client.get(f"/api/v1/stats/{path}", query_string=query,
                          headers=viewer).get_data(as_text=True)
        assert "党员" not in body and "nearest" not in body and "home" not in body


def test_refresh_command_brings_the_facts_up_to_date(runner, town, conn):
    from sqlalchemy import text

    assert conn.execute(text("SELECT count(*) FROM stats_dirty")).scalar() == 9
    result = runner.invoke(args=["stats", "refresh", "--batch", "4"])
    assert result.exit_code == 0, result.output
    assert "9 recomputed" in result.output and "building coverage recomputed" in result.output
    assert conn.execute(text("SELECT count(*) FROM stats_dirty")).scalar() == 0
    assert conn.execute(text("SELECT count(*) FROM incident_facts")).scalar() == 9
    assert conn.execute(text("SELECT count(*) FROM building_coverage")).scalar() == 3


def test_the_demo_city_arrives_with_its_facts(runner, conn):
    from sqlalchemy import text

    assert runner.invoke(args=["demo", "--size", "small"]).exit_code == 0
    facts, incidents, dirty = conn.execute(text(
        "SELECT (SELECT count(*) FROM incident_facts), (SELECT count(*) FROM incidents),"
        " (SELECT count(*) FROM stats_dirty)")).one()
    assert facts == incidents > 0 and dirty == 0


def test_deleted_or_truncated_incidents_leave_no_facts(runner, town, conn):
    from sqlalchemy import text

    assert runner.invoke(args=["stats", "refresh"]).exit_code == 0
    conn.execute(text("DELETE FROM incident_events WHERE incident_id = :i"), {"i": town["i3"]})
    conn.execute(text("DELETE FROM incident_locations WHERE incident_id = :i"),
                 {"i": town["i3"]})
    conn.execute(text("DELETE FROM incidents WHERE id = :i"), {"i": town["i3"]})
    assert runner.invoke(args=["stats", "refresh"]).exit_code == 0
    assert conn.execute(text("SELECT count(*) FROM incident_facts")).scalar() == 8
    conn.execute(text("TRUNCATE incidents, incident_locations, incident_events, resident_reports,"
                      " incident_photos, notifications, incident_extensions, incident_ratings"))
    assert conn.execute(text("SELECT count(*) FROM incident_facts")).scalar() == 0
