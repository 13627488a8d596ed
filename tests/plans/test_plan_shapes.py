"""Drawing a plan's grids through the API: split with a line, merge neighbours, move a
shared vertex; bad input and stale versions refused whole."""

import pytest
import shapely
from sqlalchemy import text

from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_B, GRID_C, xy
from tests.support.plans import new_plan
from tests.support.towns import add_building

GRID_NEW = COMMUNITY_1 + "004"
A1, A3 = "1101010010010010001", "1101010010010010003"


@pytest.fixture
def town(town, conn):
    """The plain town with two buildings in grid A."""
    ids = town
    add_building(conn, A1, "景山东街1号", (0.5, 0.5, 0.7, 0.7), ids["A"], ids["C1"])
    add_building(conn, A3, "景山东街3号", (1.4, 1.4, 1.6, 1.6), ids["A"], ids["C1"])
    return ids


@pytest.fixture
def plan(client, planner):
    body, etag = new_plan(client, planner)
    return {"id": body["id"], "etag": etag}


def line(*points) -> dict:
    return {"type": "LineString", "coordinates": [list(xy(x, y)) for x, y in points]}


def post(client, planner, plan, what, body, etag=None, **query):
    headers = {**planner, "If-Match": etag or plan["etag"]}
    return client.post(f"/api/v1/plans/{plan['id']}/grids/{what}", json=body,
                       headers=headers, query_string=query)


def shapes(body) -> dict[str, shapely.Geometry]:
    return {f["properties"]["code"]: shapely.geometry.shape(f["geometry"])
            for f in body["grids"]["features"]}


def unit_box(x0, y0, x1, y1):
    (a, b), (c, d) = xy(x0, y0), xy(x1, y1)
    return shapely.box(a, b, c, d)


def same(g, h, tol=1e-9) -> bool:
    return g.symmetric_difference(h).area < tol * tol * 100


def split_a(client, planner, plan, at=1.2):
    return post(client, planner, plan, "split",
                {"grid": GRID_A, "line": line((-0.5, at), (2.5, at))})


def state(client, planner, plan, pairs):
    answer = client.patch(f"/api/v1/plans/{plan['id']}/assignments", json={
        "assignments": [{"building": b, "grid": g} for b, g in pairs]},
        headers={**planner, "If-Match": plan["etag"]})
    assert answer.status_code == 200, answer.get_json()
    plan["etag"] = answer.headers["ETag"]


def test_split_keeps_the_code_on_the_larger_piece_and_moves_stated_buildings(
        client, planner, plan, conn):
    state(client, planner, plan, [(A1, GRID_A), (A3, GRID_A)])
    answer = split_a(client, planner, plan)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["edit"] == {"kept": GRID_A, "added": GRID_NEW, "moved": [
        {"building": A3, "from": GRID_A, "to": GRID_NEW}]}
    grids = shapes(body)
    assert sorted(grids) == [GRID_A, GRID_B, GRID_C, GRID_NEW]
    assert same(grids[GRID_A], unit_box(0, 0, 2, 1.2))
    assert same(grids[GRID_NEW], unit_box(0, 1.2, 2, 2))
    new = next(f for f in body["grids"]["features"] if f["properties"]["code"] == GRID_NEW)
    assert new["properties"]["name"] == "网格004"
    stated = dict(conn.execute(text(
        "SELECT b.code, pb.grid_code FROM plan_buildings pb JOIN buildings b"
        " ON b.id = pb.building_id")).all())
    assert stated == {A1: GRID_A, A3: GRID_NEW}
    assert answer.headers["ETag"] == body["etag"] != plan["etag"]
    audit = conn.execute(text("SELECT action, after FROM audit_log WHERE entity = 'plan'"
                              " ORDER BY id DESC LIMIT 1")).one()
    assert audit.action == "plan.grids.split"
    assert audit.after["added"] == GRID_NEW and audit.after["buildings"] == 1
    report = client.get(f"/api/v1/plans/{plan['id']}/check", headers=planner).get_json()
    kinds = {f["kind"] for f in report["findings"]}
    assert not kinds & {"gap", "overlap", "sliver", "multipart", "building_split"}, kinds


