"""The public lookup's short path: ``GET /api/v1/lookup?lon=…&lat=…`` answered below Flask.

The lookup is what every resident's tap and every dispatcher's click asks, and its own
work is one prepared statement that returns the JSON text. Flask's request machinery
around it (request and app contexts, URL matching, before/after hooks, the session and
login managers, building a Response) cost more CPU than the query itself, so the
common, well-formed, anonymous case is answered here, in WSGI, with the same parts the
view uses:

- the same parameter checks (``geo.core.params.lon_lat`` against ``SERVICE_AREA``),
- the same rate limit budget (``app.security.limits.hit``, counted once),
- the same query on the same held connection (``geo.places.store.reads.lookup``
  via ``app.plumbing.readdb``),
- the same headers (``app.security.headers.security_headers``, and Flask's ``Vary: Cookie``).

Everything else goes on to Flask unchanged, which answers it exactly as before: any other
parameter (``crs``, ``at``, a repeated or unknown one), invalid coordinates (Flask
produces the 400 and its message), a spent budget (429), a point in no community (404),
any error (a database error: 503; anything else: the JSON 500), a cookie or an
``Authorization`` header (the session and token machinery must see those), any method
but GET, and every request when ``TRUSTED_HOSTS`` is set (Flask checks the Host). A
request handed on carries what the short path already did in its environ, so that
nothing is done twice: its count against the budget (``app.security.limits.COUNTED``) and the
query's outcome, the missing place or the error, which the view answers from
(:func:`outcome`). ``tests/test_api_lookup.py`` compares the two paths' answers,
headers included.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

from flask import Flask

from app.plumbing import readdb
from app.security import headers, limits
from geo.core import params
from geo.core.errors import InvalidInput
from geo.places.store import reads as repo

PATH = "/api/v1/lookup"
_KEYS = {"lon", "lat"}
# environ key: (JSON text or None, the error raised or None) of the query already run
OUTCOME = "gridmap.lookup_outcome"


def outcome(environ, query: Callable[[], str | None]) -> str | None:
    """The lookup's JSON text (None: no place there) for the request of ``environ``: the
    outcome the short path already had, error included, else ``query()``."""
    tried = environ.get(OUTCOME)
    if tried is None:
        return query()
    body, error = tried
    if error is not None:
        raise error
    return body


class FastLookup:
    """WSGI middleware in front of the application (inside ProxyFix, so the client
    address and scheme are the forwarded ones)."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if (environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == "GET"
                and "HTTP_COOKIE" not in environ and "HTTP_AUTHORIZATION" not in environ
                and not self.app.config.get("TRUSTED_HOSTS")):
            body = self._answer(environ)
            if body is not None:
                start_response("200 OK", self._headers(environ, body))
                return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ) -> bytes | None:
        pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True,
                          errors="werkzeug.url_quote")
        args = dict(pairs)
        if len(pairs) != 2 or args.keys() != _KEYS:
            return None
        app = self.app
        cfg = app.config
        try:
            lon, lat = params.lon_lat(args, cfg["SERVICE_AREA"])
        except InvalidInput:
            return None
        try:
            wait = limits.hit(app, "public", "RATELIMIT_PUBLIC",
                              environ.get("REMOTE_ADDR") or "")
        except Exception:  # the limiter's store failed: Flask tries it and answers
            return None
        environ[limits.COUNTED] = ("public", wait)
        if wait is not None:
            return None
        snap = cfg["ASSIGN_SNAP_METERS"]
        try:
            body = readdb.read_held(lambda conn: repo.lookup(conn, lon, lat, snap), app)
        except Exception as error:  # Flask answers it (503, or the JSON 500)
            environ[OUTCOME] = (None, error)
            return None
        if body is None:  # Flask answers the 404
            environ[OUTCOME] = (None, None)
            return None
        return body.encode()

    def _headers(self, environ, body: bytes) -> list[tuple[str, str]]:
        secure = environ.get("wsgi.url_scheme") == "https"
        return [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                *headers.security_headers(self.app, None, secure, page=False),
                ("Vary", "Cookie")]  # as Flask says, since the login manager reads it


def install(app: Flask) -> None:
    """Put the short path in front of the application's WSGI callable."""
    app.wsgi_app = FastLookup(app, app.wsgi_app)
