"""Automatic balanced drafts: the engine (contiguity, whole buildings, balance, band,
determinism) and ``POST /api/v1/plans/auto``.

The community here is a U (its notch open to the north), so that a straight cut can
leave a group in two arms: the drafts must still be contiguous.
"""

from collections import deque

import numpy as np
import pytest
import shapely
from sqlalchemy import text

from geo.core.errors import InvalidInput
from geo.plans import auto as autoplan
from geo.plans import autodraft, check
from geo.plans.side import Side
from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_B, xy
from tests.support.plans import planner_headers

# Units of 0.001° (about 85 m east, 111 m north): outer 0..6 × 0..4, notch 2..4 × 1.5..4.
U_OUTLINE = [(0, 0), (6, 0), (6, 4), (4, 4), (4, 1.5), (2, 1.5), (2, 4), (0, 4)]
U_SHAPE = shapely.Polygon(U_OUTLINE)


def lattice():
    """Footprints (0.2 × 0.2 units) every 0.5 units inside the U, with households."""
    rng = np.random.default_rng(7)
    boxes = []
    for x in np.arange(0.25, 6, 0.5):
        for y in np.arange(0.25, 4, 0.5):
            b = shapely.box(x - 0.1, y - 0.1, x + 0.1, y + 0.1)
            if U_SHAPE.contains(b.buffer(0.05)):
                boxes.append((round(x - 0.1, 2), round(y - 0.1, 2), round(x + 0.1, 2),
                              round(y + 0.1, 2), int(rng.integers(10, 70))))
    return boxes


BUILDINGS = lattice()
TOTAL = sum(b[4] for b in BUILDINGS)


def wkt(points) -> str:
    ring = ",".join(f"{a} {b}" for a, b in (xy(x, y) for x, y in [*points, points[0]]))
    return f"MULTIPOLYGON((({ring})))"


@pytest.fixture
def u_town(conn):
    cid = conn.execute(text(
        "INSERT INTO communities (code, name, street_name, street_code, office_address, geom)"
        " VALUES (:c, '景山社区', '东华门街道', :s, '东华门大街1号', ST_GeomFromText(:w, 4326))"
        " RETURNING id"), {"c": COMMUNITY_1, "s": COMMUNITY_1[:9], "w": wkt(U_OUTLINE)}
    ).scalar_one()
    west = conn.execute(text(
        "INSERT INTO grids (code, name, community_id, geom) VALUES (:c, '老一网格', :cid,"
        " ST_GeomFromText(:w, 4326)) RETURNING id"),
        {"c": GRID_A, "cid": cid, "w": wkt([(0, 0), (3, 0), (3, 1.5), (2, 1.5), (2, 4),
                                            (0, 4)])}).scalar_one()
    east = conn.execute(text(
        "INSERT INTO grids (code, name, community_id, geom) VALUES (:c, '老二网格', :cid,"
        " ST_GeomFromText(:w, 4326)) RETURNING id"),
        {"c": GRID_B, "cid": cid, "w": wkt([(3, 0), (6, 0), (6, 4), (4, 4), (4, 1.5),
                                            (3, 1.5)])}).scalar_one()
    for n, (x0, y0, x1, y1, households) in enumerate(BUILDINGS, start=1):
        conn.execute(text(
            "INSERT INTO buildings (code, name, address, geom, households, residents, grid_id,"
            " community_id) VALUES (:code, :name, '地址', ST_GeomFromText(:w, 4326), :h, :r,"
            " :g, :cid)"),
            {"code": f"{GRID_A}{n:04d}", "name": f"{n}号楼", "w": wkt(
                [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]), "h": households,
             "r": households * 2, "g": west if (x0 + x1) / 2 < 3 else east, "cid": cid})
    return {"C1": cid}


def connected(members: list[int], neighbours: list[list[int]]) -> bool:
    inside, seen, queue = set(members), {members[0]}, deque([members[0]])
    while queue:
        for j in neighbours[queue.popleft()]:
            if j in inside and j not in seen:
                seen.add(j)
                queue.append(j)
    return seen == inside


# --- how many grids a band asks for ---------------------------------------------------

