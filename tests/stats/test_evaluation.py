"""Evaluation (issue 22) on a hand-built history: the statistics town of
tests/support/towns.py (May 2025, Asia/Shanghai) grown with ratings, an extension, 督办, a
rejected report, a failed verification (rework) and two departments. Every indicator is
worked out by hand at every level, formula by formula (docs/evaluation.md).

The history added to the town (grid: incident):

- A: i1 (assigned to A_full, resolved by someone else, rated 满意), i2 (A_full; reopened,
  closed late; an approved extension; rated 不满意), i3 (unassigned, open, response due,
  two 督办 marks), April's incident closed late in May (A_chief; not rated);
- B: i4 (escalated to department X; responded in 2 h), a report rejected (not due);
- C: i5 (department X; responded 10 h after, 2 h past its response limit; resolved,
  failed verification (rework), resolved again, closed 60 h after the report, late;
  rated 基本满意 by phone);
- D: D1 (D_full; 01:00 local on 1 May, no deadline; not rated);
- the gap between grids (community 2): an open report not yet due to respond.
"""

import datetime as dt

import pytest
from sqlalchemy import text

from geo.stats import caseload, evaluation
from tests.support.auth import bearer
from tests.support.geometries import COMMUNITY_1, COMMUNITY_2, GRID_A, GRID_B, GRID_C, GRID_D
from tests.support.towns import PERIOD, add_incident, t

pytestmark = pytest.mark.town("stats")
STREET = COMMUNITY_1[:9]
T0, T1 = t("2025-04-30T16:00Z"), t("2025-05-31T16:00Z")
NOW = t("2026-01-01T00:00Z")


def _event_id(conn, incident, action):
    return conn.execute(text("SELECT max(id) FROM incident_events WHERE incident_id = :i"
                             " AND action = :a"), {"i": incident, "a": action}).scalar_one()


@pytest.fixture
def history(town, conn):
    ids = dict(town)
    for name in ("X", "Y"):
        ids[f"dept_{name}"] = conn.execute(text(
            "INSERT INTO departments (name, kind) VALUES (:n, 'department') RETURNING id"),
            {"n": f"部门{name}"}).scalar_one()
    ids["april"] = conn.execute(text(
        "SELECT id FROM incidents WHERE reported_at = '2025-04-20T00:00Z'")).scalar_one()
    ids["d1"] = conn.execute(text(
        "SELECT id FROM incidents WHERE reported_at = '2025-04-30T17:00Z'")).scalar_one()
    ids["rejected"] = add_incident(
        conn, (3.2, 0.5), ids["B"], ids["C1"], reported="2025-05-06T00:00Z",
        status="rejected", due="2025-05-07T00:00Z", closed="2025-05-06T01:00Z",
        events=[("reject", "2025-05-06T01:00Z")])
    ids["i5"] = add_incident(
        conn, (2.5, 1.5), ids["C"], ids["C1"], reported="2025-05-08T00:00Z",
        status="closed", due="2025-05-09T00:00Z", closed="2025-05-10T12:00Z",
        events=[("accept", "2025-05-08T10:00Z"), ("escalate", "2025-05-08T11:00Z"),
                ("resolve", "2025-05-09T00:00Z"), ("rework", "2025-05-09T06:00Z"),
                ("dispatch", "2025-05-09T07:00Z"), ("resolve", "2025-05-10T00:00Z"),
                ("verify", "2025-05-10T12:00Z")])
    conn.execute(text("UPDATE incidents SET response_due_at = '2025-05-08T08:00Z',"
                      " department_id = :x, rework_count = 1 WHERE id = :i"),
                 {"x": ids["dept_X"], "i": ids["i5"]})
    conn.execute(text("UPDATE incidents SET department_id = :x WHERE id = :i"),
                 {"x": ids["dept_X"], "i": ids["i4"]})
    for key, worker in (("i1", "A_full"), ("i2", "A_full"), ("april", "A_chief"),
                        ("d1", "D_full")):
        conn.execute(text("UPDATE incidents SET assignee_id = :w WHERE id = :i"),
                     {"w": ids[worker], "i": ids[key]})
    # i1 resolved by the grid chief for the full-time worker: counted under the assignee
    conn.execute(text("UPDATE incident_events SET actor = '李娜' WHERE incident_id = :i"
                      " AND action = 'resolve'"), {"i": ids["i1"]})
    for key, action, at in (("i2", "extend_approve", "2025-05-14T00:00Z"),
                            ("i3", "supervise", "2025-05-22T00:00Z"),
                            ("i3", "supervise", "2025-05-23T00:00Z")):
        conn.execute(text("INSERT INTO incident_events (incident_id, at, actor, action)"
                          " VALUES (:i, :at, 'test', :a)"), {"i": ids[key], "at": t(at),
                                                            "a": action})
    for key, rating, channel, closure in (("i1", "satisfied", "resident", "close"),
                                          ("i2", "unsatisfied", "resident", "close"),
                                          ("i5", "fair", "phone", "verify")):
        conn.execute(text(
            "INSERT INTO incident_ratings (incident_id, closure_event_id, rating, channel)"
            " VALUES (:i, :e, :r, :c)"),
            {"i": ids[key], "e": _event_id(conn, ids[key], closure), "r": rating, "c": channel})
    caseload.refresh(conn, None)
    return ids


