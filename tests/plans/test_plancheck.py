"""The plan checks on tiny hand-made communities: each finding, its size and its place."""

import pytest
from sqlalchemy import text

from geo.plans import check
from geo.plans.side import Side
from tests.support.geometries import COMMUNITY_1, box_wkt, xy
from tests.support.towns import add_building, add_member

G1, G2, G3 = (COMMUNITY_1 + s for s in ("001", "002", "003"))
RULES = check.Rules(households_min=300, households_max=500, sliver_m2=50,
                        min_compactness=0.2)
UNIT_M2 = 85.3 * 111.0  # one 0.001° x 0.001° cell near 39.9° N, in m² (roughly)


@pytest.fixture
def town(town, conn):
    """The plain town with a draft plan of community 1 (``ids["plan"]``), no grids yet."""
    ids = town
    ids["plan"] = conn.execute(text(
        "INSERT INTO plans (community_id, name, status, created_at) VALUES (:c, '测试', 'draft',"
        " now()) RETURNING id"),
        {"c": ids["C1"]}).scalar_one()
    return ids


def add_grid(conn, plan_id, code, wkt, name="网格"):
    conn.execute(text("INSERT INTO plan_grids (plan_id, code, name, geom)"
                      " VALUES (:p, :c, :n, ST_GeomFromText(:w, 4326))"),
                 {"p": plan_id, "c": code, "n": name, "w": wkt})


def run(conn, town):
    return check.check(conn, Side(town["C1"], plan_id=town["plan"]), COMMUNITY_1, RULES)


def kinds(report, severity=None):
    return sorted(f["kind"] for f in report["findings"]
                  if severity is None or f["severity"] == severity)


def building(conn, town, code, box, households=400):
    bid = add_building(conn, code, "地址", box, None, town["C1"])
    conn.execute(text("UPDATE buildings SET households = :h WHERE id = :id"),
                 {"h": households, "id": bid})
    return bid


def test_a_clean_tiling_has_no_errors(conn, town):
    add_grid(conn, town["plan"], G1, box_wkt(0, 0, 2, 2))
    add_grid(conn, town["plan"], G2, box_wkt(2, 0, 4, 2))
    building(conn, town, G1 + "0001", (0.5, 0.5, 0.7, 0.7))
    building(conn, town, G2 + "0001", (2.5, 0.5, 2.7, 0.7))
    report = run(conn, town)
    assert report["ok"] and report["errors"] == 0, report["findings"]
    assert kinds(report) == ["no_worker", "no_worker"]  # the plain town has no workers
    assert [g["households"] for g in report["grids"]] == [400, 400]
    assert report["summary"]["households"]["deviation"] == 0
    # a 2 x 2 square: Polsby-Popper pi/4 (measured on the spheroid, not in degrees)
    squares = [g["compactness"] for g in report["grids"]]
    assert squares[0] < 0.785 and squares[1] < 0.785 and min(squares) > 0.7


def test_gap_and_overlap_with_area_and_place(conn, town):
    add_grid(conn, town["plan"], G1, box_wkt(0, 0, 2.5, 2))    # overlaps G2 by 0.5 x 1
    add_grid(conn, town["plan"], G2, box_wkt(2, 0, 4, 1))
    add_grid(conn, town["plan"], G3, box_wkt(2.5, 1, 4, 2))    # touches G1: no overlap
    report = run(conn, town)
    overlap = [f for f in report["findings"] if f["kind"] == "overlap"]
    assert len(overlap) == 1 and overlap[0]["severity"] == "error"
    assert overlap[0]["codes"] == [G1, G2]
    assert overlap[0]["size"] == pytest.approx(0.5 * UNIT_M2, rel=0.02)
    assert overlap[0]["geometry"]["type"] == "Polygon"
    lons = [p[0] for p in overlap[0]["geometry"]["coordinates"][0]]
    assert min(lons) == pytest.approx(xy(2, 0)[0]) and max(lons) == pytest.approx(xy(2.5, 0)[0])
    assert not report["ok"] and "gap" not in kinds(report)


def test_gap_inside_the_community(conn, town):
    add_grid(conn, town["plan"], G1, box_wkt(0, 0, 2, 2))
    add_grid(conn, town["plan"], G2, box_wkt(2.5, 0, 4, 2))
    report = run(conn, town)
    gaps = [f for f in report["findings"] if f["kind"] == "gap"]
    assert len(gaps) == 1 and gaps[0]["severity"] == "error" and gaps[0]["codes"] == []
    assert gaps[0]["size"] == pytest.approx(0.5 * 2 * UNIT_M2, rel=0.02)


def test_parts_outside_the_community(conn, town):
    add_grid(conn, town["plan"], G1, box_wkt(0, 0, 2, 2))
    add_grid(conn, town["plan"], G2, box_wkt(2, 0, 5, 2))  # reaches into community 2
    outside = [f for f in run(conn, town)["findings"] if f["kind"] == "outside"]
    assert [f["codes"] for f in outside] == [[G2]]
    assert outside[0]["size"] == pytest.approx(2 * UNIT_M2, rel=0.02)


def test_slivers_are_warnings_below_the_threshold(conn, town):
    # a strip 0.0002 units (1.7 cm) wide and 2 units long, about 38 m², left as a gap
    add_grid(conn, town["plan"], G1, box_wkt(0, 0, 2, 2))
    add_grid(conn, town["plan"], G2, box_wkt(2.0002, 0, 4, 2))
    report = run(conn, town)
    slivers = [f for f in report["findings"] if f["kind"] == "sliver"]
    assert len(slivers) == 1 and slivers[0]["severity"] == "warning"
    assert slivers[0]["of"] == "gap" and slivers[0]["size"] < RULES.sliver_m2
    assert "gap" not in kinds(report)


