"""Queryables (OGC API – Features Part 3): per collection, a JSON Schema of the properties a
client may filter on. Ours are the equality filters each collection takes as query
parameters (conformance class "Queryables as Query Parameters"), and its geometry, which
``bbox`` filters. The schema of a filter is written here once; the OpenAPI document uses
it for the query parameter too."""

from __future__ import annotations

from geo.places.features import Collection, Filter

SCHEMA_JSON = "application/schema+json"
REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
_GEOMETRY = {"Point": "geometry-point", "MultiPolygon": "geometry-multipolygon"}


def filter_schema(spec: Filter) -> dict:
    """The JSON Schema of one filter's values: a code of so many digits, one of a list of
    words, or a short text."""
    if spec.digits:
        return {"type": "string", "pattern": f"^[0-9]{{{spec.digits}}}$"}
    if spec.choices:
        return {"type": "string", "enum": list(spec.choices)}
    return {"type": "string", "maxLength": spec.max_length}


def schema(coll: Collection, self_url: str) -> dict:
    """The queryables of ``coll`` as a JSON Schema (draft 2020-12), ``$id`` = ``self_url``."""
    properties = {"geometry": {"title": "geometry (filtered by bbox)",
                               "format": _GEOMETRY[coll.geometry_type],
                               "x-ogc-role": "primary-geometry"}}
    for name, spec in coll.filters.items():
        properties[name] = {"title": name, **filter_schema(spec)}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": self_url,
            "type": "object", "title": coll.title, "properties": properties,
            "additionalProperties": False}
