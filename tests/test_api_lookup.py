"""GET /api/v1/lookup over the tiny town of tests/geometries.py."""

import pytest
from sqlalchemy import text

from geo.crs import from_wgs84
from tests.geometries import build_town, xy

PRIVATE_PHONE = "13912345678"


@pytest.fixture
def town(conn):
    ids = build_town(conn)
    workers = [("张伟", "full_time", "010-65001111", ids["A"], True),
               ("李娜", "grid_chief", "010-65002222", ids["A"], True),
               ("王强", "part_time", None, ids["A"], False),
               ("赵敏", "full_time", "010-65003333", ids["D"], True)]
    for name, role, phone, grid, active in workers:
        conn.execute(text(
            "INSERT INTO grid_members (name, role, public_phone, private_phone, service_hours,"
            " grid_id, active) VALUES (:n, :r, :p, :pp, '周一至周五 9:00-17:30', :g, :a)"),
            {"n": name, "r": role, "p": phone, "pp": PRIVATE_PHONE, "g": grid, "a": active})
    return ids


def get(client, **query):
    return client.get("/api/v1/lookup", query_string=query)


def test_point_inside_a_grid(client, town):
    lon, lat = xy(1, 1.5)
    response = get(client, lon=lon, lat=lat)
    assert response.status_code == 200
    body = response.get_json()
    assert body["grid"]["code"] == "110101001001001"
    assert body["community"]["code"] == "110101001001"
    assert body["community"]["office_address"] == "东华门大街1号"
    assert body["snapped"] is False and body["distance_m"] is None
    # active workers only, the grid chief first, public fields only
    assert [w["name"] for w in body["workers"]] == ["李娜", "张伟"]
    assert set(body["workers"][0]) == {"name", "role", "public_phone", "masked_phone",
                                       "service_hours"}
    assert PRIVATE_PHONE not in response.get_data(as_text=True)
    assert "private" not in response.get_data(as_text=True)


def test_point_on_a_shared_vertex_always_gets_the_lowest_code(client, town):
    lon, lat = xy(2, 1)
    codes = {get(client, lon=lon, lat=lat).get_json()["grid"]["code"] for _ in range(5)}
    assert codes == {"110101001001001"}


def test_point_in_a_gap_near_a_grid_is_snapped(client, town):
    body = get(client, lon=xy(6.2, 1)[0], lat=xy(6.2, 1)[1]).get_json()
    assert body["grid"]["code"] == "110101001002001"
    assert body["snapped"] is True
    assert 15 < body["distance_m"] < 20
    assert [w["name"] for w in body["workers"]] == ["赵敏"]


def test_point_in_a_community_but_no_grid(client, town):
    response = get(client, lon=xy(7.5, 1)[0], lat=xy(7.5, 1)[1])
    assert response.status_code == 200
    body = response.get_json()
    assert body["grid"] is None and body["workers"] == []
    assert body["community"]["name"] == "黄图岗社区"


def test_point_outside_everything_is_404_with_a_message(client, town):
    response = get(client, lon=xy(20, 1)[0], lat=xy(20, 1)[1])
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and "outside" in error["message"]


def test_gcj02_input_is_converted_before_lookup(client, town):
    lon, lat = xy(1, 1.5)
    g_lon, g_lat = from_wgs84(lon, lat, "gcj02")
    assert get(client, lon=g_lon, lat=g_lat, crs="gcj02").get_json()["grid"]["code"] == \
        "110101001001001"
    # The same numbers taken as WGS-84 land hundreds of metres away: outside the town.
    assert get(client, lon=g_lon, lat=g_lat).status_code == 404


@pytest.mark.parametrize(("query", "param", "words"), [
    ({"lat": "39.9"}, "lon", "missing"),
    ({"lon": "116.4"}, "lat", "missing"),
    ({"lon": "abc", "lat": "39.9"}, "lon", "number"),
    ({"lon": "116.4", "lat": "NaN"}, "lat", "finite"),
    ({"lon": "Infinity", "lat": "39.9"}, "lon", "finite"),
    ({"lon": "116.4", "lat": "-91"}, "lat", "-90..90"),
    ({"lon": "200", "lat": "39.9"}, "lon", "-180..180"),
    ({"lon": "39.9", "lat": "116.4"}, "lat", "swapped"),
    ({"lon": "39.9", "lat": "80.2"}, "lat", "swapped"),  # in range, but swapped is in China
    ({"lon": "116.4", "lat": "39.9", "crs": "mars"}, "crs", "wgs84"),
    ({"lon": "116.4", "lat": "39.9", "radius": "5"}, "radius", "unknown"),
    ({"lon": "", "lat": "39.9"}, "lon", "missing"),
])
def test_bad_coordinates_are_400_naming_the_parameter(client, town, query, param, words):
    response = client.get("/api/v1/lookup", query_string=query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["details"]["param"] == param
    assert words in error["message"]
