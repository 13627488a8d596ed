"""Rate limits (Flask-Limiter): public routes per client address, and the login form.

``public`` marks a view as open to anonymous callers and puts it under the shared
``RATELIMIT_PUBLIC`` budget of its client; the privacy test walks every view so marked.
Past the budget the answer is 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

limiter = Limiter(get_remote_address)


def _public_limit() -> str:
    return current_app.config["RATELIMIT_PUBLIC"]


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


_public = limiter.shared_limit(_public_limit, scope="public")
login_limit = limiter.limit(_login_limit, methods=["POST"])


def public(view):
    """Decorator: an anonymous route, under the client's shared public rate limit."""
    limited = _public(view)
    limited.gridmap_public = True
    return limited


def too_many(err: RateLimitExceeded):
    from app.errors import error_response

    current = limiter.current_limit
    retry = max(1, math.ceil(current.reset_at - time.time())) if current else 60
    return error_response(429, "too_many_requests",
                          f"too many requests: the limit is {err.description}; "
                          f"try again in {retry} s", headers={"Retry-After": str(retry)})


def init_app(app: Flask) -> None:
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, too_many)