def test_a_grid_in_two_pieces(conn, town):
    two = ("MULTIPOLYGON(" + box_wkt(0, 0, 1, 2)[len("MULTIPOLYGON("):-1] + ","
           + box_wkt(3, 0, 4, 2)[len("MULTIPOLYGON("):-1] + ")")
    add_grid(conn, town["plan"], G1, two)
    add_grid(conn, town["plan"], G2, box_wkt(1, 0, 3, 2))
    report = run(conn, town)
    parts = [f for f in report["findings"] if f["kind"] == "multipart"]
    assert len(parts) == 1 and parts[0]["codes"] == [G1] and parts[0]["severity"] == "error"
    assert parts[0]["size"] == pytest.approx(2 * UNIT_M2, rel=0.02)


def test_split_buildings_warn_and_buildings_in_no_grid_are_errors(conn, town):
    add_grid(conn, town["plan"], G1, box_wkt(0, 0, 2, 2))
    add_grid(conn, town["plan"], G2, box_wkt(2, 0, 3.5, 2))   # 3.5..4 is a gap
    building(conn, town, G1 + "0001", (1.7, 0.5, 2.1, 0.7))    # 75 % in G1, 25 % in G2
    building(conn, town, G2 + "0001", (3.6, 0.5, 3.8, 0.7))    # in the gap: in no grid
    report = run(conn, town)
    split = [f for f in report["findings"] if f["kind"] == "building_split"]
    assert len(split) == 1 and split[0]["severity"] == "warning"
    assert split[0]["codes"] == [G1, G2] and split[0]["building"] == G1 + "0001"
    assert split[0]["shares"] == pytest.approx([0.75, 0.25], abs=1e-3)
    lost = [f for f in report["findings"] if f["kind"] == "building_unassigned"]
    assert len(lost) == 1 and lost[0]["severity"] == "error"
    assert lost[0]["geometry"]["type"] == "MultiPolygon"
    # the split building counts once, in the grid holding its largest part
    assert {g["code"]: g["buildings"] for g in report["grids"]} == {G1: 1, G2: 0}


def test_households_band_and_deviation(conn, town):
    add_grid(conn, town["plan"], G1, box_wkt(0, 0, 2, 2))
    add_grid(conn, town["plan"], G2, box_wkt(2, 0, 4, 2))
    building(conn, town, G1 + "0001", (0.5, 0.5, 0.7, 0.7), households=600)
    building(conn, town, G2 + "0001", (2.5, 0.5, 2.7, 0.7), households=200)
    report = run(conn, town)
    band = sorted((f["codes"][0], f["size"], f["side"]) for f in report["findings"]
                  if f["kind"] == "households")
    assert band == [(G1, 600, "above"), (G2, 200, "below")]
    assert report["ok"]  # warnings do not block
    assert report["summary"]["households"]["deviation"] == pytest.approx((600 - 200) / 400)


def test_compactness_of_a_thin_grid(conn, town):
    add_grid(conn, town["plan"], G1, box_wkt(0, 0, 4, 0.1))
    add_grid(conn, town["plan"], G2, box_wkt(0, 0.1, 4, 2))
    thin = [f for f in run(conn, town)["findings"] if f["kind"] == "compactness"]
    assert [f["codes"] for f in thin] == [[G1]] and thin[0]["size"] < 0.2


@pytest.mark.parametrize(("codes", "expected"), [
    (["", G2], ["code_missing"]),
    ([G1, G1], ["code_duplicate"]),
    (["110101001002001", G2], ["code_pattern"]),   # another community's prefix
    (["11010100100100A", G2], ["code_pattern"]),
])
def test_codes(conn, town, codes, expected):
    add_grid(conn, town["plan"], codes[0], box_wkt(0, 0, 2, 2))
    add_grid(conn, town["plan"], codes[1], box_wkt(2, 0, 4, 2))
    report = run(conn, town)
    assert kinds(report, "error") == expected


def test_an_empty_plan(conn, town):
    report = run(conn, town)
    assert "empty" in kinds(report) and "gap" in kinds(report) and not report["ok"]


def test_grids_without_a_worker_are_named_and_do_not_block(conn, town):
    """Workers serve a grid code: a plan grid of a code with an active worker is staffed,
    a new code (or one whose only worker left) is reported by code and name."""
    worker = add_member(conn, "王芳", "full_time", town["A"])
    add_member(conn, "李强", "part_time", town["B"], active=False)
    add_grid(conn, town["plan"], G1, box_wkt(0, 0, 2, 2), name="第一网格")
    add_grid(conn, town["plan"], G2, box_wkt(2, 0, 3, 2), name="第二网格")
    add_grid(conn, town["plan"], COMMUNITY_1 + "009", box_wkt(3, 0, 4, 2), name="新网格")
    report = run(conn, town)
    assert worker and report["ok"]
    unstaffed = [f for f in report["findings"] if f["kind"] == "no_worker"]
    assert [(f["codes"], f["name"], f["severity"]) for f in unstaffed] == [
        ([G2], "第二网格", "warning"), ([COMMUNITY_1 + "009"], "新网格", "warning")]
    assert {g["code"]: g["workers"] for g in report["grids"]} == {
        G1: 1, G2: 0, COMMUNITY_1 + "009": 0}
