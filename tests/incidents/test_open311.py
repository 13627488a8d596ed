"""Open311 GeoReport v2 under /open311/v2: answers checked against the standard's JSON
Schemas (../shared/data), XML, intake through POST with an API key, errors, defaults; and
the ``georeport`` client from PyPI against a live server."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import text

from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_D, xy

SCHEMAS = "open311_georeport_v2_schemas__open311_schema-validation"
CHICAGO = ("chicago_open311_sample__michaelkunc_broken_windows_chicago/"
           "chicago_open311_requests_2014_sample.json")
BASE = "/open311/v2"

pytestmark = pytest.mark.town("incidents")


@pytest.fixture
def town(town, conn):
    """The incident town with an open, a closed and a 120-day-old incident."""
    ids = town
    now = dt.datetime.now(dt.UTC)
    ids["open"] = _incident(conn, 1, 1, now - dt.timedelta(days=1), "dispatched")
    ids["closed"] = _incident(conn, 4.5, 1, now - dt.timedelta(days=2), "closed")
    ids["old"] = _incident(conn, 1, 1.5, now - dt.timedelta(days=120), "reported")
    return ids


def _incident(conn, x, y, reported_at, status) -> int:
    lon, lat = xy(x, y)
    incident = conn.execute(text(
        "INSERT INTO incidents (category, description, geom, address, reported_at, status,"
        " priority, source, reporter_name, reporter_phone, due_at) VALUES ('环境卫生',"
        " '王先生 13800000000 反映楼道堆物', ST_SetSRID(ST_MakePoint(:x, :y), 4326),"
        " '景山东街12号', :at, :status, 2, 'hotline', '王先生', '13800000000', :at + interval"
        " '1 day') RETURNING id"), {"x": lon, "y": lat, "at": reported_at, "status": status}
    ).scalar_one()
    conn.execute(text(
        "INSERT INTO incident_locations (incident_id, grid_id, community_id, state)"
        " SELECT :i, g.id, g.community_id, 'covered' FROM grids g WHERE g.valid_to IS NULL"
        " AND ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
        " ORDER BY g.code LIMIT 1"), {"i": incident, "x": lon, "y": lat})
    return incident


@pytest.fixture
def validate(shared_data):
    """``validate(instance, "requests.json")`` against the standard's schemas (draft 4)."""
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    folder = shared_data / SCHEMAS
    schemas = {p.name: json.loads(p.read_text()) for p in folder.glob("*.json")
               if p.name != "swagger.json"}
    registry = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT4))
        for name, schema in schemas.items())

    def check(instance, name):
        Draft4Validator(schemas[name], registry=registry).validate(instance)
        for entry in instance if isinstance(instance, list) else [instance]:
            for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
                if entry.get(key):  # the schemas say date-time: W3C with a zone
                    assert dt.datetime.fromisoformat(entry[key]).tzinfo is not None

    return check


def get(client, path, **kwargs):
    response = client.get(f"{BASE}/{path}", **kwargs)
    return response, response.get_json(silent=True)


def test_services_and_definitions_validate(client, town, validate):
    response, services = get(client, "services.json")
    assert response.status_code == 200
    validate(services, "services.json")
    codes = [s["service_code"] for s in services]
    assert "环境卫生" in codes and all(s["type"] == "realtime" for s in services)
    _, definition = get(client, "services/环境卫生.json")
    validate(definition, "service-definition.json")
    crs = definition["attributes"][0]
    assert crs["code"] == "crs" and [v["key"] for v in crs["values"]][2] == "gcj02"
    xml = ET.fromstring(client.get(f"{BASE}/services.xml").data)
    assert xml.tag == "services" and xml.find("service/service_code").text == codes[0]
    assert xml.find("service/metadata").text == "true"
    response, body = get(client, "services/无此类别.json")
    assert response.status_code == 404 and body[0]["code"] == 404


def test_requests_default_window_status_and_grid_extension(client, town, validate):
    response, found = get(client, "requests.json")
    assert response.status_code == 200
    validate(found, "requests.json")
    # the default window is the last 90 days: the 120-day-old request is left out
    assert [r["service_request_id"] for r in found] == [str(town["open"]), str(town["closed"])]
    first = found[0]
    assert first["status"] == "open" and first["status_notes"].startswith("已派遣")
    assert first["extended_attributes"]["grid_code"] == GRID_A
    assert first["extended_attributes"]["community_code"] == COMMUNITY_1
    assert (first["long"], first["lat"]) == pytest.approx(xy(1, 1))
    assert found[1]["status"] == "closed"
    assert found[1]["extended_attributes"]["grid_code"] == GRID_D
    body = json.dumps(found, ensure_ascii=False)
    assert "13800000000" not in body and "王先生" not in body  # no reporter, no description
    assert first["description"] is None

    _, closed = get(client, "requests.json?status=closed")
    assert [r["service_request_id"] for r in closed] == [str(town["closed"])]
    _, by_id = get(client, f"requests.json?service_request_id={town['old']},{town['open']}"
                           "&status=closed")
    assert {r["service_request_id"] for r in by_id} == {str(town["old"]), str(town["open"])}
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(days=150)).isoformat()
    _, older = get(client, "requests.json", query_string={"start_date": start})
    assert [r["service_request_id"] for r in older] == [str(town["old"])]
    _, none = get(client, "requests.json?service_code=噪音扰民")
    assert none == []
    _, paged = get(client, "requests.json?page_size=1&page=2")
    assert [r["service_request_id"] for r in paged] == [str(town["closed"])]


