"""GET /api/v1/geocode, the categories and holiday tables, and how they drive deadlines."""

import datetime as dt

import pytest
from sqlalchemy import text

from tests.support.auth import bearer
from tests.support.geometries import GRID_A, GRID_D, xy
from tests.support.towns import add_building

pytestmark = pytest.mark.town("incidents")


def geocode(client, q, **extra):
    return client.get("/api/v1/geocode", query_string={"q": q, **extra})


def codes(response):
    return [r["code"] for r in response.get_json()["results"]]


def test_partial_chinese_address_ranked_with_grid(client, town):
    response = geocode(client, "景山东街12号院2号")
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert results[0]["code"] == "1101010010010010002"
    assert results[0]["grid"] == {"code": GRID_A, "name": "第一网格"}
    assert results[0]["community"]["code"] == GRID_A[:12]
    lon, lat = results[0]["lon"], results[0]["lat"]
    (x0, y0), (x1, y1) = xy(1.0, 0.5), xy(1.2, 0.7)
    assert x0 <= lon <= x1 and y0 <= lat <= y1  # a point inside the building
    assert "households" not in results[0] and "building_id" not in results[0]


def test_exact_address_comes_first(client, town, conn):
    add_building(conn, "1101010010010010003", "景山东街12号院1号楼东侧平房", (1.4, 0.5, 1.5, 0.6),
                 town["A"], town["C1"])
    assert codes(geocode(client, "景山东街12号院1号楼"))[0] == "1101010010010010001"


def test_short_queries_match_prefixes_and_names(client, town):
    assert codes(geocode(client, "黄图")) == ["1101010010020010001"]
    assert codes(geocode(client, "阳光小区")) == ["1101010010020010001"]  # by name
    assert set(codes(geocode(client, "景"))) == {"1101010010010010001", "1101010010010010002"}


def test_code_prefix_and_full_width_digits(client, town):
    assert codes(geocode(client, "110101001002")) == ["1101010010020010001"]
    assert codes(geocode(client, "景山东街１２号院１号楼"))[0] == "1101010010010010001"


def test_several_words_must_all_match(client, town):
    assert codes(geocode(client, "景山 2号楼")) == ["1101010010010010002"]


def test_wildcards_are_literal_and_nothing_found_is_empty(client, town):
    assert codes(geocode(client, "%")) == []
    assert codes(geocode(client, "景山_东")) == []
    assert codes(geocode(client, "不存在的地址")) == []


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "x" * 101}, {"q": "a\x00b"},
                                   {"q": "景山", "limit": "0"}, {"q": "景山", "colour": "x"}])
def test_bad_queries_are_400(client, town, query):
    response = client.get("/api/v1/geocode", query_string=query)
    assert response.status_code == 400 and response.get_json()["error"]["message"]


@pytest.mark.commits
def test_categories_are_public_and_admins_edit_them(client, make_user, make_token):
    listed = client.get("/api/v1/categories").get_json()["categories"]
    fire = next(c for c in listed if c["code"] == "消防隐患")
    assert fire["clock"] == "calendar" and fire["resolve_hours"] == 12
    make_user("boss", "admin")
    make_user("disp", "dispatcher")
    admin, disp = bearer(make_token("boss")), bearer(make_token("disp"))
    body = {"response_hours": 1, "resolve_hours": 6, "clock": "calendar", "name_en": "Test"}
    try:
        assert client.put("/api/v1/categories/测试类", json=body,
                          headers=disp).status_code == 403
        made = client.put("/api/v1/categories/测试类", json=body, headers=admin)
        assert made.status_code == 200 and made.get_json()["route_to"] == "grid"
        bad = client.put("/api/v1/categories/测试类", json={"resolve_hours": 0.5}, headers=admin)
        assert bad.status_code == 400  # below the response limit
        for wrong in ({"clock": "lunar"}, {"response_hours": -1}, {"active": "yes"},
                      {"colour": 1}, {"response_hours": True}):
            assert client.put("/api/v1/categories/测试类", json=wrong,
                              headers=admin).status_code == 400, wrong
        audit = client.get("/api/v1/audit?entity=category", headers=admin).get_json()
        assert audit["entries"][0]["action"] == "category.create"
    finally:
        from app.extensions import db

        db.session.rollback()
        with db.engine.begin() as c:
            c.execute(text("DELETE FROM categories WHERE code = '测试类'"))


def test_holidays_shift_working_deadlines(client, town, make_user, make_token):
    make_user("boss", "admin")
    make_user("disp", "dispatcher")
    admin, disp = bearer(make_token("boss")), bearer(make_token("disp"))
    lon, lat = xy(5, 1)
    # Friday 2025-11-21 17:00 Beijing time, 占道经营: 2 working hours to respond
    report = {"category": "占道经营", "lon": lon, "lat": lat,
              "reported_at": "2025-11-21T17:00:00+08:00"}
    first = client.post("/api/v1/incidents", json=report, headers=disp).get_json()
    assert first["grid_code"] == GRID_D
    assert dt.datetime.fromisoformat(first["response_due_at"]) == dt.datetime(
        2025, 11, 24, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 in Beijing
    assert client.put("/api/v1/holidays/2025-11-24", json={"kind": "holiday", "name": "测试"},
                      headers=admin).status_code == 200
    assert client.put("/api/v1/holidays/2025-11-24", json={"kind": "feast"},
                      headers=admin).status_code == 400
    assert client.put("/api/v1/holidays/not-a-day", json={"kind": "holiday"},
                      headers=admin).status_code == 400
    second = client.post("/api/v1/incidents", json=report, headers=disp).get_json()
    assert dt.datetime.fromisoformat(second["response_due_at"]) == dt.datetime(
        2025, 11, 25, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00
    assert client.get("/api/v1/holidays", headers=disp).get_json()["days"] == [
        {"day": "2025-11-24", "kind": "holiday", "name": "测试"}]
    assert client.delete("/api/v1/holidays/2025-11-24", headers=admin).status_code == 200
    assert client.delete("/api/v1/holidays/2025-11-24", headers=admin).status_code == 404
