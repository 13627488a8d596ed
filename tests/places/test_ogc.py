"""OGC API – Features under /ogc: documents, links, paging, filters, errors, formats."""

import json

import pytest
from sqlalchemy import text

from app import create_app
from geo.places.features import CRS84
from tests.support.auth import bearer
from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_B, GRID_D, xy

pytestmark = pytest.mark.town("redrawn")

EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"


def get(client, path, **kwargs):
    response = client.get(path, **kwargs)
    return response, response.get_json(silent=True)


def rels(body) -> dict:
    return {link["rel"]: link for link in body["links"]}


def test_landing_conformance_and_api_definition(client, town):
    response, body = get(client, "/ogc/")
    assert response.status_code == 200 and response.mimetype == "application/json"
    links = rels(body)
    assert links["service-desc"]["href"] == "http://localhost/ogc/api"
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert links["data"]["href"] == "http://localhost/ogc/collections"
    assert links["conformance"]["href"].startswith("http://")
    assert get(client, "/ogc")[0].status_code == 200  # no redirect without the slash
    _, conf = get(client, "/ogc/conformance")
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in conf["conformsTo"]
    response = client.get("/ogc/api")
    assert response.headers["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    doc = json.loads(response.data)
    assert doc["servers"][0]["url"] == "http://localhost/ogc"
    bbox = next(p for p in doc["paths"]["/collections/grids/items"]["get"]["parameters"]
                if p["name"] == "bbox")
    assert bbox["schema"]["type"] == "array" and bbox["explode"] is False
    limit = next(p for p in doc["paths"]["/collections/grids/items"]["get"]["parameters"]
                 if p["name"] == "limit")
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 10000,
                               "default": 100}


def test_collections_hide_incidents_from_the_public(client, town, make_user, make_token):
    _, body = get(client, "/ogc/collections")
    assert [c["id"] for c in body["collections"]] == ["communities", "grids", "buildings"]
    grids = body["collections"][1]
    west, south, east, north = grids["extent"]["spatial"]["bbox"][0]
    assert (west, south) == pytest.approx(xy(0, 0)) and (east, north) == pytest.approx(xy(6, 2))
    assert grids["extent"]["temporal"]["interval"][0] == ["2020-01-01T00:00:00Z", None]
    assert grids["crs"][0] == CRS84
    _, one = get(client, "/ogc/collections/grids")
    assert one["extent"] == grids["extent"] and one["title"] == grids["title"]
    assert client.get("/ogc/collections/incidents").status_code == 401
    assert client.get("/ogc/collections/incidents/items").status_code == 401
    assert client.get("/ogc/collections/nothing").status_code == 404

    make_user("viewer1", "viewer")
    token = make_token("viewer1")
    _, staff = get(client, "/ogc/collections", headers=bearer(token))
    assert [c["id"] for c in staff["collections"]][-1] == "incidents"


def test_items_paging_links_and_counts(client, town):
    response, page = get(client, "/ogc/collections/grids/items?limit=2")
    assert response.mimetype == "application/geo+json"
    assert response.headers["Content-Crs"] == f"<{CRS84}>"
    assert page["numberMatched"] == 4 and page["numberReturned"] == 2
    assert [f["properties"]["code"] for f in page["features"]] == [GRID_A, GRID_B]
    links = rels(page)
    assert "prev" not in links and links["self"]["type"] == "application/geo+json"
    assert links["next"]["href"] == ("http://localhost/ogc/collections/grids/items"
                                     "?limit=2&offset=2")
    _, second = get(client, links["next"]["href"].replace("http://localhost", ""))
    assert second["numberReturned"] == 2 and "next" not in rels(second)
    assert "offset" not in rels(second)["prev"]["href"]
    assert page["timeStamp"].endswith("Z")
    # a limit above the maximum is served as the maximum (the standard: no error)
    response, capped = get(client, "/ogc/collections/grids/items?limit=999999")
    assert response.status_code == 200 and capped["numberReturned"] == 4


def test_bbox_datetime_and_code_filters(client, town):
    box = "{},{},{},{}".format(*xy(4.5, 0.5), *xy(5, 1))
    _, page = get(client, f"/ogc/collections/grids/items?bbox={box}")
    assert [f["properties"]["code"] for f in page["features"]] == [GRID_D]
    _, old = get(client, "/ogc/collections/grids/items?datetime=2022-06-01&code=" + GRID_B)
    assert [f["id"] for f in old["features"]] == [town["B_old"]]
    _, now = get(client, "/ogc/collections/grids/items?code=" + GRID_B)
    assert [f["id"] for f in now["features"]] == [town["B"]]
    _, every = get(client, "/ogc/collections/grids/items?datetime=../..&code=" + GRID_B)
    assert every["numberMatched"] == 2
    _, span = get(client, "/ogc/collections/grids/items?datetime=2023-12-01/2024-02-01"
                          "&code=" + GRID_B)
    assert span["numberMatched"] == 2
    _, by_community = get(client, f"/ogc/collections/buildings/items?community_code="
                                  f"{COMMUNITY_1}")
    assert by_community["numberMatched"] == 2
    assert by_community["features"][0]["id"] == "1101010010010010001"
    # communities have no time: datetime is accepted and every feature kept
    _, communities = get(client, "/ogc/collections/communities/items?datetime=2000-01-01")
    assert communities["numberMatched"] == 2