def rows_of(conn, level, **kw):
    body = evaluation.evaluate(conn, level=level, t0=T0, t1=T1, now=NOW, **kw)
    return {r["unit"]["code"]: r["indicators"] for r in body["rows"]}, body["totals"]


# (level, unit, indicator, value, numerator, denominator), each worked out by hand
R = 0.6667
EXPECTED = [
    # grid A: reported i1, i2, i3; closed i1 (26 h), i2 (240 h), April's (288 h)
    ("grid", GRID_A, "count", 3, 3, 3),
    ("grid", GRID_A, "response_rate", R, 2, 3),  # i3 due (limit passed), not responded
    ("grid", GRID_A, "resolution_rate", R, 2, 3),  # i2 rated 不满意; April's not rated
    ("grid", GRID_A, "satisfaction_rate", 0.5, 1, 2),
    ("grid", GRID_A, "on_time_rate", 0.3333, 1, 3),
    ("grid", GRID_A, "rework_rate", 0.5, 1, 2),  # first resolved in May: i1, i2
    ("grid", GRID_A, "extension_rate", 0.3333, 1, 3),
    ("grid", GRID_A, "supervised", 2, 1, 3),
    ("grid", GRID_A, "mean_response_h", 2.0, 4.0, 2),
    ("grid", GRID_A, "p90_response_h", 2.8, None, 2),
    ("grid", GRID_A, "mean_close_h", 184.67, 554.0, 3),
    ("grid", GRID_A, "p90_close_h", 278.4, None, 3),
    # grid B: i4 and the rejected report (not due to respond; no accept or dispatch)
    ("grid", GRID_B, "count", 2, 2, 2),
    ("grid", GRID_B, "response_rate", 1.0, 1, 1),
    ("grid", GRID_B, "on_time_rate", None, 0, 0),
    ("grid", GRID_B, "satisfaction_rate", None, 0, 0),
    ("grid", GRID_B, "mean_response_h", 2.0, 2.0, 1),
    # grid C: i5
    ("grid", GRID_C, "response_rate", 0.0, 0, 1),
    ("grid", GRID_C, "resolution_rate", 1.0, 1, 1),
    ("grid", GRID_C, "satisfaction_rate", 1.0, 1, 1),  # 基本满意 counts
    ("grid", GRID_C, "on_time_rate", 0.0, 0, 1),
    ("grid", GRID_C, "rework_rate", 1.0, 1, 1),  # a failed verification is 返工
    ("grid", GRID_C, "mean_close_h", 60.0, 60.0, 1),
    ("grid", GRID_C, "p90_response_h", 10.0, None, 1),
    # grid D: D1, no deadline, not rated: satisfaction null, not 0
    ("grid", GRID_D, "response_rate", 1.0, 1, 1),
    ("grid", GRID_D, "resolution_rate", 1.0, 1, 1),
    ("grid", GRID_D, "satisfaction_rate", None, 0, 0),
    ("grid", GRID_D, "on_time_rate", 1.0, 1, 1),
    ("grid", GRID_D, "rework_rate", 0.0, 0, 1),
    ("grid", GRID_D, "mean_response_h", 0.5, 0.5, 1),
    # community 1 = A + B + C
    ("community", COMMUNITY_1, "count", 6, 6, 6),
    ("community", COMMUNITY_1, "response_rate", 0.6, 3, 5),
    ("community", COMMUNITY_1, "resolution_rate", 0.75, 3, 4),
    ("community", COMMUNITY_1, "satisfaction_rate", R, 2, 3),
    ("community", COMMUNITY_1, "on_time_rate", 0.25, 1, 4),
    ("community", COMMUNITY_1, "rework_rate", R, 2, 3),
    ("community", COMMUNITY_1, "extension_rate", 0.25, 1, 4),
    ("community", COMMUNITY_1, "supervised", 2, 1, 6),
    ("community", COMMUNITY_1, "mean_response_h", 4.0, 16.0, 4),
    ("community", COMMUNITY_1, "mean_close_h", 153.5, 614.0, 4),
    # community 2 = D + the gap's report (not yet due to respond)
    ("community", COMMUNITY_2, "count", 2, 2, 2),
    ("community", COMMUNITY_2, "response_rate", 1.0, 1, 1),
    ("community", COMMUNITY_2, "satisfaction_rate", None, 0, 0),
    # the street = both communities
    ("street", STREET, "count", 8, 8, 8),
    ("street", STREET, "response_rate", R, 4, 6),
    ("street", STREET, "resolution_rate", 0.8, 4, 5),
    ("street", STREET, "satisfaction_rate", R, 2, 3),
    ("street", STREET, "on_time_rate", 0.4, 2, 5),
    ("street", STREET, "rework_rate", 0.5, 2, 4),
    ("street", STREET, "extension_rate", 0.2, 1, 5),
    ("street", STREET, "mean_response_h", 3.3, 16.5, 5),
    ("street", STREET, "mean_close_h", 123.2, 616.0, 5),
    # workers: the assignee, not who resolved it; i3 (unassigned) under nobody
    ("worker", "A_full", "count", 2, 2, 2),
    ("worker", "A_full", "response_rate", 1.0, 2, 2),
    ("worker", "A_full", "on_time_rate", 0.5, 1, 2),
    ("worker", "A_full", "satisfaction_rate", 0.5, 1, 2),
    ("worker", "A_full", "rework_rate", 0.5, 1, 2),
    ("worker", "A_full", "mean_close_h", 133.0, 266.0, 2),
    ("worker", "A_chief", "count", 0, 0, 0),
    ("worker", "A_chief", "on_time_rate", 0.0, 0, 1),
    ("worker", "A_chief", "resolution_rate", 1.0, 1, 1),
    ("worker", "A_chief", "satisfaction_rate", None, 0, 0),
    ("worker", "D_full", "mean_close_h", 2.0, 2.0, 1),
    ("worker", "C_full", "response_rate", None, 0, 0),
    # departments: escalated i4 and i5 to X; Y has nothing
    ("department", "dept_X", "count", 2, 2, 2),
    ("department", "dept_X", "response_rate", 0.5, 1, 2),
    ("department", "dept_X", "on_time_rate", 0.0, 0, 1),
    ("department", "dept_X", "satisfaction_rate", 1.0, 1, 1),
    ("department", "dept_X", "rework_rate", 1.0, 1, 1),
    ("department", "dept_X", "mean_response_h", 6.0, 12.0, 2),
    ("department", "dept_Y", "count", 0, 0, 0),
    ("department", "dept_Y", "on_time_rate", None, 0, 0),
]