def test_split_gives_the_new_grid_a_number_no_grid_version_used(client, planner, plan, conn,
                                                                town):
    conn.execute(text("INSERT INTO grids (code, name, community_id, geom, valid_from, valid_to)"
                      " SELECT :code, 'old', community_id, geom, '2019-01-01', '2020-01-01'"
                      " FROM grids WHERE id = :a"), {"code": GRID_NEW, "a": town["A"]})
    body = split_a(client, planner, plan).get_json()
    assert body["edit"]["added"] == COMMUNITY_1 + "005"


def test_the_split_piece_follows_the_lookup_after_publish(client, planner, plan):
    body = split_a(client, planner, plan).get_json()
    published = client.post(f"/api/v1/plans/{plan['id']}/publish",
                            headers={**planner, "If-Match": body["etag"]})
    assert published.status_code == 200, published.get_json()
    lon, lat = xy(1.0, 1.6)
    found = client.get("/api/v1/lookup", query_string={"lon": lon, "lat": lat}).get_json()
    assert found["grid"]["code"] == GRID_NEW


def test_merge_neighbours_keeps_the_first_code_and_moves_buildings(client, planner, plan,
                                                                  conn):
    body = split_a(client, planner, plan).get_json()
    plan["etag"] = body["etag"]
    state(client, planner, plan, [(A3, GRID_NEW)])
    answer = post(client, planner, plan, "merge", {"grids": [GRID_A, GRID_NEW]})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["edit"] == {"kept": GRID_A, "removed": GRID_NEW, "moved": [
        {"building": A3, "from": GRID_NEW, "to": GRID_A}]}
    grids = shapes(body)
    assert sorted(grids) == [GRID_A, GRID_B, GRID_C]
    assert same(grids[GRID_A], unit_box(0, 0, 2, 2))
    assert len(grids[GRID_A].geoms) == 1
    assert conn.execute(text("SELECT grid_code FROM plan_buildings")).scalar() == GRID_A


def test_moving_a_shared_vertex_moves_both_neighbours(client, planner, plan):
    body = split_a(client, planner, plan).get_json()
    plan["etag"] = body["etag"]
    answer = post(client, planner, plan, "move_vertex",
                  {"from": list(xy(2, 1.2)), "to": list(xy(1.8, 1.3))})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["edit"] == {"grids": [GRID_A, GRID_NEW], "vertices": 2}
    grids = shapes(body)
    corner = shapely.Point(xy(1.8, 1.3))
    assert grids[GRID_A].boundary.distance(corner) < 1e-9
    assert grids[GRID_NEW].boundary.distance(corner) < 1e-9
    assert grids[GRID_A].intersection(grids[GRID_NEW]).area < 1e-15
    assert same(grids[GRID_A].union(grids[GRID_NEW]), unit_box(0, 0, 2, 2).difference(
        shapely.Polygon([xy(2, 0), xy(2, 2), xy(1.8, 1.3)])))
    report = client.get(f"/api/v1/plans/{plan['id']}/check", headers=planner).get_json()
    gaps = [f for f in report["findings"] if f["kind"] == "gap"]
    assert len(gaps) == 1 and gaps[0]["codes"] == []  # the notch left between A, 004 and C


def test_moving_the_ring_start_keeps_the_ring_closed(client, planner, plan):
    # B's ring starts at its corner (2, 0) (ST_ForcePolygonCCW keeps that): both ends move.
    answer = post(client, planner, plan, "move_vertex",
                  {"from": list(xy(4, 0)), "to": list(xy(4, -0.1))})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["edit"] == {"grids": [GRID_B], "vertices": 1}
    answer = post(client, planner, plan, "move_vertex",
                  {"from": list(xy(2, 0)), "to": list(xy(2, -0.1))},
                  etag=answer.headers["ETag"])
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["edit"]["grids"] == [GRID_A, GRID_B]
    b = shapes(answer.get_json())[GRID_B]
    assert b.is_valid and same(b, unit_box(2, -0.1, 4, 1))


