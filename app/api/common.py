"""Helpers shared by the API blueprints: GeoJSON responses and OpenAPI fragments."""

from __future__ import annotations

from flask import Response

GEOJSON = "application/geo+json"


def geojson_response(body: str) -> Response:
    return Response(body, mimetype=GEOJSON)


def query_param(name: str, description: str, schema: dict, required: bool = False) -> dict:
    return {"in": "query", "name": name, "description": description, "required": required,
            "schema": schema}


ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}},
}
FEATURE_COLLECTION = {"type": "object", "description": "RFC 7946 FeatureCollection with "
                      "numberMatched/numberReturned", "properties": {
                          "type": {"type": "string", "enum": ["FeatureCollection"]},
                          "numberMatched": {"type": "integer"},
                          "numberReturned": {"type": "integer"},
                          "features": {"type": "array", "items": {"type": "object"}}}}


def error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def ok(description: str, schema: dict, mimetype: str = "application/json") -> dict:
    return {"description": description, "content": {mimetype: {"schema": schema}}}


BBOX = query_param("bbox", "minLon,minLat,maxLon,maxLat in WGS-84 degrees",
                   {"type": "string", "example": "116.38,39.89,116.42,39.93"})


def paging(default: int, maximum: int) -> list[dict]:
    return [query_param("limit", f"page size (default {default}, at most {maximum})",
                        {"type": "integer", "minimum": 1, "maximum": maximum}),
            query_param("offset", "rows to skip", {"type": "integer", "minimum": 0})]

# OpenAPI: staff endpoints take a session cookie (pages) or a bearer token (scripts).
STAFF = [{"bearerAuth": []}, {"sessionCookie": []}]
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer",
                   "description": "an API token made by an admin (flask tokens create)"},
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "gridmap_session",
                      "description": "the signed-in session of the web pages; writes "
                                     "also need the X-CSRFToken header"},
}