def test_request_xml_and_one_request(client, town, validate):
    root = ET.fromstring(client.get(f"{BASE}/requests.xml").data)
    assert root.tag == "service_requests"
    first = root.find("request")
    assert first.find("service_request_id").text == str(town["open"])
    assert first.find("extended_attributes/grid_code").text == GRID_A
    _, one = get(client, f"requests/{town['closed']}.json")
    validate(one, "requests.json")
    assert one[0]["status"] == "closed"
    _, tokens = get(client, f"tokens/{town['open']}.json")
    assert tokens == [{"service_request_id": str(town["open"]), "token": str(town["open"])}]


def test_a_key_shows_descriptions(client, town, make_user, make_token):
    make_user("viewer1", "viewer")
    key = make_token("viewer1")
    _, found = get(client, f"requests/{town['open']}.json?api_key={key}")
    assert found[0]["description"].endswith("反映楼道堆物")
    response, body = get(client, "requests.json?api_key=gm_wrong")
    assert response.status_code == 403 and body[0]["code"] == 403


@pytest.mark.parametrize(("query", "words"), [
    ("start_date=yesterday", "start_date"),
    ("start_date=2025-01-01T00:00:00Z&end_date=2025-06-01T00:00:00Z", "90 days"),
    ("start_date=2025-06-01T00:00:00Z&end_date=2025-01-01T00:00:00Z", "before"),
    ("status=pending", "status"), ("service_request_id=1;DROP", "service_request_id"),
    ("page_size=1001", "page_size"), ("format=xml", "format"),
])
def test_bad_queries_in_the_error_format(client, town, query, words):
    response, body = get(client, f"requests.json?{query}")
    assert response.status_code == 400
    assert body[0]["code"] == 400 and words in body[0]["description"]
    xml = client.get(f"{BASE}/requests.xml?{query}")
    root = ET.fromstring(xml.data)
    assert xml.status_code == 400 and root.tag == "errors"
    assert root.find("error/code").text == "400"


def test_unknown_format_and_request(client, town):
    response, body = get(client, "requests.csv")
    assert response.status_code == 404 and "json or .xml" in body[0]["description"]
    response, body = get(client, "requests/99999.json")
    assert response.status_code == 404 and body[0]["code"] == 404


def count(conn) -> int:
    return conn.execute(text("SELECT count(*) FROM incidents")).scalar_one()


def test_post_creates_an_incident_through_intake(client, town, conn, make_user, make_token):
    make_user("disp", "dispatcher")
    key = make_token("disp")
    lon, lat = xy(4.5, 1.2)
    response = client.post(f"{BASE}/requests.json", data={
        "api_key": key, "service_code": "环境卫生", "lat": str(lat), "long": str(lon),
        "description": "路灯不亮", "first_name": "李", "last_name": "雷",
        "phone": "13700000000", "email": "li@example.cn"})
    assert response.status_code == 201, response.data
    created = response.get_json()[0]
    row = conn.execute(text(
        "SELECT i.source, i.reporter_name, i.reporter_phone, g.code AS grid,"
        " (SELECT count(*) FROM incident_events e WHERE e.incident_id = i.id) AS events"
        " FROM incidents i JOIN incident_locations l ON l.incident_id = i.id"
        " JOIN grids g ON g.id = l.grid_id WHERE i.id = :i"),
        {"i": int(created["service_request_id"])}).one()
    assert tuple(row) == ("resident", "李 雷", "13700000000", GRID_D, 1)
    _, shown = get(client, f"requests/{created['service_request_id']}.json")
    assert shown[0]["extended_attributes"]["grid_code"] == GRID_D
    # by building code (address_id), answered in XML
    xml = client.post(f"{BASE}/requests.xml", data={
        "api_key": key, "service_code": "环境卫生", "address_id": "1101010010010010002"})
    assert xml.status_code == 201
    assert ET.fromstring(xml.data).find("request/service_request_id").text