BAD = [
    ("split", {"grid": GRID_A}, 400, "'line' is missing"),
    ("split", {"grid": GRID_A, "line": line((0, 0), (1, 1)), "x": 1}, 400, "x"),
    ("split", {"grid": GRID_A, "line": {"type": "Point", "coordinates": [1, 2]}}, 400,
     "LineString"),
    ("split", {"grid": GRID_A, "line": {"type": "LineString", "coordinates": [[1, 2]]}}, 400,
     "2 to 1000"),
    ("split", {"grid": GRID_A, "line": {"type": "LineString",
                                        "coordinates": [[0, 0], [1, 1]]}}, 400,
     "outside the service area"),
    ("split", {"grid": GRID_A, "line": {"type": "LineString",
                                        "coordinates": [[116.39, "x"], [116.4, 39.9]]}}, 400,
     "[lon, lat] numbers"),
    ("split", {"grid": GRID_A, "line": line((1, 1), (1, 1))}, 400, "no length"),
    ("split", {"grid": COMMUNITY_1 + "099", "line": line((-1, 1), (3, 1))}, 400,
     "no grid 110101001001099"),
    ("split", {"grid": True, "line": line((-1, 1), (3, 1))}, 400, "grid code or"),
    ("split", {"grid": GRID_A, "line": line((0.5, 0.5), (1.5, 1.5))}, 400,
     "does not cross grid"),
    ("split", {"grid": GRID_A, "line": line((5, 1), (6, 1))}, 400, "does not cross grid"),
    ("split", {"grid": GRID_A, "line": line((-1, 0.5), (3, 0.5), (3, 1.5), (-1, 1.5))}, 400,
     "into 3 pieces"),
    ("split", {"grid": GRID_A, "line": line((-1, 1.999), (3, 1.999))}, 400,
     "under the 50 m²"),
    ("merge", {"grids": [GRID_B]}, 400, "exactly two"),
    ("merge", {"grids": "x"}, 400, "exactly two"),
    ("merge", {"grids": [GRID_B, GRID_B]}, 400, "two different grids"),
    ("merge", {"grids": [GRID_B, COMMUNITY_1 + "077"]}, 400, "no grid"),
    ("move_vertex", {"from": list(xy(1, 1))}, 400, "'to' is missing"),
    ("move_vertex", {"from": list(xy(1, 1)), "to": [True, 1]}, 400, "numbers"),
    ("move_vertex", {"from": list(xy(1, 1)), "to": "116,39"}, 400, "numbers"),
    ("move_vertex", {"from": list(xy(1, 1)), "to": list(xy(1, 1.2))}, 400, "no grid of the"),
    # B and C share (2, 1); A has no vertex there: pulling it into A overlaps A.
    ("move_vertex", {"from": list(xy(2, 1)), "to": list(xy(1.5, 1))}, 400, "overlap"),
    ("move_vertex", {"from": list(xy(4, 0)), "to": list(xy(3, 2))}, 400,
     "make grid 110101001001002 invalid"),
]


@pytest.mark.parametrize(("what", "body", "status", "message"), BAD)
def test_bad_edits_are_refused_and_change_nothing(client, planner, plan, what, body, status,
                                                  message, conn):
    before = client.get(f"/api/v1/plans/{plan['id']}", headers=planner).get_json()
    answer = post(client, planner, plan, what, body)
    assert answer.status_code == status, answer.get_json()
    assert message in answer.get_json()["error"]["message"]
    after = client.get(f"/api/v1/plans/{plan['id']}", headers=planner).get_json()
    assert after["version"] == before["version"] and after["grids"] == before["grids"]
    assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action LIKE"
                             " 'plan.grids.%'")).scalar() == 0


