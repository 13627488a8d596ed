"""Responsibility overlays (部件先属主、事件先属地; geo.boundaries.overlays, routed by
geo.incidents.routing): owner first or place first per category, polygons and buffered
lines, dates, the same answer for a single report and an imported row, and the API."""

import pytest
from sqlalchemy import text

from geo.incidents import imports
from geo.incidents.intake import Rules
from tests.incidents.test_hotline_import import COLUMNS, csv_bytes, line
from tests.support.geometries import GRID_D, xy

pytestmark = pytest.mark.town("incidents")

MONDAY_10 = "2026-11-30T02:00:00Z"  # 10:00 in Asia/Shanghai: everyone on duty


def polygon(x0, y0, x1, y1):
    (a, b), (c, d) = xy(x0, y0), xy(x1, y1)
    return {"type": "Polygon", "coordinates": [[[a, b], [c, b], [c, d], [a, d], [a, b]]]}


def compound(**extra):
    """阳光花园 in grid A, managed by a property company, answering for damaged facilities."""
    return {"name": "阳光花园", "kind": "compound", "unit": "company",
            "company_name": "阳光物业", "company_phone": "010-65550000",
            "categories": ["设施损坏"], "geometry": polygon(0.5, 0.5, 1.5, 1.5),
            "valid_from": "2026-01-01", **extra}


@pytest.fixture
def admin(staff, town):
    return staff("boss", "admin")


def add(client, admin, body):
    answer = client.post("/api/v1/overlays", json=body, headers=admin)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def precedence(conn, category, rule):
    conn.execute(text("UPDATE categories SET precedence = :r WHERE code = :c"),
                 {"r": rule, "c": category})


def report(client, admin, point, category="设施损坏", at=MONDAY_10):
    lon, lat = xy(*point)
    answer = client.post("/api/v1/incidents", headers=admin, json={
        "category": category, "description": "井盖破损", "lon": lon, "lat": lat,
        "reported_at": at}).get_json()
    assert "routed_to" in answer, answer
    return answer


def routed(answer):
    return (answer["assignee_id"], answer["routed_to"],
            answer["overlay"]["id"] if answer["overlay"] else None)


def test_a_compound_owned_by_a_property_company_takes_the_categories_it_covers(
        client, admin, conn, town):
    precedence(conn, "设施损坏", "owner")
    ov = add(client, admin, compound())
    inside = report(client, admin, (1, 1))
    assert routed(inside) == (None, "overlay", ov["id"])
    # Other categories still go to the grid; so does the same category outside it.
    assert routed(report(client, admin, (1, 1), "环境卫生")) == (town["A_full"], "full_time",
                                                                None)
    assert routed(report(client, admin, (1.8, 1.8))) == (town["A_full"], "full_time", None)
    # Not yet in force, or no longer: the grid.
    assert routed(report(client, admin, (1, 1), at="2025-12-31T02:00:00Z"))[1] == "full_time"
    # Why, for the dispatcher: the overlay, its unit and the precedence.
    detail = client.get(f"/api/v1/incidents/{inside['id']}", headers=admin).get_json()
    assert detail["routed_to"] == "overlay"
    assert detail["overlay"] == {"id": ov["id"], "name": "阳光花园", "kind": "compound",
                                 "unit": "company", "unit_name": "阳光物业",
                                 "unit_phone": "010-65550000", "precedence": "owner"}
    report_event = detail["history"][0]
    assert report_event["details"]["overlay_id"] == ov["id"]


def test_place_first_the_grid_answers_and_the_overlay_only_where_it_gives_nobody(
        client, admin, conn, town):
    dept = conn.execute(text("INSERT INTO departments (name, kind) VALUES"
                             " ('区市政市容委', 'department') RETURNING id")).scalar_one()
    assert conn.execute(text("SELECT precedence FROM categories WHERE code = '设施损坏'")
                        ).scalar_one() == "place"  # the default
    add(client, admin, compound())
    assert routed(report(client, admin, (1, 1))) == (town["A_full"], "full_time", None)
    # In community 2's gap (no grid), a market answered for by a department.
    market = add(client, admin, {
        "name": "黄图岗市场", "kind": "market", "unit": "department", "department": dept,
        "categories": ["设施损坏", "占道经营"], "geometry": polygon(6.2, 0.2, 7.8, 1.8),
        "valid_from": "2026-01-01"})
    assert routed(report(client, admin, (7, 1))) == (None, "overlay", market["id"])
    assert routed(report(client, admin, (7, 1), "环境卫生")) == (None, "unassigned", None)
    # The same place, owner first: the overlay before the grid.
    precedence(conn, "设施损坏", "owner")
    inner = add(client, admin, compound(name="阳光花园二期",
                                        geometry=polygon(0.8, 0.8, 1.2, 1.2)))
    # the smaller (more specific) of two overlays answers
    assert routed(report(client, admin, (1, 1))) == (None, "overlay", inner["id"])


def test_a_road_line_with_a_15_m_buffer_goes_to_its_grid(client, admin, conn, town):
    precedence(conn, "市政设施", "owner")
    (a, b), (c, d) = xy(0.2, 0.5), xy(3.8, 0.5)
    road = add(client, admin, {
        "name": "景山东街", "kind": "road", "unit": "grid", "grid": GRID_D,
        "categories": ["市政设施"], "buffer_m": 15, "valid_from": "2026-01-01",
        "geometry": {"type": "LineString", "coordinates": [[a, b], [c, d]]}})
    metre = 1 / 111.32  # of a unit (0.001 degree of latitude)
    assert routed(report(client, admin, (1, 0.5 + 10 * metre), "市政设施")) == (
        town["D_full"], "overlay", road["id"])
    assert routed(report(client, admin, (3, 0.5 - 14 * metre), "市政设施"))[1] == "overlay"
    assert routed(report(client, admin, (1, 0.5 + 16 * metre), "市政设施")) == (
        town["A_full"], "full_time", None)
    detail = client.get(f"/api/v1/overlays/{road['id']}", headers=admin).get_json()
    assert detail["buffer_m"] == 15 and detail["geometry"]["type"] == "MultiLineString"


