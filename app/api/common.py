"""What the API blueprints share: the blueprint and argument parser, the error schema, the
documented failures, GeoJSON responses and the security schemes of the document."""

from __future__ import annotations

from collections.abc import Mapping

import flask_smorest
import marshmallow as ma
from flask import Response, request
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

GEOJSON = "application/geo+json"


def geojson_response(body: str) -> Response:
    return Response(body, mimetype=GEOJSON)


class ErrorDetail(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "machine-readable, "
                                                     "e.g. invalid_input, not_found"})
    message = ma.fields.String(required=True, metadata={"description": "for people"})
    details = ma.fields.Raw(metadata={"description": "what the error is about, e.g. "
                                      "{\"param\": \"lat\"}"})


class ErrorSchema(ma.Schema):
    """The body of every error the API answers (``app.errors.error_response``)."""

    error = ma.fields.Nested(ErrorDetail, required=True)


class Parser(FlaskParser):
    """webargs as this API wants it: a refused argument is a 400 (``app.errors`` words it),
    each schema's own ``unknown`` rule holds, and JSON goes through the app's strict JSON
    provider (no NaN, bounded depth); a body that is not JSON is an empty one."""

    DEFAULT_VALIDATION_STATUS = 400
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": None, "querystring": None}

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        body = req.get_json(silent=True)
        return core.missing if body is None else body


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()

    def fails(self, statuses: Mapping[int, str]):
        """Decorator: document each error status the route can answer, with its reason."""
        def decorator(view):
            for status, description in sorted(statuses.items(), reverse=True):
                view = self.alt_response(status, schema=ErrorSchema,
                                         description=description)(view)
            return view
        return decorator


def wants_json() -> bool:
    return request.mimetype == "application/json"


# OpenAPI: staff endpoints take a session cookie (pages) or a bearer token (scripts).
STAFF = [{"bearerAuth": []}, {"sessionCookie": []}]
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer",
                   "description": "an API token made by an admin (flask tokens create)"},
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "gridmap_session",
                      "description": "the signed-in session of the web pages; writes "
                                     "also need the X-CSRFToken header"},
}
# Failures every staff route can answer.
SIGNED_IN = {401: "not signed in", 403: "the caller's role may not do this"}


# --- old dict helpers, removed once no route uses them ---
def query_param(name, description, schema, required=False):
    return {"in": "query", "name": name, "description": description, "required": required,
            "schema": schema}


ERROR_SCHEMA = {"type": "object"}


def error(description):
    return {"description": description,
            "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def ok(description, schema, mimetype="application/json"):
    return {"description": description, "content": {mimetype: {"schema": schema}}}


BBOX = query_param("bbox", "bbox", {"type": "string"})


def paging(default, maximum):
    return [query_param("limit", "limit", {"type": "integer"}),
            query_param("offset", "rows to skip", {"type": "integer", "minimum": 0})]
