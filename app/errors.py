"""One place that turns errors into JSON ``{"error": {code, message, details}}`` responses."""

from __future__ import annotations

import logging

from flask import Flask, current_app, has_request_context, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from geo.core.errors import (
    Conflict,
    Forbidden,
    GridmapError,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    TooLarge,
    UnsupportedType,
)

log = logging.getLogger(__name__)
NUMERIC_VALUE_OUT_OF_RANGE = "22003"  # PostgreSQL's SQLSTATE

# Subclasses before their base: the first match wins.
STATUS = {TooLarge: 413, UnsupportedType: 415, InvalidInput: 400, NotFound: 404,
          Conflict: 409, Forbidden: 403, PreconditionFailed: 412,
          PreconditionRequired: 428}


def error_response(status: int, code: str, message: str, details=None, headers=None):
    """JSON for the API; a small HTML page for errors raised by page views."""
    if _on_page():
        response = current_app.make_response(render_template(
            "error.html", status=status, title=code.replace("_", " "), message=message))
    else:
        body = {"error": {"code": code, "message": message}}
        if details is not None:
            body["error"]["details"] = details
        response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _on_page() -> bool:
    from app.web import PAGE_BLUEPRINTS

    return has_request_context() and request.blueprint in PAGE_BLUEPRINTS


def http_code(status: int) -> str:
    """The ``code`` of an error body for an HTTP error raised by Flask or Werkzeug."""
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 412: "stale_version",
            413: "too_large", 415: "unsupported_media_type", 422: "invalid_input",
            429: "too_many_requests"}.get(status, "http_error")


def handle_http(err: HTTPException):
    status = err.code or 500
    data = getattr(err, "data", None) or {}
    headers = dict(err.get_headers())  # keeps Allow on 405, Retry-After on 429
    headers.pop("Content-Type", None)
    if messages := data.get("messages"):
        return _refused_arguments(messages, headers)
    message = err.description or err.name
    return error_response(status, http_code(status), message, headers=headers)


# marshmallow's own words for what the rules of geo.core.params do not check themselves
_WORDS = {"Missing data for required field.": ("missing parameter '{name}'",
                                                "'{name}' is missing"),
          "Unknown field.": ("unknown parameter '{name}'", "unknown field '{name}'"),
          "Field may not be null.": ("parameter '{name}' may not be empty",
                                     "'{name}' may not be null")}


def _refused_arguments(messages: dict, headers: dict):
    """webargs refused an argument (its schema in ``app.api``): 400 with the first reason,
    in the words the parameter's rule uses, and the parameter in ``details.param``."""
    location, fields = next(iter(messages.items()))
    name, reasons = next(iter(fields.items()))
    where = "parameter" if location in ("query", "headers") else "field"
    text = _first_text(reasons)
    if text in _WORDS:
        text = _WORDS[text][where == "field"].format(name=name)
    elif name != "_schema" and name not in text:
        text = f"{where} '{name}': {text}"
    details = {"param": name} if name != "_schema" else None
    if len(fields) > 1 or not isinstance(reasons, list):
        details = {**(details or {}), "errors": fields}
    return error_response(400, InvalidInput.code, text, details, headers)


def _first_text(msgs) -> str:
    if isinstance(msgs, list | tuple) and msgs:
        return str(msgs[0])
    if isinstance(msgs, dict) and msgs:
        return _first_text(next(iter(msgs.values())))
    return str(msgs)


def status_of(err: GridmapError) -> int:
    """The HTTP status of a refused request (``STATUS``; 400 for any other refusal)."""
    return next((s for cls, s in STATUS.items() if isinstance(err, cls)), 400)


def handle_csrf(err: CSRFError):
    # Flask-WTF says 400; a missing or wrong CSRF token is a refusal, not bad syntax.
    return error_response(403, "csrf_failed", f"{err.description} Reload the page and retry; "
                          "scripts should use an API token instead of a session cookie.")


def handle_gridmap(err: GridmapError):
    _rollback()  # nothing of a refused request stays in the session
    status = status_of(err)
    details = err.details
    if isinstance(err, InvalidInput) and err.param and details is None:
        details = {"param": err.param}
    return error_response(status, err.code, err.message, details)


def handle_db_down(err: DBAPIError):
    _rollback()
    if isinstance(err, OperationalError) or err.connection_invalidated:
        log.warning("database unavailable on %s %s: %s", request.method, request.path, err.orig)
        return error_response(503, "database_unavailable",
                              "the database is unavailable; try again shortly",
                              headers={"Retry-After": "5"})
    if getattr(err.orig, "pgcode", None) == NUMERIC_VALUE_OUT_OF_RANGE:
        # an id or number beyond its column's type, e.g. /incidents/99999999999999999999
        return error_response(400, InvalidInput.code, "a number in the request is out of "
                              "range (ids are whole numbers up to 2147483647)")
    return handle_unexpected(err)


def handle_unexpected(err: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    _rollback()
    return error_response(500, "internal_error", "internal error; it has been logged")


def _rollback() -> None:
    from app.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; nothing more to undo
        log.debug("rollback after error failed", exc_info=True)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(GridmapError, handle_gridmap)
    app.register_error_handler(DBAPIError, handle_db_down)
    app.register_error_handler(Exception, handle_unexpected)
