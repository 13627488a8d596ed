"""Impact and publishing of a redraw: buildings and open incidents move, nothing is lost or
counted twice, lookups on a date answer with the version then in force, a crash leaves the
previous version in force, and a rollback is a new publish of the old version."""

import csv
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import text

from tests.conftest import ROOT
from tests.support.auth import bearer
from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_B, GRID_C, xy
from tests.support.plans import box, collection, feature, new_plan, put_grids

pytestmark = pytest.mark.town("incidents")

# A shrinks to x 0..1; B and C widen to 1..4, so building bA2 (x 1.0..1.2, y 0.5..0.7)
# moves from A to B.
SHRUNK = collection(feature(GRID_A, "第一网格", box(0, 0, 1, 2)),
                    feature(GRID_B, "第二网格", box(1, 0, 4, 1)),
                    feature(GRID_C, "第三网格", box(1, 1, 4, 2)))


@pytest.fixture
def incidents(client, make_user, make_token, town, conn):
    """Open incidents at (1.5, 0.5) in A (moves to B) and (0.5, 1.5) in A (stays), one in C,
    and a closed one at (1.5, 0.4) in A (history: stays in the old A)."""
    make_user("disp", "dispatcher")
    headers = bearer(make_token("disp"))
    ids = {}
    for name, (x, y) in {"moves": (1.5, 0.5), "stays": (0.5, 1.5), "in_c": (3, 1.5),
                         "closed": (1.5, 0.4)}.items():
        lon, lat = xy(x, y)
        response = client.post("/api/v1/incidents", headers=headers, json={
            "category": "环境卫生", "lon": lon, "lat": lat})
        assert response.status_code == 201
        ids[name] = response.get_json()["id"]
    conn.execute(text("UPDATE incidents SET status = 'closed', closed_at = now() WHERE id = :i"),
                 {"i": ids["closed"]})
    return ids


def shrunk_plan(client, planner):
    body, etag = new_plan(client, planner)
    response = put_grids(client, planner, body["id"], etag, SHRUNK)
    assert response.status_code == 200
    return body["id"], response.headers["ETag"]


def publish(client, planner, plan_id, etag):
    return client.post(f"/api/v1/plans/{plan_id}/publish", headers={**planner, "If-Match": etag})


def located(conn, incident_id):
    return conn.execute(text(
        "SELECT g.code, g.valid_to IS NULL AS current, i.assignee_id FROM incidents i"
        " JOIN incident_locations l ON l.incident_id = i.id JOIN grids g ON g.id = l.grid_id"
        " WHERE i.id = :i"), {"i": incident_id}).one()


def test_impact_before_and_after(client, planner, town, incidents):
    plan_id, _ = shrunk_plan(client, planner)
    report = client.get(f"/api/v1/plans/{plan_id}/impact", headers=planner).get_json()
    grids = {g["code"]: g for g in report["grids"]}
    assert {c: g["status"] for c, g in grids.items()} == {
        GRID_A: "redrawn", GRID_B: "redrawn", GRID_C: "redrawn"}
    assert (grids[GRID_A]["before"]["buildings"], grids[GRID_A]["after"]["buildings"]) == (2, 1)
    assert (grids[GRID_B]["before"]["households"], grids[GRID_B]["after"]["households"]) == (0, 40)
    assert grids[GRID_A]["before"]["open_incidents"] == 2
    assert grids[GRID_A]["after"]["open_incidents"] == 1
    assert grids[GRID_A]["before"]["incidents_90d"] == 3  # the closed one too
    assert grids[GRID_A]["after"]["workers"] == 2 and grids[GRID_B]["after"]["workers"] == 1
    totals = report["totals"]
    for key in ("households", "buildings", "open_incidents"):
        assert totals["before"][key] == totals["after"][key]
    assert [(m["code"], m["from_grid"], m["to_grid"]) for m in report["buildings_moved"]] == [
        ("1101010010010010002", GRID_A, GRID_B)]
    moved = report["incidents_moved"]
    assert [(m["id"], m["from_grid"], m["to_grid"]) for m in moved] == [
        (incidents["moves"], GRID_A, GRID_B)]
    assert moved[0]["from_worker"]["id"] == town["A_full"]
    assert moved[0]["to_worker"]["id"] == town["B_chief"]


