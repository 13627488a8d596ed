"""OGC API – Features Part 3 queryables: each collection's filterable properties as a JSON
Schema, linked from the collection and declared in the conformance classes; every
queryable but the geometry works as a query parameter of the items."""

from __future__ import annotations

import jsonschema
import pytest

from tests.support.auth import bearer
from tests.support.geometries import COMMUNITY_1, GRID_A

pytestmark = pytest.mark.town("redrawn")

PART3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


def test_conformance_lists_the_queryables_classes(client, town):
    conforms = client.get("/ogc/conformance?f=json").get_json()["conformsTo"]
    assert {PART3 + "queryables", PART3 + "queryables-query-parameters"} <= set(conforms)


@pytest.mark.parametrize(("collection", "filters", "geometry"), [
    ("communities", {"code", "street_code"}, "geometry-multipolygon"),
    ("grids", {"code", "community_code"}, "geometry-multipolygon"),
    ("buildings", {"code", "grid_code", "community_code"}, "geometry-multipolygon"),
])
def test_each_collection_has_its_queryables(client, town, collection, filters, geometry):
    meta = client.get(f"/ogc/collections/{collection}?f=json").get_json()
    link = next(x for x in meta["links"] if x["rel"] == REL)
    assert link["type"] == "application/schema+json"
    response = client.get(link["href"])
    assert response.status_code == 200
    assert response.mimetype == "application/schema+json"
    schema = response.get_json()
    jsonschema.Draft202012Validator.check_schema(schema)  # a valid JSON Schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == link["href"] and schema["type"] == "object"
    assert set(schema["properties"]) == filters | {"geometry"}
    assert schema["properties"]["geometry"]["format"] == geometry
    assert schema["additionalProperties"] is False


def test_queryables_are_query_parameters_and_describe_their_values(client, town):
    schema = client.get("/ogc/collections/grids/queryables").get_json()
    code = schema["properties"]["code"]
    validator = jsonschema.Draft202012Validator({**code, "$schema": schema["$schema"]})
    assert validator.is_valid(GRID_A) and not validator.is_valid("1101")
    page = client.get(f"/ogc/collections/grids/items?code={GRID_A}").get_json()
    assert {f["properties"]["code"] for f in page["features"]} == {GRID_A}
    page = client.get(f"/ogc/collections/grids/items?community_code={COMMUNITY_1}").get_json()
    assert page["numberMatched"] > 0
    assert {f["properties"]["community_code"] for f in page["features"]} == {COMMUNITY_1}
    assert client.get("/ogc/collections/grids/items?code=1101").status_code == 400


def test_incident_queryables_are_for_staff(client, town, make_user, make_token):
    response = client.get("/ogc/collections/incidents/queryables")
    assert response.status_code == 401
    make_user("disp", "dispatcher")
    staff = client.get("/ogc/collections/incidents/queryables",
                       headers=bearer(make_token("disp")))
    props = staff.get_json()["properties"]
    assert props["geometry"]["format"] == "geometry-point"
    assert "closed" in props["status"]["enum"]
    assert "reporter_phone" not in props and "reporter_name" not in props


def test_queryables_as_html_and_unknown_ones(client, town):
    page = client.get("/ogc/collections/grids/queryables?f=html")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "community_code" in page.get_data(as_text=True)
    assert client.get("/ogc/collections/nothing/queryables").status_code == 404
    assert client.get("/ogc/collections/grids/queryables?x=1").status_code == 400
