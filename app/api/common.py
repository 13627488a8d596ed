"""What the API blueprints share: the blueprint and argument parser, the error schema, the
documented failures, GeoJSON responses and the security schemes of the document."""

from __future__ import annotations

from collections.abc import Mapping

import flask_smorest
import marshmallow as ma
from flask import Response
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

GEOJSON = "application/geo+json"
NOT_JSON = ("multipart/form-data", "application/x-www-form-urlencoded", "text/csv")


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
    provider (no NaN, bounded depth); a body that is not JSON is refused as one."""

    DEFAULT_VALIDATION_STATUS = 400
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": None, "querystring": None}
    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req, schema):
        """``location="multipart"``: a form's fields and files as one mapping, so that one
        schema declares (and documents) both."""
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)

    def _raw_load_json(self, req):
        if req.mimetype in NOT_JSON:  # the route's form or CSV alternative
            return core.missing
        # Not JSON, or not parseable: None, which the body's schema refuses by name.
        return req.get_json(silent=True)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data"}

    def _prepare_arguments_doc(self, doc, doc_info, *, api, spec, **kwargs):
        """smorest documents one request body; a route that takes JSON or a form (each
        its own ``arguments``) gets one body with both media types."""
        operation = doc_info.get("arguments") or {}
        locations = self.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING
        bodies = [p for p in operation.get("parameters", ())
                  if isinstance(p, Mapping) and p["in"] in locations]
        for extra in bodies[1:]:
            operation["parameters"].remove(extra)
        doc = super()._prepare_arguments_doc(doc, doc_info, api=api, spec=spec, **kwargs)
        for extra in bodies[1:]:
            media = extra.get("content_type") or locations[extra["in"]]
            doc["requestBody"]["content"][media] = {"schema": extra["schema"]}
            doc["requestBody"]["required"] = False
        return doc

    def fails(self, statuses: Mapping[int, str]):
        """Decorator: document each error status the route can answer, with its reason."""
        def decorator(view):
            for status, description in sorted(statuses.items(), reverse=True):
                view = self.alt_response(status, schema=ErrorSchema,
                                         description=description)(view)
            return view
        return decorator


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

