"""Odd input gets a 4xx, never a 500 (issue 18, finding 7): an ``offset`` beyond bigint on
every listing, a NUL byte in Open311's service code or path, odd values on ``/ogc``."""

import pytest

from tests.support.towns import build_incident_town

HUGE = ["9223372036854775808", "99999999999999999999999", str(2**31), "-1", "1e400", "NaN"]
LISTINGS = ["/api/v1/grids", "/api/v1/communities", "/api/v1/incidents", "/api/v1/plans",
            "/api/v1/audit"]


@pytest.fixture
def admin(conn, staff):
    build_incident_town(conn)
    return staff("odd-admin", "admin")


@pytest.mark.parametrize("path", LISTINGS)
def test_an_offset_beyond_bigint_is_a_400(client, admin, path):
    for value in HUGE:
        response = client.get(path, query_string={"offset": value}, headers=admin)
        assert response.status_code == 400, (value, response.get_data(as_text=True)[:300])
    assert client.get(path, query_string={"offset": 2**31 - 1}, headers=admin).status_code == 200


@pytest.mark.parametrize("path", [
    "/open311/v2/requests.json?service_code=a%00b",
    "/open311/v2/requests.json?service_request_id=1%00",
    "/open311/v2/requests.json?status=open%00",
    "/open311/v2/services/a%00b.json",
    "/open311/v2/services/%00.xml",
    "/open311/v2/requests/1%00.json",
    "/open311/v2/tokens/a%00.json",
    "/open311/v2/requests.json?jurisdiction_id=%00",
])
def test_a_nul_byte_in_open311_is_a_4xx(client, admin, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]


def test_a_nul_byte_in_an_open311_post_is_a_4xx(client, admin):
    response = client.post("/open311/v2/requests.json",
                           data={"service_code": "a\x00b", "lat": "39.9", "long": "116.4",
                                 "description": "x\x00y"})
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("path", [
    "/ogc/collections/grids/items?offset=9223372036854775808",
    "/ogc/collections/grids/items?limit=9223372036854775808",
    "/ogc/collections/grids/items?bbox=1e400,0,1,1",
    "/ogc/collections/grids/items?bbox=nan,nan,nan,nan",
    "/ogc/collections/grids/items?datetime=%00",
    "/ogc/collections/grids/items?code=%00",
    "/ogc/collections/grids/items/%00",
    "/ogc/collections/grids/items/99999999999999999999999",
    "/ogc/collections/%00/items",
    "/ogc/collections/grids/items?bbox-crs=%00",
    "/ogc/collections/grids/items?crs=%00",
    "/ogc/collections/grids/items?f=%00",
])
def test_odd_ogc_input_is_no_5xx(client, admin, path):
    response = client.get(path)  # a limit above the maximum is served as the maximum
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
