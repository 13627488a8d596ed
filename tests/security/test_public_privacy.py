"""Privacy on public routes (issue 18, build item 4): an incident seen without a key carries
no reporter, description, address or building code, and its location is coarsened to
about 100 m; every field of every public Open311 answer is inspected."""

import json
import re

import pytest
from sqlalchemy import text

from geo.places.assign import assign_incidents
from tests.security.test_route_matrix import PUBLIC, ROUTES, _fill
from tests.support.geometries import insert_incident

pytestmark = pytest.mark.town("incidents")

ADDRESS, DESCRIPTION, PHONE = "景山东街12号院1号楼3单元502", "楼上漏水-描述", "13900000333"
# Every field a public service request may have, and what it may hold.
FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code",
          "description", "agency_responsible", "service_notice", "requested_datetime",
          "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
          "long", "media_url", "extended_attributes"}
NONE_IN_PUBLIC = {"description", "address", "address_id", "zipcode", "media_url",
                  "service_notice"}


@pytest.fixture
def town(town, conn):
    """An incident at a precise spot inside building bA, with its address and reporter."""
    ids = town
    ids["inc"] = insert_incident(conn, 0.612345, 0.654321)
    conn.execute(text(
        "UPDATE incidents SET address = :a, description = :d, reporter_name = '王某',"
        " reporter_phone = :p, building_id = :b WHERE id = :i"),
        {"a": ADDRESS, "d": DESCRIPTION, "p": PHONE, "b": ids["bA"], "i": ids["inc"]})
    assign_incidents(conn, snap_meters=50)
    return ids


def _decimals(value: float) -> int:
    return len(repr(value).split(".")[1]) if "." in repr(value) else 0


def test_public_open311_requests_field_by_field(client, town):
    listed = client.get("/open311/v2/requests.json").get_json()
    one = client.get(f"/open311/v2/requests/{town['inc']}.json").get_json()
    assert len(listed) == 1 and len(one) == 1
    for request in (*listed, *one):
        assert set(request) == FIELDS
        for name in NONE_IN_PUBLIC:
            assert request[name] is None, name
        assert _decimals(request["lat"]) <= 3 and _decimals(request["long"]) <= 3
        assert set(request["extended_attributes"]) == {"grid_code", "grid_name",
                                                       "community_code", "community_name"}
        for name in FIELDS - NONE_IN_PUBLIC - {"extended_attributes", "lat", "long"}:
            value = request[name]
            assert value is None or isinstance(value, str), name
            assert not value or not re.search(r"\d{11}|号院|单元", value), (name, value)


def test_public_open311_xml_has_no_address_nor_precise_location(client, town):
    body = client.get("/open311/v2/requests.xml").get_data(as_text=True)
    assert ADDRESS not in body and "1101010010010010001" not in body
    assert "0.612345" not in body and "116.390612" not in body


def test_staff_key_still_sees_the_precise_request(client, town, staff, make_token):
    staff("dd", "dispatcher")
    key = make_token("dd")
    [request] = client.get(f"/open311/v2/requests/{town['inc']}.json?api_key={key}").get_json()
    assert request["address"] == ADDRESS and request["address_id"] == "1101010010010010001"
    assert request["description"] == DESCRIPTION
    assert _decimals(request["long"]) > 3


def test_no_public_route_shows_an_incidents_private_fields(app, client, town):
    town.update(plan=0, in_1=town["inc"])
    for (method, rule), (need, _) in ROUTES.items():
        if method != "GET" or need != PUBLIC:
            continue
        response = client.get(_fill(rule, town))
        body = response.get_data(as_text=True)
        response.close()
        if response.is_json:
            body = json.dumps(response.get_json(), ensure_ascii=False)
        for value in (ADDRESS, DESCRIPTION, PHONE, "王某", "116.390612", "39.900654"):
            assert value not in body, (rule, value)