def test_an_imported_row_routes_as_a_single_report(app, client, admin, conn, town):
    from app.extensions import db

    precedence(conn, "设施损坏", "owner")
    add(client, admin, compound(geometry=polygon(0.5, 0.5, 2.5, 1.5)))
    # Inside A (settled in process), on the A|B edge (PostGIS decides), outside.
    points = [(1, 1), (2, 1.2), (1.8, 1.8), (3, 0.5)]
    cases = [(p, cat) for p in points for cat in ("设施损坏", "环境卫生")]
    single = [routed(report(client, admin, p, cat)) for p, cat in cases]
    data = csv_bytes(*[line(f"T{i}", cat, point=p, at=MONDAY_10)
                       for i, (p, cat) in enumerate(cases)])
    opts = imports.options("t.csv", mapping=COLUMNS, strict=False)
    who = imports.Importer("test", Rules.from_config(app.config), (73.0, 3.0, 136.0, 54.0))
    result = imports.import_file(db.session.connection(), data, opts, "t.csv", who)
    assert result.loaded == len(cases), result
    rows = {r.external_id: (r.assignee_id, r.routed_to, r.overlay_id) for r in conn.execute(
        text("SELECT external_id, assignee_id, routed_to, overlay_id FROM incidents"
             " WHERE external_id IS NOT NULL"))}
    assert [rows[f"T{i}"] for i in range(len(cases))] == single
    assert {s[1] for s in single} == {"overlay", "full_time", "grid_chief"}


def test_overlays_are_edited_and_audited(client, admin, conn, town):
    ov = add(client, admin, compound())
    changed = client.patch(f"/api/v1/overlays/{ov['id']}", headers=admin,
                           json={"categories": ["设施损坏", "环境卫生"], "valid_to": "2027-01-01"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["categories"] == ["环境卫生", "设施损坏"]
    assert changed.get_json()["version"] == 2
    listed = client.get("/api/v1/overlays?at=2027-01-01", headers=admin).get_json()
    assert listed["total"] == 0
    assert client.get("/api/v1/overlays", headers=admin).get_json()["total"] == 1
    precedence(conn, "设施损坏", "owner")
    report(client, admin, (1, 1))  # routed by it: it can only be ended now
    assert client.delete(f"/api/v1/overlays/{ov['id']}", headers=admin).status_code == 409
    other = add(client, admin, compound(name="空置地块"))
    assert client.delete(f"/api/v1/overlays/{other['id']}", headers=admin).status_code == 204
    actions = conn.execute(text("SELECT action FROM audit_log WHERE entity = 'overlay'"
                                " ORDER BY id")).scalars().all()
    assert actions == ["overlay.create", "overlay.update", "overlay.create",
                       "overlay.delete"]


def test_a_planner_limited_to_community_1_sees_and_writes_only_there(client, staff, town):
    planner = staff("planner1", "planner", ["110101001001"])
    far = compound(geometry=polygon(6.2, 0.2, 7.8, 1.8))
    assert client.post("/api/v1/overlays", json=far, headers=planner).status_code == 400
    add(client, planner, compound())
    boss = staff("boss2", "admin")
    add(client, boss, far)
    assert client.get("/api/v1/overlays", headers=planner).get_json()["total"] == 1
    assert client.get("/api/v1/overlays", headers=boss).get_json()["total"] == 2


@pytest.mark.parametrize(("change", "param"), [
    ({"kind": "river"}, "kind"),
    ({"unit": "company", "company_name": ""}, "company_name"),
    ({"unit": "department", "department": 999999}, "department"),
    ({"unit": "grid", "grid": "110101001001999"}, "grid"),
    ({"categories": []}, "categories"),
    ({"categories": ["没有这类"]}, "categories"),
    ({"buffer_m": 15}, "buffer_m"),
    ({"geometry": {"type": "LineString", "coordinates": [[116.39, 39.9], [116.391, 39.9]]}},
     "buffer_m"),
    ({"geometry": {"type": "Point", "coordinates": [116.39, 39.9]}}, "geometry"),
    ({"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1],
                                                       [0, 0]]]}}, "geometry"),
    ({"valid_to": "2025-01-01"}, "valid_to"),
    ({"valid_from": "yesterday"}, "valid_from"),
    ({"name": None}, "name"),
])
def test_bad_overlays_are_refused_by_field(client, admin, change, param):
    answer = client.post("/api/v1/overlays", json=compound(**change), headers=admin)
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["error"]["details"]["param"] == param
    assert client.get("/api/v1/overlays", headers=admin).get_json()["total"] == 0


def test_an_admin_sets_a_categorys_precedence(client, admin, conn, town):
    ov = add(client, admin, compound())
    assert routed(report(client, admin, (1, 1)))[1] == "full_time"
    put = client.put("/api/v1/categories/设施损坏", json={"precedence": "owner"},
                     headers=admin)
    assert put.status_code == 200 and put.get_json()["precedence"] == "owner"
    assert routed(report(client, admin, (1, 1))) == (None, "overlay", ov["id"])
    bad = client.put("/api/v1/categories/设施损坏", json={"precedence": "first"},
                     headers=admin)
    assert bad.status_code == 400
