"""Structured logs: one JSON object a line, with the request id, user id and route.

Every record of the ``app`` logger (the application's and its modules') goes through
``JsonFormatter``: JSON escapes control characters, so an encoded newline in a path
(``%0a``) stays inside its line and cannot forge another. Secrets never reach the log:
query parameters such as ``api_key`` or ``token`` and anything that looks like an API
token (``gm_...``) or a bearer credential are masked. ``ACCESS_LOG`` adds one line per
request (method, route, path, status, milliseconds). Each response carries its request id
(``X-Request-ID``) so a user's report can be matched with the log.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import sys
import time

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

SECRET_PARAMS = re.compile(
    r"((?:^|[?&;])(?:api_key|apikey|key|token|access_token|password|secret|csrf_token)=)"
    r"[^&;#\s]*", re.IGNORECASE)
SECRET_WORDS = re.compile(r"\b(gm_)[\w-]+|(\bbearer\s+)\S+", re.IGNORECASE)
REQUEST_ID = re.compile(r"^[\w.-]{8,64}$")
access = logging.getLogger("app.access")


def mask(text: str) -> str:
    """``text`` with secret query parameters, API tokens and bearer credentials masked."""
    text = SECRET_PARAMS.sub(r"\1***", text)
    return SECRET_WORDS.sub(lambda m: (m.group(1) or m.group(2)) + "***", text)


class JsonFormatter(logging.Formatter):
    """A record as one JSON line, with the request it belongs to (if any)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"at": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
                "level": record.levelname, "logger": record.name,
                "message": mask(record.getMessage())}
        if has_request_context():
            line.update(_request_fields())
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["error"] = mask(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def _request_fields() -> dict:
    user = g.get("_login_user")  # never load the user just to log: that may query
    rule = request.url_rule
    return {"request_id": g.get("request_id"), "method": request.method,
            "route": rule.rule if rule else None, "path": mask(request.full_path.rstrip("?")),
            "user_id": getattr(user, "id", None) if user is not None else None}


def _start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.match(given) else secrets.token_hex(8)
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    if "request_id" in g:
        response.headers["X-Request-ID"] = g.request_id
        if access.isEnabledFor(logging.INFO):
            ms = round((time.perf_counter() - g.request_started) * 1000, 1)
            access.info("request", extra={"fields": {"status": response.status_code,
                                                     "ms": ms}})
    return response


def init_app(app: Flask, stream=None) -> None:
    """JSON lines on stderr (or ``stream``) for the ``app`` logger, once per process."""
    logger = logging.getLogger("app")
    logger.removeHandler(default_handler)  # Flask's plain-text one
    handler = next((h for h in logger.handlers if getattr(h, "gridmap_json", False)), None)
    if handler is None:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.gridmap_json = True
        logger.addHandler(handler)
    handler.setFormatter(JsonFormatter())
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    access.setLevel(logging.INFO if app.config["ACCESS_LOG"] else logging.WARNING)
    app.before_request(_start)
    app.after_request(_finish)
