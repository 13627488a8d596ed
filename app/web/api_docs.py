"""``/api/v1/docs``: the OpenAPI document rendered by Swagger UI, served from
``static/vendor/swagger-ui/`` (no CDN) under the page CSP. Public, like the document."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

bp = Blueprint("api_docs", __name__)


@bp.get("/api/v1/docs")
def api_docs():
    """The API reference, rendered from ``/api/v1/openapi.json``."""
    return render_template("api_docs.html", spec_url=url_for("api-docs.openapi_json"))