def _code(history, level, unit):
    return str(history[unit]) if level in ("worker", "department") else unit


LEVELS = ("street", "community", "grid", "worker", "department")


@pytest.mark.parametrize("level", LEVELS)
def test_each_indicator_matches_the_hand_computed_value(conn, history, level):
    """One town per level (building it is the slow part); every row of the table checked,
    and for each rate and count the incidents behind its numerator and denominator are
    as many as the numbers say."""
    rows, _ = rows_of(conn, level)
    wrong = []
    for lvl, unit, key, value, numerator, denominator in EXPECTED:
        if lvl != level:
            continue
        code = _code(history, level, unit)
        want = {"value": value, "numerator": numerator, "denominator": denominator}
        if rows[code][key] != want:
            wrong.append((unit, key, rows[code][key], want))
        if key == "supervised" or key.startswith(("mean", "p90")):
            continue
        for part in evaluation.PARTS:
            drilled = evaluation.incidents(conn, level=level, unit=code, indicator=key,
                                           part=part, t0=T0, t1=T1, now=NOW)
            if not drilled["total"] == rows[code][key][part] == len(drilled["incidents"]):
                wrong.append((unit, key, part, drilled["total"], rows[code][key][part]))
    assert wrong == []


def test_drill_down_names_the_incidents(conn, history):
    def ids(key, part):
        return {i["id"] for i in evaluation.incidents(
            conn, level="grid", unit=GRID_A, indicator=key, part=part, t0=T0, t1=T1,
            now=NOW)["incidents"]}
    assert ids("on_time_rate", "denominator") == {history["i1"], history["i2"],
                                                  history["april"]}
    assert ids("on_time_rate", "numerator") == {history["i1"]}
    assert ids("rework_rate", "numerator") == {history["i2"]}
    assert ids("response_rate", "denominator") - ids("response_rate", "numerator") == {
        history["i3"]}