@pytest.mark.parametrize(("total", "band", "largest", "grids", "feasible"), [
    (4000, (300, 500), 50, 10, True),     # mean 400, the middle of the band
    (4000, (300, 350), 50, 12, True),     # 12 grids of 333
    (550, (300, 500), 50, 2, False),      # 1 grid of 550 (50 over) or 2 of 275 (25 under)
    (520, (300, 500), 50, 1, False),      # 1 grid of 520 (20 over) or 2 of 260 (40 under)
    (620, (300, 500), 50, 2, True),
    (250, (300, 500), 50, 1, False),      # too few households for one grid in the band
    (4000, (300, 500), 600, 10, False),   # one building is above the band's maximum
    (0, (300, 500), 0, 1, False),
])
def test_grid_count(total, band, largest, grids, feasible):
    count = autodraft.grid_count(total, band, largest)
    assert (count.grids, count.feasible) == (grids, feasible)
    assert (count.reason is None) == feasible


# --- the partition on its own ---------------------------------------------------------

def u_points():
    centres = np.array([((b[0] + b[2]) / 2 * 85.0, (b[1] + b[3]) / 2 * 111.0)
                        for b in BUILDINGS])
    area = shapely.transform(U_SHAPE, lambda c: c * np.array([85.0, 111.0]))
    return centres, np.array([b[4] for b in BUILDINGS]), area


@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_partition_is_contiguous_balanced_and_whole(k):
    points, households, area = u_points()
    neighbours = autodraft.adjacency(points, area)
    labels = autodraft.partition(points, households, k, neighbours=neighbours)
    assert sorted(set(labels.tolist())) == list(range(k))  # every point in one group
    for g in range(k):
        assert connected(np.flatnonzero(labels == g).tolist(), neighbours), g
    totals = np.bincount(labels, weights=households)
    # balanced to within about one building's households on either side
    assert totals.max() - totals.min() <= 2 * households.max()
    assert autodraft.deviation(totals) < 0.15


def test_adjacency_does_not_cross_the_notch():
    points, _, area = u_points()
    neighbours = autodraft.adjacency(points, area)
    west = points[:, 0] < 2 * 85.0
    east = points[:, 0] > 4 * 85.0
    high = points[:, 1] > 1.5 * 111.0
    for i in np.flatnonzero(west & high):
        assert not any(east[j] and high[j] for j in neighbours[i])


def test_partition_is_deterministic_by_seed():
    points, households, area = u_points()
    first = autodraft.partition(points, households, 5, area=area, seed=11)
    again = autodraft.partition(points, households, 5, area=area, seed=11)
    other = autodraft.partition(points, households, 5, area=area, seed=12)
    assert first.tolist() == again.tolist()
    assert first.tolist() != other.tolist()  # another seed turns the cuts


def test_partition_refuses_more_grids_than_buildings():
    points, households, area = u_points()
    with pytest.raises(InvalidInput) as caught:
        autodraft.partition(points, households, len(points) + 1, area=area)
    assert caught.value.param == "grids"


# --- the draft of a community (database) -------------------------------------------------

def test_draft_tiles_the_community_with_whole_buildings(conn, u_town):
    drafted = autoplan.draft(conn, u_town["C1"], COMMUNITY_1, band=(300, 500))
    summary = drafted.summary
    count = autodraft.grid_count(TOTAL, (300, 500))
    assert summary["grids"] == count.grids == len(drafted.rows)
    assert summary["band"]["feasible"] and summary["multipart"] == 0
    assert all(300 <= h <= 500 for h in summary["households"].values())
    assert sum(summary["households"].values()) == TOTAL
    assert summary["deviation"] < 0.2
    assert 0 < summary["compactness"]["min"] <= summary["compactness"]["mean"] < 1
    # every building in exactly one grid, wholly inside the grid it was assigned
    ids = [b for b, _ in drafted.assignments]
    assert len(ids) == len(set(ids)) == len(BUILDINGS)
    grids = {r.code: shapely.from_wkb(r.geom) for r in drafted.rows}
    footprints = dict(conn.execute(text(
        "SELECT id, ST_AsBinary(geom) FROM buildings WHERE community_id = :c"),
        {"c": u_town["C1"]}).all())
    for building, code in drafted.assignments:
        assert grids[code].covers(shapely.from_wkb(bytes(footprints[building])))
    for code, grid in grids.items():
        assert shapely.get_num_geometries(grid) == 1, code  # one piece
        assert code.startswith(COMMUNITY_1) and len(code) == 15 and code[-3:].isdigit()
    area = sum(g.area for g in grids.values())
    assert area == pytest.approx(shapely.Polygon([xy(x, y) for x, y in U_OUTLINE]).area,
                                 rel=1e-6)