ODD_LINES = [
    line((2, -1), (2, 3)),  # along the edge A shares with B and C
    line((-1, 0), (3, 2)),  # corner to corner
    line((-1, 1), (1, 1), (1, 1), (3, 1)),  # a repeated point
    line((-1, 0.2), (3, 1.8), (3, 0.2), (-1, 1.8)),  # crosses itself inside A
    line((-1, 1), (1, 1), (-1, 1.0000001)),  # doubles back on itself
    line(*[(-1 + i * 4 / 999, 1 + (0.3 if i % 2 else -0.3)) for i in range(1000)]),
]


@pytest.mark.parametrize("odd", ODD_LINES)
def test_odd_lines_split_or_are_refused_never_500(client, planner, plan, odd):
    answer = post(client, planner, plan, "split", {"grid": GRID_A, "line": odd})
    assert answer.status_code in (200, 400), answer.get_json()
    if answer.status_code == 200:
        grids = shapes(answer.get_json())
        assert all(g.is_valid for g in grids.values())
        assert abs(sum(g.area for g in grids.values()) - unit_box(0, 0, 4, 2).area) < 1e-12


def test_an_infinite_coordinate_is_refused(client, planner, plan):
    answer = client.post(f"/api/v1/plans/{plan['id']}/grids/move_vertex",
                         data='{"from": [116.39, 39.9], "to": [Infinity, 39.9]}',
                         content_type="application/json",
                         headers={**planner, "If-Match": plan["etag"]})
    assert answer.status_code == 400
    assert "JSON object" in answer.get_json()["error"]["message"]  # not JSON at all


def test_merging_grids_that_only_touch_at_a_corner_is_refused(client, planner, plan):
    body = split_a(client, planner, plan).get_json()
    plan["etag"] = body["etag"]
    # 004 is x 0..2, y 1.2..2; B is x 2..4, y 0..1: they do not touch at all.
    answer = post(client, planner, plan, "merge", {"grids": [GRID_B, GRID_NEW]})
    assert answer.status_code == 400
    assert "do not share an edge" in answer.get_json()["error"]["message"]
    assert answer.get_json()["error"]["details"] == {
        "refusal": "not_adjacent", "grid": GRID_B, "other": GRID_NEW}


def test_stale_and_missing_if_match(client, planner, plan):
    assert split_a(client, planner, plan).status_code == 200
    for what, body in (("split", {"grid": GRID_C, "line": line((3, 0.5), (3, 2.5))}),
                       ("merge", {"grids": [GRID_B, GRID_C]}),
                       ("move_vertex", {"from": list(xy(4, 1)), "to": list(xy(4, 1.1))})):
        stale = post(client, planner, plan, what, body)  # the ETag from before the split
        assert stale.status_code == 412, stale.get_json()
        assert stale.get_json()["error"]["details"]["version"] == 2
        missing = client.post(f"/api/v1/plans/{plan['id']}/grids/{what}", json=body,
                              headers=planner)
        assert missing.status_code == 428


def test_a_viewer_may_not_draw(client, plan, make_user, make_token):
    from tests.support.auth import bearer

    make_user("viewer1", "viewer")
    answer = post(client, bearer(make_token("viewer1")), plan, "merge",
                  {"grids": [GRID_B, GRID_C]})
    assert answer.status_code == 403


def test_crs_parameter_converts_the_line(client, planner, plan):
    from geo.core.crs import from_wgs84

    coords = [list(from_wgs84(*xy(x, 1.2), "gcj02")) for x in (-0.5, 2.5)]
    answer = post(client, planner, plan, "split", {
        "grid": GRID_A, "line": {"type": "LineString", "coordinates": coords}}, crs="gcj02")
    assert answer.status_code == 200, answer.get_json()
    # GCJ-02 is inverted iteratively (±2e-9°); the plan's grids come at full precision.
    assert shapely.hausdorff_distance(shapes(answer.get_json())[GRID_A],
                                      unit_box(0, 0, 2, 1.2)) < 1e-8