def test_units_totals_rule_and_category(conn, history):
    rows, totals = rows_of(conn, "grid")
    assert list(rows) == [GRID_A, GRID_B, GRID_C, GRID_D]
    # totals hold the gap's report too: 8 reported in May
    assert totals["indicators"]["count"]["value"] == 8
    first_time, _ = rows_of(conn, "grid", rule="first_time")  # reworked i5: not resolved
    assert first_time[GRID_C]["resolution_rate"] == {"value": 0.0, "numerator": 0,
                                                     "denominator": 1}
    noise, _ = rows_of(conn, "grid", category="噪音扰民")
    assert [r["count"]["value"] for r in noise.values()] == [0, 1, 0, 0]
    workers, _ = rows_of(conn, "worker")
    assert str(history["A_chief"]) in workers and str(history["B_chief"]) in workers
    limited, totals = rows_of(conn, "grid", scope=frozenset({history["C2"]}))
    assert list(limited) == [GRID_D] and totals["indicators"]["count"]["value"] == 2
    streets, _ = rows_of(conn, "street", scope=frozenset({history["C2"]}))
    assert streets == {}  # a street is shown only to whoever sees all of it


def test_the_caseload_and_the_evaluation_share_their_definitions(client, conn, history,
                                                                   viewer):
    case = {r["grid_code"]: r for r in client.get(
        "/api/v1/stats/caseload", query_string=PERIOD, headers=viewer).get_json()["rows"]}
    rows, _ = rows_of(conn, "grid")
    for code, ours in rows.items():
        assert case[code]["on_time_rate"] == ours["on_time_rate"]["value"]
        assert case[code]["rework_rate"] == ours["rework_rate"]["value"]
        assert case[code]["mean_close_h"] == ours["mean_close_h"]["value"]
        assert case[code]["mean_response_h"] == ours["mean_response_h"]["value"]


