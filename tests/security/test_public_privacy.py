"""Privacy on public routes (issue 18, build item 4): an incident seen without a key carries
no reporter, description, address or building code, and its location is coarsened to
about 100 m; every field of every public Open311 answer is inspected; an incident of a
category that is not public appears on no public route at all."""

import json
import re

import pytest
from sqlalchemy import text

from geo.places.assign import assign_incidents
from tests.security.test_route_matrix import PUBLIC, ROUTES, _fill
from tests.support.geometries import insert_incident
from tests.support.towns import add_building

pytestmark = pytest.mark.town("incidents")

ADDRESS, DESCRIPTION, PHONE = "景山东街12号院1号楼3单元502", "楼上漏水-描述", "13900000333"
# The incident's own building, found on no public building route (it lies outside the
# walked box and has a name no search below matches): its code may only leak through the
# incident.
BUILDING_CODE = "1101010010010019999"
HIDDEN = "邻里纠纷"  # not public since 0010_catpublic
# Every field a public service request may have, and what it may hold.
FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code",
          "description", "agency_responsible", "service_notice", "requested_datetime",
          "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
          "long", "media_url", "extended_attributes"}
NONE_IN_PUBLIC = {"description", "address", "address_id", "zipcode", "media_url",
                  "service_notice"}


@pytest.fixture
def town(town, conn):
    """An incident at a precise spot, with its address, building and reporter; and an
    incident of a category that is not public, reported by a resident (ABCD-EFGH)."""
    ids = town
    ids["inc"] = insert_incident(conn, 0.612345, 0.654321)
    ids["own"] = add_building(conn, BUILDING_CODE, "私宅", (20, 20, 20.1, 20.1), None, None,
                              name="私宅")
    conn.execute(text(
        "UPDATE incidents SET address = :a, description = :d, reporter_name = '王某',"
        " reporter_phone = :p, building_id = :b WHERE id = :i"),
        {"a": ADDRESS, "d": DESCRIPTION, "p": PHONE, "b": ids["own"], "i": ids["inc"]})
    ids["hidden"] = insert_incident(conn, 1.5, 1.5, category=HIDDEN)
    conn.execute(text("INSERT INTO resident_reports (reference, incident_id)"
                      " VALUES ('ABCD-EFGH', :i)"), {"i": ids["hidden"]})
    assign_incidents(conn, snap_meters=50)
    return ids


def _decimals(value: float) -> int:
    return len(repr(value).split(".")[1]) if "." in repr(value) else 0


def test_public_open311_requests_field_by_field(client, town):
    listed = client.get("/open311/v2/requests.json").get_json()
    one = client.get(f"/open311/v2/requests/{town['inc']}.json").get_json()
    assert [r["service_request_id"] for r in listed] == [str(town["inc"])]  # not "hidden"
    assert len(one) == 1
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
    assert ADDRESS not in body and BUILDING_CODE not in body
    assert "0.612345" not in body and "116.390612" not in body


def test_staff_key_still_sees_the_precise_request(client, town, staff, make_token):
    staff("dd", "dispatcher")
    key = make_token("dd")
    [request] = client.get(f"/open311/v2/requests/{town['inc']}.json?api_key={key}").get_json()
    assert request["address"] == ADDRESS and request["address_id"] == BUILDING_CODE
    assert request["description"] == DESCRIPTION
    assert _decimals(request["long"]) > 3


def _public_answers(client, town: dict):
    """(rule, body) of every public GET route of the route matrix, anonymous, with the
    incident ``town["in_1"]`` filled in where a route takes an incident."""
    for (method, rule), (need, _) in ROUTES.items():
        if method != "GET" or need != PUBLIC:
            continue
        response = client.get(_fill(rule, town))
        body = response.get_data(as_text=True)
        response.close()
        if response.is_json:
            body = json.dumps(response.get_json(), ensure_ascii=False)
        yield rule, body


def test_no_public_route_shows_an_incidents_private_fields(app, client, town):
    town.update(plan=0, in_1=town["inc"])
    for rule, body in _public_answers(client, town):
        for value in (ADDRESS, DESCRIPTION, PHONE, "王某", BUILDING_CODE, "私宅",
                      "116.390612", "39.900654"):
            assert value not in body, (rule, value)


def test_no_public_route_shows_a_non_public_category(app, client, town, staff):
    """Neither the incident nor its category name: not in Open311's lists or by its number,
    not on the map page, in the category list, the services or a report's status."""
    town.update(plan=0, in_1=town["hidden"])
    seen = 0
    for rule, body in _public_answers(client, town):
        assert HIDDEN not in body and "Neighbour dispute" not in body, rule
        seen += rule.startswith("/open311/v2/requests")
    assert seen == 2
    for path in (f"/open311/v2/requests/{town['hidden']}.json",
                 f"/open311/v2/tokens/{town['hidden']}.json"):
        assert client.get(path).status_code == 404, path
    # The walk bites: a key that may read incidents sees it, by number and in the list.
    key = staff("dd", "dispatcher")["Authorization"].split()[1]
    listed = client.get(f"/open311/v2/requests.json?api_key={key}").get_data(as_text=True)
    assert HIDDEN in listed
    assert client.get(f"/open311/v2/requests/{town['hidden']}.json?api_key={key}"
                      ).status_code == 200
