"""The OpenAPI 3.0 definition of ``/ogc`` (conformance class oas30), served at ``/ogc/api``.

Each collection gets its own paths (``/collections/grids/items`` …), as the OGC API's
"API definition" requirements expect, so a client sees which filters each one takes.
"""

from __future__ import annotations

from app.ogc.queryables import SCHEMA_JSON, filter_schema
from geo.places.features import COLLECTIONS, CRS84, CRS_LIST, MAX_OFFSET, Collection

_TEXT = {"type": "string"}
_FORMAT = {"name": "f", "in": "query", "required": False, "style": "form", "explode": False,
           "description": "json or html (default: the Accept header; JSON for */*)",
           "schema": {"type": "string", "enum": ["json", "html"]}}


def _ok(description: str, media: str = "application/json") -> dict:
    return {"description": description,
            "content": {media: {"schema": {"type": "object"}},
                        "text/html": {"schema": _TEXT}}}


_ERRORS = {
    "400": {"description": "a malformed or unknown query parameter",
            "content": {"application/json": {"schema": {"type": "object", "required": ["code"],
                                                        "properties": {"code": _TEXT,
                                                                       "description": _TEXT}}}}},
    "404": {"description": "no such collection or feature"},
}


def _get(summary: str, description: str, response: dict, parameters=(),
         staff: bool = False, op_id: str = "") -> dict:
    op = {"summary": summary, "description": description, "operationId": op_id,
          "parameters": [*parameters, _FORMAT], "responses": {"200": response, **_ERRORS}}
    if staff:
        op["security"] = [{"bearerAuth": []}]
        op["responses"]["401"] = {"description": "incidents need an API token"}
    return {"get": op}


def _query(name: str, description: str, schema: dict, **extra) -> dict:
    return {"name": name, "in": "query", "required": False, "style": "form",
            "explode": False, "description": description, "schema": schema, **extra}


def items_parameters(coll: Collection, default: int, maximum: int) -> list[dict]:
    params = [
        _query("bbox", "minLon,minLat,maxLon,maxLat (4 numbers; 6 with heights, which are "
               "ignored) in CRS84, or in bbox-crs", {"type": "array", "minItems": 4,
                                                      "maxItems": 6,
                                                      "items": {"type": "number"}}),
        _query("bbox-crs", "CRS of bbox", {"type": "string", "format": "uri",
                                            "enum": list(CRS_LIST), "default": CRS84}),
        _query("crs", "CRS of the answer's coordinates (EPSG ones are latitude first)",
               {"type": "string", "format": "uri", "enum": list(CRS_LIST), "default": CRS84}),
        _query("datetime", _DATETIME[coll.temporal], {"type": "string"}),
        _query("limit", f"features per page (default {default}; larger values are served "
               f"as {maximum})", {"type": "integer", "minimum": 1, "maximum": maximum,
                                  "default": default}),
        _query("offset", "features to skip (the next/prev links carry it)",
               {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}),
    ]
    for name, spec in coll.filters.items():
        params.append(_query(name, f"only features whose {name} equals this (a queryable)",
                             filter_schema(spec)))
    return params


_DATETIME = {
    None: "accepted and ignored: these features have no time",
    "validity": "a date or time: the versions (grids, communities with their streets) in "
                "force then, changes scheduled by then included; an interval a/b (.. for "
                "an open end): versions in force at any time in it. Default: today's",
    "instant": "reported at this instant or within the interval a/b (.. for an open end)",
}


def document(server: str, default: int, maximum: int) -> dict:
    """The OpenAPI document with ``server`` (the absolute URL of /ogc) as its base."""
    paths = {
        "/": _get("Landing page", "links to the API definition, conformance and data",
                  _ok("the landing page"), op_id="getLandingPage"),
        "/conformance": _get("Conformance declaration", "the conformance classes",
                             _ok("conformsTo"), op_id="getConformance"),
        "/api": _get("This API definition", "OpenAPI 3.0 (JSON) or a page listing paths",
                     _ok("the definition", "application/vnd.oai.openapi+json;version=3.0"),
                     op_id="getApi"),
        "/collections": _get("Collections", "the feature collections (incidents only for "
                             "staff with an API token)", _ok("the collections"),
                             op_id="getCollections"),
    }
    for coll in COLLECTIONS.values():
        base = f"/collections/{coll.id}"
        staff = coll.staff_only
        paths[base] = _get(f"{coll.title}: metadata", coll.description,
                           _ok("the collection"), staff=staff, op_id=f"describe_{coll.id}")
        paths[f"{base}/queryables"] = _get(
            f"{coll.title}: queryables", "the properties this collection can be filtered "
            "on, as a JSON Schema (OGC API – Features Part 3); each but the geometry is "
            "also a query parameter of its items", _ok("the queryables", SCHEMA_JSON),
            staff=staff, op_id=f"queryables_{coll.id}")
        paths[f"{base}/items"] = _get(
            f"{coll.title}: features", coll.description,
            _ok("a page of features", "application/geo+json"),
            items_parameters(coll, default, maximum), staff=staff, op_id=f"items_{coll.id}")
        feature_id = {"name": "featureId", "in": "path", "required": True,
                      "description": "the feature's id", "schema": {"type": "string"}}
        paths[f"{base}/items/{{featureId}}"] = _get(
            f"{coll.title}: one feature", coll.description,
            _ok("the feature", "application/geo+json"),
            [feature_id, _query("crs", "CRS of the coordinates",
                                {"type": "string", "format": "uri", "enum": list(CRS_LIST)})],
            staff=staff, op_id=f"item_{coll.id}")
    return {
        "openapi": "3.0.3",
        "info": {"title": "gridmap OGC API – Features", "version": "1.0.0",
                 "description": "Communities, grids (by version) and buildings as OGC API – "
                                "Features collections; incidents for staff."},
        "servers": [{"url": server}],
        "paths": paths,
        "components": {"securitySchemes": {"bearerAuth": {
            "type": "http", "scheme": "bearer",
            "description": "an API token (flask tokens create); needed for incidents"}}},
    }
