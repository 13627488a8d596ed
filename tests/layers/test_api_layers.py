"""GET /api/v1/communities, /grids, /grids/<id>, /buildings: RFC 7946 output and paging."""

import pytest
from shapely.geometry import shape
from sqlalchemy import text

from tests.support.geometries import GRID_A, insert_grid, xy


def features(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    return response.get_json()


def test_grids_are_rfc7946_feature_collections(client, conn, town):
    # Store A with a clockwise exterior; the API must still answer counter-clockwise.
    conn.execute(text("UPDATE grids SET geom = ST_ForcePolygonCW(geom) WHERE code = :c"),
                 {"c": GRID_A})
    body = features(client.get("/api/v1/grids"))
    assert body["type"] == "FeatureCollection" and "crs" not in body
    assert [f["properties"]["code"] for f in body["features"]] == sorted(
        f["properties"]["code"] for f in body["features"])
    assert body["numberMatched"] == body["numberReturned"] == 4
    for feature in body["features"]:
        geom = shape(feature["geometry"])
        assert geom.geom_type == "MultiPolygon"
        assert all(p.exterior.is_ccw for p in geom.geoms)
        lon, lat = geom.representative_point().coords[0]
        assert 116 < lon < 117 and 39 < lat < 41  # lon/lat order


def test_grid_filters_community_bbox_and_paging(client, town):
    by_community = features(client.get("/api/v1/grids?community=110101001002"))
    assert [f["properties"]["code"] for f in by_community["features"]] == ["110101001002001"]
    x0, y0 = xy(0.1, 0.1)
    x1, y1 = xy(0.2, 0.2)
    in_box = features(client.get(f"/api/v1/grids?bbox={x0},{y0},{x1},{y1}"))
    assert [f["properties"]["code"] for f in in_box["features"]] == [GRID_A]
    page = features(client.get("/api/v1/grids?limit=3&offset=3"))
    assert page["numberMatched"] == 4 and page["numberReturned"] == 1
    past_end = features(client.get("/api/v1/grids?offset=10"))
    assert past_end["numberMatched"] == 4 and past_end["features"] == []


def test_grids_at_a_date_return_the_version_then_in_force(client, conn, town):
    old = insert_grid(conn, "110101001002002", "旧网格", town["C2"], (6, 0, 8, 2),
                      valid_to="2021-06-01")
    current = {f["id"] for f in features(client.get("/api/v1/grids"))["features"]}
    assert old not in current
    then = {f["id"] for f in features(client.get("/api/v1/grids?at=2021-01-01"))["features"]}
    assert old in then
    after = {f["id"] for f in features(client.get("/api/v1/grids?at=2021-06-01"))["features"]}
    assert old not in after  # valid_to is exclusive


def test_one_grid(client, town):
    response = client.get(f"/api/v1/grids/{town['A']}")
    feature = features(response)
    assert feature["type"] == "Feature"
    assert feature["properties"]["code"] == GRID_A
    assert feature["properties"]["area_m2"] == pytest.approx(2 * 85.4 * 2 * 111.0, rel=0.02)
    missing = client.get("/api/v1/grids/999999")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def test_communities(client, town):
    body = features(client.get("/api/v1/communities"))
    assert [f["properties"]["name"] for f in body["features"]] == ["景山社区", "黄图岗社区"]


def test_buildings_need_a_bbox_and_respect_the_cap(client, conn, town):
    for i in range(3):
        conn.execute(text(
            "INSERT INTO buildings (code, name, geom, households, residents, grid_id)"
            " VALUES (:code, :name, ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(:x, :y),"
            " 4326), 0.00005, 2)), 30, 80, :grid)"),
            {"code": f"110101001001001000{i}", "name": f"{i + 1}号楼",
             "x": xy(0.5 + i * 0.3, 1)[0], "y": xy(0.5, 1)[1], "grid": town["A"]})
    box = "{},{},{},{}".format(*xy(0, 0), *xy(2, 2))
    body = features(client.get(f"/api/v1/buildings?bbox={box}&limit=2"))
    assert body["numberMatched"] == 3 and body["numberReturned"] == 2
    assert body["features"][0]["properties"]["grid_code"] == GRID_A
    assert client.get("/api/v1/buildings").status_code == 400
    too_many = client.get(f"/api/v1/buildings?bbox={box}&limit=5001")
    assert too_many.status_code == 400 and "5000" in too_many.get_json()["error"]["message"]


@pytest.mark.parametrize(("url", "param"), [
    ("/api/v1/grids?bbox=1,2,3", "bbox"),
    ("/api/v1/grids?bbox=1,2,3,4,5", "bbox"),
    ("/api/v1/grids?bbox=117,39,116,40", "bbox"),
    ("/api/v1/grids?bbox=116,40,117,39", "bbox"),
    ("/api/v1/grids?bbox=a,b,c,d", "bbox"),
    ("/api/v1/grids?bbox=116,39,NaN,40", "bbox"),
    ("/api/v1/grids?bbox=-200,39,117,40", "bbox"),
    ("/api/v1/grids?limit=1001", "limit"),
    ("/api/v1/grids?limit=0", "limit"),
    ("/api/v1/grids?limit=ten", "limit"),
    ("/api/v1/grids?offset=-1", "offset"),
    ("/api/v1/grids?at=yesterday", "at"),
    ("/api/v1/grids?community=1101", "community"),
    ("/api/v1/grids?communty=110101001001", "communty"),
    ("/api/v1/communities?format=xml", "format"),
    ("/api/v1/grids/1?x=1", "x"),
])
def test_bad_parameters_are_400(client, town, url, param):
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["param"] == param