def test_post_with_gcj02_coordinates(client, town, conn, make_user, make_token):
    from geo.core.crs import from_wgs84

    make_user("disp", "dispatcher")
    key = make_token("disp")
    lon, lat = from_wgs84(*xy(1, 0.5), "gcj02")  # a phone map picker's coordinates
    response = client.post(f"{BASE}/requests.json", data={
        "api_key": key, "service_code": "环境卫生", "lat": str(lat), "long": str(lon),
        "attribute[crs]": "gcj02"})
    assert response.status_code == 201
    _, shown = get(client, f"requests/{response.get_json()[0]['service_request_id']}.json"
                          f"?api_key={key}")  # a key sees the precise point
    assert (shown[0]["long"], shown[0]["lat"]) == pytest.approx(xy(1, 0.5), abs=2e-5)


@pytest.mark.parametrize(("form", "status", "words"), [
    ({"service_code": "环境卫生", "lat": "39.9005", "long": "116.391"}, 403, "api_key"),
    ({"api_key": "gm_nope", "service_code": "环境卫生", "lat": "39.9005", "long": "116.391"},
     403, "api_key"),
    ({"service_code": "不存在", "lat": "39.9005", "long": "116.391"}, 400, "service_code"),
    ({"service_code": "环境卫生"}, 400, "location"),
    ({"service_code": "环境卫生", "lat": "39.9005"}, 400, "long"),
    ({"service_code": "环境卫生", "lat": "116.391", "long": "39.9005"}, 400, "swapped"),
    ({"service_code": "环境卫生", "lat": "39.9005", "long": "116.391", "colour": "red"},
     400, "colour"),
    ({"service_code": "环境卫生", "lat": "39.9005", "long": "116.391",
      "attribute[crs]": "mars"}, 400, "crs"),
    ({"service_code": "环境卫生", "lat": "39.9005", "long": "116.391",
      "description": "x" * 4001}, 400, "description"),
    ({"service_code": "环境卫生", "address_id": "9999999999999999999"}, 404, "building"),
])
def test_post_refusals_store_nothing(client, town, conn, make_user, make_token, form, status,
                                     words):
    make_user("disp", "dispatcher")
    key = make_token("disp")
    before = count(conn)
    data = {"api_key": key, **form} if "api_key" not in form and status != 403 else form
    response = client.post(f"{BASE}/requests.json", data=data)
    assert response.status_code == status, response.data
    assert words in response.get_json()[0]["description"]
    assert count(conn) == before


def test_post_needs_a_dispatcher_key(client, town, conn, make_user, make_token):
    make_user("viewer1", "viewer")
    key = make_token("viewer1")
    response = client.post(f"{BASE}/requests.json", data={
        "api_key": key, "service_code": "环境卫生", "lat": "39.9005", "long": "116.391"})
    assert response.status_code == 403 and count(conn) == 3


def test_discovery(client, validate):
    _, body = get(client, "discovery.json")
    endpoint = body["endpoints"][0]
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = ET.fromstring(client.get(f"{BASE}/discovery.xml").data)
    assert root.find("endpoints/endpoint/formats/format").text == "text/xml"


def test_fields_are_those_a_live_endpoint_returns(client, town, shared_data):
    """Our requests use the standard's fields and the extension Chicago's live endpoint
    uses (extended_attributes), nothing else."""
    schema = json.loads((shared_data / SCHEMAS / "request.json").read_text())
    chicago = json.loads((shared_data / CHICAGO).read_text())
    known = set(schema["properties"]) | {k for r in chicago for k in r}
    _, found = get(client, "requests.json")
    assert set(found[0]) <= known
    assert isinstance(chicago[0]["extended_attributes"], dict)


def test_georeport_client_reads_json_and_xml(live_server, town, conn):
    from georeport import GeoReport

    before = count(conn)
    root = f"{live_server}{BASE}"
    as_json, as_xml = GeoReport(root), GeoReport(root, output_format="xml")
    services = as_json.get_service_list()
    assert "环境卫生" in [s["service_code"] for s in services]
    assert [s["service_code"] for s in as_xml.get_service_list()] == \
        [s["service_code"] for s in services]
    assert as_json.get_service_definition("环境卫生")["attributes"][0]["code"] == "crs"
    assert as_xml.get_service_definition("环境卫生")["attributes"]["attribute"]["code"] == "crs"
    listed = as_json.get_service_requests(status="open")
    assert [r["service_request_id"] for r in listed] == [str(town["open"])]
    from_xml = as_xml.get_service_requests(service_request_id=str(town["closed"]))
    assert from_xml["status"] == "closed"
    assert from_xml["extended_attributes"]["grid_code"] == GRID_D
    one = as_json.get_service_request(str(town["open"]))
    assert one["extended_attributes"]["grid_code"] == GRID_A
    assert as_xml.get_service_request(str(town["open"]))["status"] == "open"
    assert count(conn) == before  # reading never creates anything
