"""The API's OpenAPI document: flask-smorest's ``Api`` extension, with the error body the
server sends (``app.errors``) as the document's error schema and the two ways staff
authenticate as its security schemes. Served at ``/api/v1/openapi.json``."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api as SmorestApi

from app.api.common import SECURITY_SCHEMES, ErrorSchema
from app.api.fields import empty_value


class Api(SmorestApi):
    """flask-smorest with our error schema, and no error handler of its own
    (``app.errors`` registers the one every route shares)."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"

    def _register_error_handlers(self):
        pass

    def init_app(self, app, *, spec_kwargs=None):
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.ma_plugin.converter.add_parameter_attribute_function(empty_value)


api = Api()


def init_app(app: Flask) -> None:
    api.init_app(app)
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