def test_changeset_as_csv_and_geojson(client, planner, town):
    plan_id, _ = shrunk_plan(client, planner)
    response = client.get(f"/api/v1/plans/{plan_id}/changeset?format=csv", headers=planner)
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["building_code"], r["from_grid"], r["to_grid"], r["households"]) for r in rows] == [
        ("1101010010010010002", GRID_A, GRID_B, "40")]
    geo = client.get(f"/api/v1/plans/{plan_id}/changeset", headers=planner).get_json()
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 1
    assert geo["features"][0]["properties"]["to_grid"] == GRID_B
    assert geo["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_compare_two_plans_and_a_date(client, planner, town):
    first, _ = shrunk_plan(client, planner)
    second, _ = new_plan(client, planner)
    report = client.get(f"/api/v1/plans/{second['id']}/impact?against={first}",
                        headers=planner).get_json()
    assert report["before"] == {"plan": first}
    assert [(m["from_grid"], m["to_grid"]) for m in report["buildings_moved"]] == [
        (GRID_B, GRID_A)]
    dated = client.get(f"/api/v1/plans/{first}/impact?at=2021-06-01", headers=planner)
    assert dated.get_json()["before"] == {"at": "2021-06-01"}
    both = client.get(f"/api/v1/plans/{first}/impact?at=2021-06-01&against={first}",
                      headers=planner)
    assert both.status_code == 400


def test_publish_moves_buildings_and_open_incidents(client, planner, town, incidents, conn):
    plan_id, etag = shrunk_plan(client, planner)
    open_before = conn.execute(text(
        "SELECT count(*) FROM incidents i JOIN incident_locations l ON l.incident_id = i.id"
        " WHERE l.community_id = :c AND i.status <> 'closed'"), {"c": town["C1"]}).scalar()
    response = publish(client, planner, plan_id, etag)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["grids"]["redrawn"] == [GRID_A, GRID_B, GRID_C]
    today = conn.execute(text("SELECT CURRENT_DATE")).scalar()
    assert body["valid_from"] == today.isoformat()
    assert body["workers_to_repost"] == [] and body["open_incidents"] == 3
    # grids: three closed versions, three current ones from this plan
    rows = conn.execute(text("SELECT code, valid_to IS NULL AS cur, plan_id FROM grids"
                             " WHERE community_id = :c ORDER BY code, cur"),
                        {"c": town["C1"]}).all()
    assert [(r.code, r.cur, r.plan_id) for r in rows] == [
        (GRID_A, False, None), (GRID_A, True, plan_id), (GRID_B, False, None),
        (GRID_B, True, plan_id), (GRID_C, False, None), (GRID_C, True, plan_id)]
    # buildings follow the new grids
    grid_of = dict(conn.execute(text(
        "SELECT b.code, g.code FROM buildings b JOIN grids g ON g.id = b.grid_id"
        " WHERE g.valid_to IS NULL")).all())
    assert grid_of["1101010010010010001"] == GRID_A and grid_of["1101010010010010002"] == GRID_B
    # open incidents: the moved one is in B with B's chief and an event; the others stay
    assert tuple(located(conn, incidents["moves"])) == (GRID_B, True, town["B_chief"])
    assert tuple(located(conn, incidents["stays"])) == (GRID_A, True, town["A_full"])
    assert tuple(located(conn, incidents["closed"]))[:2] == (GRID_A, False)  # history
    events = conn.execute(text("SELECT incident_id, action, details FROM incident_events"
                               " WHERE action = 'regrid'")).all()
    assert [(e.incident_id, e.action) for e in events] == [(incidents["moves"], "regrid")]
    assert events[0].details["assignee_to"] == town["B_chief"]
    # nothing lost or counted twice
    open_after = conn.execute(text(
        "SELECT count(*), count(DISTINCT i.id) FROM incidents i"
        " JOIN incident_locations l ON l.incident_id = i.id JOIN grids g ON g.id = l.grid_id"
        " WHERE g.community_id = :c AND g.valid_to IS NULL AND i.status <> 'closed'"),
        {"c": town["C1"]}).one()
    assert tuple(open_after) == (open_before, open_before)
    # workers followed their grid codes
    assert conn.execute(text("SELECT count(*) FROM worker_grids m JOIN grids g"
                             " ON g.id = m.grid_id WHERE g.valid_to IS NOT NULL")).scalar() == 0
    # published plans are history
    again = publish(client, planner, plan_id, response.headers["ETag"])
    assert again.status_code == 409


def test_lookups_on_a_date_before_and_after(client, planner, town):
    lon, lat = xy(1.5, 0.5)
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    plan_id, etag = shrunk_plan(client, planner)
    assert publish(client, planner, plan_id, etag).status_code == 200
    now = client.get(f"/api/v1/lookup?lon={lon}&lat={lat}").get_json()
    then = client.get(f"/api/v1/lookup?lon={lon}&lat={lat}&at={yesterday}").get_json()
    assert now["grid"]["code"] == GRID_B and then["grid"]["code"] == GRID_A
    assert then["grid"]["valid_to"] is not None and then["workers"] == []
    old = client.get(f"/api/v1/grids?community={COMMUNITY_1}&at={yesterday}").get_json()
    new = client.get(f"/api/v1/grids?community={COMMUNITY_1}").get_json()
    assert old["numberMatched"] == new["numberMatched"] == 3
    assert {f["id"] for f in old["features"]}.isdisjoint({f["id"] for f in new["features"]})


@pytest.mark.commits
def test_rollback_is_publishing_the_previous_version_again(client, planner, town, incidents,
                                                           conn):
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    plan_id, etag = shrunk_plan(client, planner)
    assert publish(client, planner, plan_id, etag).status_code == 200
    back, back_etag = new_plan(client, planner, source="version", at=yesterday)
    assert back["source"] == "version"
    response = publish(client, planner, back["id"], back_etag)
    assert response.status_code == 200, response.get_json()
    assert tuple(located(conn, incidents["moves"]))[:2] == (GRID_A, True)
    grid_of = dict(conn.execute(text(
        "SELECT b.code, g.code FROM buildings b JOIN grids g ON g.id = b.grid_id")).all())
    assert grid_of["1101010010010010002"] == GRID_A
    versions = conn.execute(text("SELECT count(*) FROM grids WHERE code = :c"),
                            {"c": GRID_A}).scalar()
    assert versions == 3  # history kept: original, redrawn, restored


def test_publish_refused_with_the_errors(client, planner, town, conn):
    body, etag = new_plan(client, planner)
    response = put_grids(client, planner, body["id"], etag, collection(
        feature(GRID_A, "a", box(0, 0, 1, 2))))  # leaves a gap
    response = publish(client, planner, body["id"], response.headers["ETag"])
    assert response.status_code == 409
    err = response.get_json()["error"]
    assert err["details"]["errors"] >= 1
    assert {f["kind"] for f in err["details"]["findings"]} == {"gap", "building_unassigned"}
    assert conn.execute(text("SELECT count(*) FROM grids WHERE valid_to IS NOT NULL")).scalar() == 0
    plan = client.get(f"/api/v1/plans/{body['id']}", headers=planner).get_json()
    assert plan["status"] == "draft" and plan["version"] == 2  # the refused claim rolled back


def test_publish_needs_the_planner_role_and_if_match(client, make_user, make_token, planner):
    plan_id, etag = shrunk_plan(client, planner)
    make_user("viewer1", "viewer")
    viewer = bearer(make_token("viewer1"))
    assert client.post(f"/api/v1/plans/{plan_id}/publish",
                       headers={**viewer, "If-Match": etag}).status_code == 403
    assert client.post(f"/api/v1/plans/{plan_id}/publish", headers=planner).status_code == 428


CRASH = textwrap.dedent("""
    import sys, time
    from sqlalchemy import create_engine
    from geo.plans import drafts
    from geo.plans import publish as planpublish
    from geo.plans.check import Rules
    engine = create_engine(sys.argv[1])
    with engine.connect() as conn:
        tx = conn.begin()
        plan = drafts.claim(conn, int(sys.argv[2]), int(sys.argv[3]), None)
        planpublish.publish(conn, plan, Rules(), actor="crash-test",
                            user_id=None, snap_meters=50)
        print("published, not committed", flush=True)
        time.sleep(120)
        tx.commit()
""")


def snapshot(conn):
    return [conn.execute(text(sql)).all() for sql in (
        "SELECT id, code, valid_from, valid_to FROM grids ORDER BY id",
        "SELECT id, grid_id FROM buildings ORDER BY id",
        "SELECT incident_id, grid_id, state FROM incident_locations ORDER BY incident_id",
        "SELECT id, assignee_id FROM incidents ORDER BY id",
        "SELECT count(*) FROM incident_events",
        "SELECT id, status, version FROM plans ORDER BY id")]


@pytest.mark.commits
def test_kill_9_during_publish_leaves_the_previous_version_in_force(
        client, planner, town, incidents, conn, database_url):
    plan_id, etag = shrunk_plan(client, planner)
    before = snapshot(conn)
    version = int(etag.strip('"').rsplit("-v", 1)[1])
    root = str(ROOT)
    with subprocess.Popen([sys.executable, "-c", CRASH, database_url, str(plan_id),
                           str(version)], cwd=root, stdout=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": root}) as child:
        try:
            line = child.stdout.readline()
            assert line.strip() == "published, not committed"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(30)
    assert child.returncode == -signal.SIGKILL
    # the server rolls the dead session back; its locks go with it
    conn.execute(text("SET lock_timeout = '20s'"))
    assert snapshot(conn) == before
    lon, lat = xy(1.5, 0.5)
    assert client.get(f"/api/v1/lookup?lon={lon}&lat={lat}").get_json()["grid"]["code"] == GRID_A
    # and the plan can still be published normally
    assert publish(client, planner, plan_id, etag).status_code == 200