def test_draft_keeps_the_codes_of_the_grids_it_overlaps(conn, u_town):
    drafted = autoplan.draft(conn, u_town["C1"], COMMUNITY_1, grids=2)
    names = {r.code: r.name for r in drafted.rows}
    assert names == {GRID_A: "老一网格", GRID_B: "老二网格"}
    more = autoplan.draft(conn, u_town["C1"], COMMUNITY_1, grids=4)
    codes = sorted(r.code for r in more.rows)
    assert codes[:2] == [GRID_A, GRID_B]
    assert codes[2:] == [COMMUNITY_1 + "003", COMMUNITY_1 + "004"]  # next free numbers


def test_draft_is_deterministic(conn, u_town):
    one = autoplan.draft(conn, u_town["C1"], COMMUNITY_1, grids=6, seed=3)
    two = autoplan.draft(conn, u_town["C1"], COMMUNITY_1, grids=6, seed=3)
    assert one.assignments == two.assignments
    assert [r.geom for r in one.rows] == [r.geom for r in two.rows]


def test_infeasible_band_still_drafts_and_says_why(conn, u_town):
    # no whole number of grids averages 1,000–1,050 households here
    band = (TOTAL // 2 + 60, TOTAL // 2 + 100)
    drafted = autoplan.draft(conn, u_town["C1"], COMMUNITY_1, band=band)
    assert drafted.summary["band"]["feasible"] is False
    assert "cannot make grids" in drafted.summary["band"]["reason"]
    assert drafted.summary["grids"] in (1, 2)
    assert len(drafted.assignments) == len(BUILDINGS)


def add_incidents(conn, spots, per_spot: int, days_ago: int = 10) -> None:
    for x, y in spots:
        lon, lat = xy(x, y)
        conn.execute(text(
            "INSERT INTO incidents (category, geom, source, reported_at, status, priority)"
            " SELECT '环境卫生', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),"
            " 'patrol', now() - make_interval(days => :d), 'closed', 2"
            " FROM generate_series(1, :n)"),
            {"lon": float(lon), "lat": float(lat), "d": days_ago, "n": per_spot})


def test_caseload_weight_balances_last_years_incidents_too(conn, u_town):
    # Five incidents at every building of the west arm; older ones (over a year) do not count.
    west = [((x0 + x1) / 2, (y0 + y1) / 2) for x0, y0, x1, y1, _ in BUILDINGS if x1 < 2]
    add_incidents(conn, west, 5)
    add_incidents(conn, [(5.5, 0.5)], 1000, days_ago=400)
    plain = autoplan.draft(conn, u_town["C1"], COMMUNITY_1, grids=3)
    blended = autoplan.draft(conn, u_town["C1"], COMMUNITY_1, grids=3, caseload=0.7)
    assert "caseload" not in plain.summary
    case = blended.summary["caseload"]
    assert case["weight"] == 0.7 and sum(case["incidents"].values()) == 5 * len(west)
    # the households-only draft, measured by incidents: less even
    codes = dict(plain.assignments)
    per_plain: dict[str, int] = {}
    nearest = autoplan._incidents(conn, u_town["C1"], list(codes))
    for code, n in zip(codes.values(), nearest.tolist(), strict=True):
        per_plain[code] = per_plain.get(code, 0) + n
    assert sum(per_plain.values()) == 5 * len(west)
    assert case["deviation"] < autodraft.deviation(list(per_plain.values()))
    assert blended.summary["multipart"] == 0 and len(blended.assignments) == len(BUILDINGS)


# --- POST /api/v1/plans/auto -----------------------------------------------------------

@pytest.fixture
def planner(make_user, make_token, u_town):
    return planner_headers(make_user, make_token)


def test_auto_plan_is_stored_and_checks_clean(client, planner, conn, u_town):
    response = client.post("/api/v1/plans/auto", headers=planner, json={
        "community": COMMUNITY_1, "band": [300, 500], "seed": 0, "name": "自动方案"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["source"] == "auto" and body["name"] == "自动方案"
    assert response.headers["ETag"] == body["etag"]
    assert body["draft"]["grids"] == len(body["grids"]["features"]) >= 2
    assert body["draft"]["deviation"] < 0.2 and body["draft"]["band"]["feasible"]
    assert body["building_assignments"] == len(BUILDINGS)
    report = check.check(conn, Side(u_town["C1"], plan_id=body["id"]), COMMUNITY_1,
                             check.Rules())
    assert report["ok"], [f["message"] for f in report["findings"]]
    kinds = {f["kind"] for f in report["findings"]}
    assert not kinds & {"building_split", "households", "multipart"}
    audit = conn.execute(text("SELECT after FROM audit_log WHERE action = 'plan.create'"
                              " AND entity_id = :i"), {"i": str(body["id"])}).scalar_one()
    assert audit["source"] == "auto" and audit["seed"] == 0


def test_auto_plan_with_a_number_of_grids(client, planner, u_town):
    response = client.post("/api/v1/plans/auto", headers=planner,
                           json={"community": COMMUNITY_1, "grids": 4})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["draft"]["grids"] == 4
    response = client.post("/api/v1/plans/auto", headers=planner,
                           json={"community": COMMUNITY_1, "grids": 4, "caseload": 0.5})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["draft"]["caseload"] == {
        "weight": 0.5, "incidents": {}, "deviation": None} or \
        sum(response.get_json()["draft"]["caseload"]["incidents"].values()) == 0


@pytest.mark.parametrize(("body", "param"), [
    ([1, 2], None),
    ({"community": "1101"}, "community"),
    ({"community": COMMUNITY_1, "band": [500, 300]}, "band"),
    ({"community": COMMUNITY_1, "band": [300]}, "band"),
    ({"community": COMMUNITY_1, "band": [0, 300]}, "band"),
    ({"community": COMMUNITY_1, "band": ["300", "500"]}, "band"),
    ({"community": COMMUNITY_1, "grids": 0}, "grids"),
    ({"community": COMMUNITY_1, "grids": 2.5}, "grids"),
    ({"community": COMMUNITY_1, "grids": True}, "grids"),
    ({"community": COMMUNITY_1, "grids": 100_000}, "grids"),
    ({"community": COMMUNITY_1, "grids": 10_000 // 10}, "grids"),  # more than buildings
    ({"community": COMMUNITY_1, "grids": 2, "band": [300, 500]}, "grids"),
    ({"community": COMMUNITY_1, "seed": -1}, "seed"),
    ({"community": COMMUNITY_1, "name": " "}, "name"),
    ({"community": COMMUNITY_1, "colour": "red"}, "colour"),
    ({"community": COMMUNITY_1, "caseload": 1.5}, "caseload"),
    ({"community": COMMUNITY_1, "caseload": True}, "caseload"),
    ({"community": COMMUNITY_1, "caseload": "0.5"}, "caseload"),
])
def test_auto_plan_bad_input(client, planner, conn, body, param):
    response = client.post("/api/v1/plans/auto", headers=planner, json=body)
    assert response.status_code == 400, response.get_json()
    assert (response.get_json()["error"].get("details") or {}).get("param") == param
    assert conn.execute(text("SELECT count(*) FROM plans")).scalar() == 0


def test_auto_plan_unknown_community_and_roles(client, planner, make_user, make_token):
    response = client.post("/api/v1/plans/auto", headers=planner,
                           json={"community": "110101001099"})
    assert response.status_code == 404
    make_user("viewer1", "viewer")
    response = client.post("/api/v1/plans/auto", json={"community": COMMUNITY_1},
                           headers={"Authorization": f"Bearer {make_token('viewer1')}"})
    assert response.status_code == 403
    assert client.post("/api/v1/plans/auto", json={"community": COMMUNITY_1}).status_code == 401
