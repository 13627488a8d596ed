"""Building-based editing: assignments in and out as CSV, and grids derived from them that
tile the community exactly and split no building."""

import csv
import io

import pytest
import shapely
from sqlalchemy import text

from geo.plans import check
from geo.plans import derive as planderive
from geo.plans.side import Side
from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_B
from tests.support.plans import new_plan
from tests.support.towns import add_building

G1, G2 = GRID_A, GRID_B
# (code, box, grid code stated in the CSV)
BUILDINGS = [("1101010010010010001", (0.5, 0.5, 0.7, 0.7), G1),
             ("1101010010010010002", (1.8, 0.5, 2.3, 0.7), G2),   # straddles today's A|B
             ("1101010010010010003", (3.0, 1.5, 3.2, 1.7), G2),
             ("1101010010010010004", (1.0, 1.5, 1.2, 1.7), G1),
             ("1101010010010010005", (2.05, 1.2, 2.15, 1.4), G1)]  # G1 island near G2's


@pytest.fixture
def town(town, conn):
    """The plain town with the BUILDINGS below in community 1, in no grid yet."""
    ids = town
    for code, box, _ in BUILDINGS:
        ids[code] = add_building(conn, code, "地址", box, None, ids["C1"])
    return ids


def put_csv(client, planner, plan_id, etag, body: str, **query):
    return client.put(f"/api/v1/plans/{plan_id}/assignments", data=body.encode(),
                      content_type="text/csv", query_string=query,
                      headers={**planner, "If-Match": etag})


def assignments_csv(rows) -> str:
    return "building_code,grid_code\n" + "".join(f"{b},{g}\n" for b, g in rows)


def test_derive_tiles_the_community_and_splits_no_building(client, planner, town, conn):
    plan, etag = new_plan(client, planner, source="empty")
    response = put_csv(client, planner, plan["id"], etag,
                       assignments_csv((c, g) for c, _, g in BUILDINGS))
    assert response.status_code == 200, response.get_json()
    response = client.post(f"/api/v1/plans/{plan['id']}/derive",
                           headers={**planner, "If-Match": response.headers["ETag"]})
    assert response.status_code == 200, response.get_json()
    grids = response.get_json()["grids"]["features"]
    assert sorted(f["properties"]["code"] for f in grids) == [G1, G2]
    assert {f["properties"]["name"] for f in grids} == {"第一网格", "第二网格"}  # kept
    report = check.check(conn, Side(town["C1"], plan_id=plan["id"]), COMMUNITY_1,
                             check.Rules(households_min=0))
    assert report["ok"], [f["message"] for f in report["findings"]]
    kinds = {f["kind"] for f in report["findings"]}
    assert not kinds & {"building_split", "building_unassigned", "gap", "overlap"}
    # each building lies wholly in the grid it was assigned to
    inside = conn.execute(text(
        "SELECT b.code, pg.code FROM buildings b JOIN plan_grids pg"
        " ON ST_CoveredBy(b.geom, pg.geom) WHERE pg.plan_id = :p ORDER BY b.code"),
        {"p": plan["id"]}).all()
    assert [tuple(r) for r in inside] == [(c, g) for c, _, g in BUILDINGS]
    # and the grids add up to the community
    total, community = conn.execute(text(
        "SELECT (SELECT sum(ST_Area(geom)) FROM plan_grids WHERE plan_id = :p),"
        " (SELECT ST_Area(geom) FROM communities WHERE id = :c)"),
        {"p": plan["id"], "c": town["C1"]}).one()
    assert total == pytest.approx(community, rel=1e-9)


def test_unstated_buildings_follow_the_plan_grids(client, planner, town):
    plan, etag = new_plan(client, planner)  # today's grids: A 0..2, B, C
    response = client.patch(f"/api/v1/plans/{plan['id']}/assignments",
                            json={"assignments": [{"building": BUILDINGS[0][0], "grid": G2}]},
                            headers={**planner, "If-Match": etag})
    assert response.status_code == 200, response.get_json()
    rows = client.get(f"/api/v1/plans/{plan['id']}/assignments", headers=planner).get_json()
    got = {r["building_code"]: (r["grid_code"], r["assigned"]) for r in rows["assignments"]}
    assert got[BUILDINGS[0][0]] == (G2, True)
    assert got[BUILDINGS[3][0]] == (G1, False)  # where grid A puts it
    assert got[BUILDINGS[2][0]] == (COMMUNITY_1 + "003", False)