def test_crs_by_reference_swaps_axes(client, town):
    url = f"/ogc/collections/grids/items/{town['A']}"
    _, plain = get(client, url)
    response, swapped = get(client, f"{url}?crs={EPSG4326}")
    assert response.headers["Content-Crs"] == f"<{EPSG4326}>"
    lon, lat = plain["geometry"]["coordinates"][0][0][0]
    assert swapped["geometry"]["coordinates"][0][0][0] == [lat, lon]
    # a bbox given latitude first with bbox-crs
    (x0, y0), (x1, y1) = xy(4.5, 0.5), xy(5, 1)
    _, page = get(client, f"/ogc/collections/grids/items?bbox={y0},{x0},{y1},{x1}"
                          f"&bbox-crs={EPSG4326}")
    assert [f["properties"]["code"] for f in page["features"]] == [GRID_D]


def test_one_feature_with_links(client, town):
    response, feature = get(client, "/ogc/collections/communities/items/" + COMMUNITY_1)
    assert response.status_code == 200 and feature["id"] == COMMUNITY_1
    assert rels(feature)["collection"]["href"] == "http://localhost/ogc/collections/communities"
    _, old = get(client, f"/ogc/collections/grids/items/{town['B_old']}")
    assert old["properties"]["valid_to"] == "2024-01-01"
    for missing in ("/ogc/collections/grids/items/999999", "/ogc/collections/grids/items/x1",
                    "/ogc/collections/communities/items/abc"):
        response, body = get(client, missing)
        assert response.status_code == 404 and body["code"] == "not_found", missing


@pytest.mark.parametrize(("query", "param"), [
    ("ooga=booga", "ooga"), ("limit=unlimited", "limit"), ("limit=0", "limit"),
    ("offset=-1", "offset"), ("bbox=1,2,3", "bbox"), ("bbox=117,39,116,40", "bbox"),
    ("bbox=a,b,c,d", "bbox"), ("datetime=yesterday", "datetime"),
    ("datetime=2024-02-01/2024-01-01", "datetime"), ("datetime=a/b/c", "datetime"),
    ("crs=EPSG:3857", "crs"), ("bbox-crs=urn:x", "bbox-crs"), ("code=12", "code"),
    ("community_code=1101", "community_code"), ("grid_code=" + GRID_A, "grid_code"),
    ("f=xml", "f"), ("offset=" + "9" * 400, "offset"), ("limit=1.5", "limit"),
])
def test_bad_parameters_are_400(client, town, query, param):
    response, body = get(client, f"/ogc/collections/grids/items?{query}")
    assert response.status_code == 400, query
    assert body["code"] == "invalid_input" and body["description"]
    assert body["error"]["details"]["param"] == param


@pytest.mark.commits
def test_incidents_for_staff_within_their_communities(client, town, make_user, make_token):
    from tests.support.geometries import COMMUNITY_2

    for x in (1, 5):
        lon, lat = xy(x, 1.5)
        conn_insert_incident(client.application, lon, lat)
    make_user("member1", "viewer", communities=[COMMUNITY_2])
    token = make_token("member1")
    _, page = get(client, "/ogc/collections/incidents/items", headers=bearer(token))
    assert page["numberMatched"] == 1
    props = page["features"][0]["properties"]
    assert props["community_code"] == COMMUNITY_2
    assert not {"reporter_name", "reporter_phone"} & set(props)
    body = json.dumps(page, ensure_ascii=False)
    assert "13800000000" not in body and "王先生" not in body
    other = page["features"][0]["id"] - 1
    response = client.get(f"/ogc/collections/incidents/items/{other}", headers=bearer(token))
    assert response.status_code == 404


def conn_insert_incident(app, lon, lat):
    from app.extensions import db

    with db.engine.begin() as conn:
        incident = conn.execute(text(
            "INSERT INTO incidents (category, geom, reported_at, status, priority, source,"
            " reporter_name, reporter_phone) VALUES ('环境卫生', ST_SetSRID(ST_MakePoint(:x, :y),"
            " 4326), now(), 'reported', 2, 'hotline', '王先生', '13800000000') RETURNING id"),
            {"x": lon, "y": lat}).scalar_one()
        conn.execute(text(
            "INSERT INTO incident_locations (incident_id, grid_id, community_id, state)"
            " SELECT :i, g.id, g.community_id, 'covered' FROM grids g"
            " WHERE g.valid_to IS NULL AND ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(:x, :y),"
            " 4326)) ORDER BY g.code LIMIT 1"), {"i": incident, "x": lon, "y": lat})


def test_html_by_accept_header_or_f(client, town):
    page = client.get("/ogc/collections/grids/items", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert GRID_A in html and "第一网格" in html and 'data-geojson="http://localhost/ogc' in html
    assert client.get("/ogc/?f=html").mimetype == "text/html"
    assert client.get("/ogc/", headers={"Accept": "*/*"}).mimetype == "application/json"
    for path in ("/ogc/conformance", "/ogc/collections", "/ogc/collections/grids",
                 "/ogc/api", f"/ogc/collections/grids/items/{town['A']}"):
        response = client.get(f"{path}?f=html")
        assert response.status_code == 200 and response.mimetype == "text/html", path


@pytest.mark.commits
def test_links_follow_the_proxy_headers(_app, database_url, town):
    proxied = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                          "SECRET_KEY": "test", "PROXY_FIX_HOPS": 1,
                          "RATELIMIT_ENABLED": False})
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gis.example.cn",
               "X-Forwarded-Port": "443", "X-Forwarded-Prefix": "/gridmap"}
    with proxied.test_client() as client:
        body = client.get("/ogc/collections/grids/items?limit=1", headers=headers).get_json()
    assert rels(body)["next"]["href"].startswith(
        "https://gis.example.cn/gridmap/ogc/collections/grids/items?")
    # without PROXY_FIX_HOPS the forwarded headers are not trusted
    with _app.test_client() as client:
        body = client.get("/ogc/", headers=headers).get_json()
    assert rels(body)["data"]["href"] == "http://localhost/ogc/collections"