def test_ranking_with_the_change_since_the_previous_period(conn, history):
    ranked = evaluation.ranking(conn, level="grid", indicator="count",
                                start=dt.date(2025, 5, 1), end=dt.date(2025, 6, 1),
                                timezone="Asia/Shanghai", now=NOW)
    assert ranked["previous"] == {"from": "2025-04-01", "to": "2025-05-01"}
    table = [(r["unit"]["code"], r["rank"], r["value"], r["previous_rank"], r["rank_change"],
              r["value_change"]) for r in ranked["rows"]]
    assert table == [(GRID_A, 1, 3, 1, 0, 2), (GRID_B, 2, 2, 2, 0, 2),
                     (GRID_C, 3, 1, 2, -1, 1), (GRID_D, 3, 1, 2, -1, 1)]
    on_time = evaluation.ranking(conn, level="grid", indicator="on_time_rate",
                                 start=dt.date(2025, 5, 1), end=dt.date(2025, 6, 1),
                                 timezone="Asia/Shanghai", now=NOW)
    assert [(r["unit"]["code"], r["rank"]) for r in on_time["rows"]] == [
        (GRID_D, 1), (GRID_A, 2), (GRID_C, 3), (GRID_B, None)]
    rework = evaluation.ranking(conn, level="grid", indicator="rework_rate",  # lower: better
                                start=dt.date(2025, 5, 1), end=dt.date(2025, 6, 1),
                                timezone="Asia/Shanghai", now=NOW)
    assert [r["unit"]["code"] for r in rework["rows"]][:3] == [GRID_D, GRID_A, GRID_C]


def test_a_twelve_month_trend(conn, history):
    body = evaluation.trend(conn, level="grid", last_month="2025-05",
                            timezone="Asia/Shanghai", indicators=("count", "on_time_rate"),
                            now=NOW)
    assert body["months"][0] == "2024-06" and body["months"][-1] == "2025-05"
    a = next(r for r in body["rows"] if r["unit"]["code"] == GRID_A)["series"]
    assert [p["value"] for p in a["count"]] == [0] * 10 + [1, 3]
    assert a["on_time_rate"][-1]["value"] == 0.3333 and a["on_time_rate"][0]["value"] is None
    assert body["totals"]["series"]["count"][-1]["value"] == 8


def test_ratings_changes_reach_the_facts(conn, history):
    conn.execute(text("UPDATE incident_ratings SET rating = 'satisfied' WHERE incident_id = :i"),
                 {"i": history["i2"]})
    caseload.refresh(conn)
    rows, _ = rows_of(conn, "grid")
    assert rows[GRID_A]["satisfaction_rate"]["value"] == 1.0


# ---- the API --------------------------------------------------------------------------

def get(client, headers, path, status=200, **query):
    answer = client.get(path, query_string=query, headers=headers)
    assert answer.status_code == status, answer.get_json()
    return answer.get_json()


def test_api_evaluation_ranking_trend_and_incidents(client, history, viewer):
    body = get(client, viewer, "/api/v1/stats/evaluation", level="community", **PERIOD)
    assert (body["from"], body["to"], body["level"]) == ("2025-05-01", "2025-06-01",
                                                         "community")
    c1 = next(r for r in body["rows"] if r["unit"]["code"] == COMMUNITY_1)
    assert c1["unit"]["parent_code"] == STREET
    assert c1["indicators"]["on_time_rate"] == {"value": 0.25, "numerator": 1,
                                                "denominator": 4}
    assert {f["key"] for f in body["formulas"]} == set(evaluation.KEYS)
    assert "满意" in next(f for f in body["formulas"]
                        if f["key"] == "satisfaction_rate")["formula"]["zh"]
    drill = get(client, viewer, "/api/v1/stats/evaluation", level="grid",
                within=COMMUNITY_2, **PERIOD)
    assert [r["unit"]["code"] for r in drill["rows"]] == [GRID_D]
    ranked = get(client, viewer, "/api/v1/stats/evaluation/ranking", level="grid",
                 indicator="on_time_rate", **PERIOD)
    assert ranked["rows"][0]["unit"]["code"] == GRID_D and ranked["formula"]["key"] == \
        "on_time_rate"
    trend = get(client, viewer, "/api/v1/stats/evaluation/trend", level="grid",
                month="2025-05", indicator="count", unit=GRID_A)
    assert [r["unit"]["code"] for r in trend["rows"]] == [GRID_A]
    assert trend["rows"][0]["series"]["count"][-1]["value"] == 3
    listed = get(client, viewer, "/api/v1/stats/evaluation/incidents", level="grid",
                 unit=GRID_A, indicator="on_time_rate", part="numerator", **PERIOD)
    assert [i["id"] for i in listed["incidents"]] == [history["i1"]]
    assert listed["total"] == 1 and listed["incidents"][0]["grid_code"] == GRID_A


