"""Security headers on every response, and the session cookie's Secure flag.

Pages get a Content-Security-Policy whose scripts and styles must come from this server
or carry the request's nonce (``csp_nonce()`` in templates; map pages add it to every
inline block Folium renders). Inline event handlers (``onerror=...``) therefore never run,
which backs up the escaping of user-entered text.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

STATIC_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def csp_nonce() -> str:
    """This request's nonce, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def policy(nonce: str | None, tile_origins: str) -> str:
    own = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    return "; ".join((
        "default-src 'self'", f"script-src {own}", f"style-src {own}",
        # Leaflet and Folium's tooltips set style attributes; attributes cannot run code.
        "style-src-attr 'unsafe-inline'",
        f"img-src 'self' data: {tile_origins}".rstrip(), "font-src 'self' data:",
        "connect-src 'self'", "worker-src 'self'", "object-src 'none'", "base-uri 'none'",
        "form-action 'self'", "frame-ancestors 'none'"))


# What is not a page (JSON, CSV, scripts, styles, images) is never a document that may run
# or load anything: the strictest policy, and a short one (a map page loads a dozen such
# responses).
NOT_A_PAGE = ("default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; "
              "form-action 'none'; frame-ancestors 'none'")


# The /work app's service worker (app/web/work/pwa.py) runs under the policy of its own
# script's response: it fetches from this server and nothing else.
SERVICE_WORKER = ("default-src 'none'; connect-src 'self'; script-src 'none'; "
                  "object-src 'none'; base-uri 'none'; form-action 'none'; "
                  "frame-ancestors 'none'")


def security_headers(app: Flask, nonce: str | None, secure: bool,
                     page: bool = True) -> list[tuple[str, str]]:
    """The headers every response carries: the static set, the policy (a page's, with its
    script nonce if it has one; else NOT_A_PAGE) and HSTS over HTTPS. Also what
    app.api.places.fastlookup sends."""
    csp = app.extensions["gridmap_csp"]
    if not page:
        chosen = NOT_A_PAGE
    else:
        chosen = policy(nonce, csp["tiles"]) if nonce else csp["plain"]
    out = [*STATIC_HEADERS, ("Content-Security-Policy", chosen)]
    if secure:
        out.append(HSTS)
    return out


def _add_headers(response: Response) -> Response:
    # On every response, the public lookup included: kept to a few list appends.
    own = response.headers.get("Content-Security-Policy")  # the service worker's
    response.headers.extend(security_headers(current_app, g.get("csp_nonce"),
                                             request.is_secure,
                                             response.mimetype == "text/html"))
    if own:
        response.headers["Content-Security-Policy"] = own
    user = g.get("_login_user")
    if getattr(user, "is_authenticated", False) and "Cache-Control" not in response.headers:
        # What a signed-in caller sees (a new password, a token's secret, people's
        # details) must not stay in a browser's or a proxy's cache.
        response.headers["Cache-Control"] = "private, no-store"
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS, and skips
    building a signing serializer for requests that carry no session cookie (most API
    calls)."""

    def open_session(self, app: Flask, request):
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        secure = super().get_cookie_secure(app)
        return secure or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    from app.maps.basemaps import tile_origins

    tiles = " ".join(tile_origins(app.config))
    app.extensions["gridmap_csp"] = {"tiles": tiles, "plain": policy(None, tiles)}
    app.session_interface = SessionInterface()
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_add_headers)


def proxy_fix(app: Flask) -> None:
    """Trust ``PROXY_FIX_HOPS`` proxies' X-Forwarded-* headers; outermost WSGI layer."""
    if hops := int(app.config["PROXY_FIX_HOPS"]):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops, x_prefix=hops)