def test_csv_round_trip(client, planner, town):
    plan, etag = new_plan(client, planner)
    exported = client.get(f"/api/v1/plans/{plan['id']}/assignments?format=csv",
                          headers=planner)
    assert exported.mimetype == "text/csv"
    body = exported.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == len(BUILDINGS) and rows[0]["assigned"] == "false"
    response = put_csv(client, planner, plan["id"], etag, body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["building_assignments"] == len(BUILDINGS)
    again = client.get(f"/api/v1/plans/{plan['id']}/assignments", headers=planner).get_json()
    assert all(r["assigned"] for r in again["assignments"])
    assert [r["grid_code"] for r in again["assignments"]] == [r["grid_code"] for r in rows]


def test_gbk_csv(client, planner, town):
    plan, etag = new_plan(client, planner, source="empty")
    body = "楼栋编码,building_code,grid_code\n1号楼," + BUILDINGS[0][0] + "," + G1 + "\n"
    response = client.put(f"/api/v1/plans/{plan['id']}/assignments?encoding=gbk",
                          data=body.encode("gbk"), content_type="text/csv",
                          headers={**planner, "If-Match": etag})
    assert response.status_code == 200, response.get_json()
    wrong = client.put(f"/api/v1/plans/{plan['id']}/assignments", data=body.encode("gbk"),
                       content_type="text/csv",
                       headers={**planner, "If-Match": response.headers["ETag"]})
    assert wrong.status_code == 400 and "gbk" in wrong.get_json()["error"]["message"]


@pytest.mark.parametrize(("rows", "reason"), [
    ([("1101010019999990001", G1)], "no building with this code"),
    ([(BUILDINGS[0][0], "110101001002001")], "is not 110101001001 + 3 digits"),
    ([(BUILDINGS[0][0], G1), (BUILDINGS[0][0], G2)], "listed twice"),
    ([("12345", G1)], "19 digits"),
])
def test_bad_assignments_store_nothing(client, planner, town, conn, rows, reason):
    plan, etag = new_plan(client, planner, source="empty")
    response = put_csv(client, planner, plan["id"], etag, assignments_csv(rows))
    assert response.status_code == 400
    problems = response.get_json()["error"]["details"]["problems"]
    assert reason in problems[0]["reason"] and problems[0]["row"] >= 2
    assert conn.execute(text("SELECT count(*) FROM plan_buildings")).scalar() == 0


def test_csv_without_the_columns(client, planner, town):
    plan, etag = new_plan(client, planner, source="empty")
    response = put_csv(client, planner, plan["id"], etag, "a,b\n1,2\n")
    assert response.status_code == 400 and "building_code" in response.get_json()["error"][
        "message"]


def test_derive_engine_with_a_building_across_the_old_boundary():
    community = shapely.box(0, 0, 0.004, 0.002)
    across = shapely.box(0.0018, 0.0005, 0.0023, 0.0007)
    left = shapely.box(0.0005, 0.0005, 0.0007, 0.0007)
    grids = planderive.derive(community, [left, across], ["A", "B"])
    assert grids["B"].contains(across) and not grids["A"].intersects(across.buffer(-1e-9))
    assert grids["A"].union(grids["B"]).symmetric_difference(community).area < 1e-15
    assert grids["A"].intersection(grids["B"]).area < 1e-15


def test_derive_gives_pieces_cut_off_by_other_buildings_to_a_neighbour():
    """A long building of B runs past A's building: the Voronoi cell of A's corners reaches
    over it, and the piece beyond the wall (holding no building of A) goes to B."""
    u = 0.0001
    community = shapely.box(0, 0, 10 * u, 10 * u)
    a = shapely.box(1 * u, 1 * u, 2 * u, 2 * u)
    wall = shapely.box(0, 3 * u, 3.5 * u, 3.1 * u)
    far = shapely.box(8 * u, 8 * u, 9 * u, 9 * u)
    grids = planderive.derive(community, [a, wall, far], ["A", "B", "B"])
    assert grids["A"].geom_type == "MultiPolygon" and len(grids["A"].geoms) == 1
    assert grids["A"].contains(a) and grids["B"].contains(wall) and grids["B"].contains(far)
    assert abs(grids["A"].area + grids["B"].area - community.area) < 1e-15


def test_derive_survives_cocircular_corners_of_aligned_buildings():
    """Aligned rectangles put many footprint corners on one circle; GEOS's coverage union
    of their Voronoi cells then fails ('mixed-dimension'), and derive must not (it was a
    500 in the plan editor)."""
    from tests.support.geometries import xy

    def rect(x0, y0, x1, y1):
        (a, b), (c, d) = xy(x0, y0), xy(x1, y1)
        return shapely.box(a, b, c, d)

    boxes = [(0.5, 0.5, 0.7, 0.7), (1.0, 0.5, 1.2, 0.7), (1.4, 1.4, 1.6, 1.6),
             (3.0, 0.4, 3.2, 0.6), (3.0, 1.4, 3.2, 1.6)]
    community = rect(0, 0, 4, 2)
    footprints = [rect(*b) for b in boxes]
    codes = ["A", "A", "B", "B", "C"]
    grids = planderive.derive(community, footprints, codes)
    assert sorted(grids) == ["A", "B", "C"]
    total = shapely.union_all(list(grids.values()))
    assert abs(total.area - community.area) < community.area * 1e-9
    for footprint, code in zip(footprints, codes, strict=True):
        assert grids[code].buffer(1e-12).contains(footprint)