def test_api_default_period_is_last_month(client, history, viewer):
    body = get(client, viewer, "/api/v1/stats/evaluation")
    start = dt.date.fromisoformat(body["from"])
    assert start.day == 1 and dt.date.fromisoformat(body["to"]) > start
    assert body["level"] == "grid"


@pytest.mark.parametrize(("path", "query", "param"), [
    ("", {"level": "city"}, "level"),
    ("", {"from": "2025-06-01", "to": "2025-05-01"}, "from"),
    ("", {"from": "2025-13-01"}, "from"),
    ("", {"to": "0001-01-01"}, "to"),
    ("/ranking", {"from": "9999-12-30"}, "from"),
    ("", {"within": "1234"}, "within"),
    ("", {"level": "street", "within": COMMUNITY_1}, "within"),
    ("", {"category": "无此类别"}, "category"),
    ("", {"colour": "red"}, None),
    ("/ranking", {"indicator": "happiness"}, "indicator"),
    ("/trend", {"month": "2025-13"}, "month"),
    ("/trend", {"month": "May"}, "month"),
    ("/incidents", {"indicator": "count"}, "unit"),
    ("/incidents", {"unit": GRID_A, "indicator": "count", "part": "half"}, "part"),
    ("/incidents", {"unit": "x1", "indicator": "count"}, "unit"),
    ("/incidents", {"unit": GRID_A, "indicator": "count", "limit": "0"}, "limit"),
])
def test_api_bad_input_is_a_400(client, history, viewer, path, query, param):
    body = get(client, viewer, f"/api/v1/stats/evaluation{path}", 400, **query)
    if param is not None:
        assert body["error"]["details"]["param"] == param, body


def test_api_scope_community_limited_staff(client, history, make_user, make_token):
    make_user("v2", "viewer", communities=[COMMUNITY_2])
    v2 = bearer(make_token("v2"))
    grids = get(client, v2, "/api/v1/stats/evaluation", level="grid", **PERIOD)
    assert [r["unit"]["code"] for r in grids["rows"]] == [GRID_D]
    assert grids["totals"]["indicators"]["count"]["value"] == 2
    workers = get(client, v2, "/api/v1/stats/evaluation", level="worker", **PERIOD)
    assert [r["unit"]["code"] for r in workers["rows"]] == [str(history["D_full"])]
    streets = get(client, v2, "/api/v1/stats/evaluation", level="street", **PERIOD)
    assert streets["rows"] == []
    get(client, v2, "/api/v1/stats/evaluation", 404, level="grid", within=COMMUNITY_1,
        **PERIOD)
    get(client, v2, "/api/v1/stats/evaluation/incidents", 404, level="grid", unit=GRID_A,
        indicator="count", **PERIOD)
    get(client, v2, "/api/v1/stats/evaluation/trend", 404, level="grid", unit=GRID_A)
    ranked = get(client, v2, "/api/v1/stats/evaluation/ranking", level="community",
                 **PERIOD)
    assert [r["unit"]["code"] for r in ranked["rows"]] == [COMMUNITY_2]


def test_api_needs_statistics(client, history, make_user, make_token):
    assert client.get("/api/v1/stats/evaluation").status_code == 401
    make_user("worker", "member")
    member = bearer(make_token("worker"))
    for path in ("", "/ranking", "/trend", "/incidents?unit=1&indicator=count"):
        assert client.get(f"/api/v1/stats/evaluation{path}",
                          headers=member).status_code == 403
