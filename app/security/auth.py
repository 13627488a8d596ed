"""Who is asking: session logins (Flask-Login) for pages, bearer tokens for machine clients.

``require("perm")`` guards a view: anonymous callers get 401 (API) or the login page,
callers whose role lacks the permission get 403. Staff limited to some communities carry
those ids in ``current_user.communities`` (None = every community); views filter by them.
Cookie-authenticated writes must carry a CSRF token (Flask-WTF); token requests carry no
cookie and need none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import wraps

from flask import Flask, current_app, g, redirect, request, url_for
from flask_login import AnonymousUserMixin, LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from app.models import User
from app.security import accounts
from app.security.roles import PERMISSIONS

login_manager = LoginManager()
csrf = CSRFProtect()
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Views that call csrf.protect() themselves, after their rate limit has counted the try.
CSRF_IN_VIEW = frozenset({"pages.login"})
# Views authenticated by a key in the request body alone (never the session cookie), so
# a forged cross-site post carries no authority: Open311's POST requests with api_key.
CSRF_NOT_NEEDED = frozenset({"open311.create_request"})
# What an account whose password must be replaced may still reach.
PASSWORD_PENDING_ALLOWED = frozenset({"pages.change_password", "pages.logout", "pages.login",
                                      "static", "health.healthz"})


@dataclass(frozen=True)
class Staff:
    """The signed-in account as views see it (loaded once per request)."""

    id: int
    username: str
    role: str
    session_key: str
    communities: frozenset[int] | None
    grid_member_id: int | None = None
    token_id: int | None = None
    department_id: int | None = None  # a department account's department
    must_change_password: bool = False  # after an admin's reset, until it is replaced

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.session_key

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS[self.role]

    def sees(self, community_id: int | None) -> bool:
        return self.communities is None or community_id in self.communities


class Anonymous(AnonymousUserMixin):
    """The public: no role, no communities, no permissions."""

    role = None
    token_id = None
    communities: frozenset[int] = frozenset()

    def can(self, permission: str) -> bool:
        return False

    def sees(self, community_id: int | None) -> bool:
        return False


def staff_of(user: User, session_token: str) -> Staff:
    """The account just signed in (``User``, with its new session's token) as views see it."""
    return Staff(user.id, user.username, user.role, session_token,
                 accounts.scope_of(user.id), user.grid_member_id,
                 department_id=user.department_id,
                 must_change_password=user.must_change_password)


def account_staff(account: accounts.Account) -> Staff:
    """The account behind a token or session (``accounts.Account``) as views see it."""
    return Staff(account.id, account.username, account.role, account.session_key,
                 account.communities, account.grid_member_id, account.token_id,
                 account.department_id, account.must_change_password)


@login_manager.user_loader
def _from_session(session_token: str) -> Staff | None:
    if _bearer() is not None:
        return None  # a request with a token is judged by its token alone
    cfg = current_app.config
    account = accounts.session_owner(session_token, idle_minutes=cfg["SESSION_IDLE_MINUTES"],
                                     max_hours=cfg["SESSION_MAX_HOURS"])
    return account_staff(account) if account else None


@login_manager.request_loader
def _from_token(_request) -> Staff | None:
    secret = _bearer()
    if secret is None:
        return None
    account = accounts.token_owner(secret)
    if account is None:
        raise Unauthorized("the bearer token is unknown, revoked or expired",
                           www_authenticate=WWWAuthenticate("bearer", {"error": "invalid_token"}))
    return account_staff(account)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def _forget_previous_request() -> None:
    """``g`` belongs to the app context, which a request shares when one is pushed
    already (tests, scripts): one request's user, CSRF token or nonce must not leak into
    the next. In a server every request has a fresh context and this does nothing."""
    for key in ("_login_user", "csrf_token", "csp_nonce"):
        g.pop(key, None)


def _csrf_guard() -> None:
    """Forms always need the token; API writes need it when a session cookie comes along
    (that cookie is the ambient authority CSRF abuses). Token calls carry no cookie."""
    if request.method not in UNSAFE or _bearer() is not None:
        return
    if request.endpoint in CSRF_IN_VIEW or request.endpoint in CSRF_NOT_NEEDED:
        return
    has_cookie = current_app.config["SESSION_COOKIE_NAME"] in request.cookies
    if has_cookie or not request.path.startswith("/api/"):
        csrf.protect()


def _password_guard():
    """After an admin's reset the one-time password opens one page only: the signed-in
    person replaces it before anything else (pages are sent there, API calls get a 403).
    Bearer tokens are their own credentials (revoked on their own) and are not held."""
    if request.endpoint in PASSWORD_PENDING_ALLOWED or request.endpoint is None \
            or _bearer() is not None:  # (and a public route keeps ignoring a bad token)
        return None
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if request.path.startswith("/api/"):
        raise Forbidden("the password was reset by an administrator: replace it at"
                        " /account/password first")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("pages.change_password", next=target), 303)


def require(permission: str):
    """Decorator: the caller must be signed in (session or token) and hold ``permission``."""
    if not any(permission in perms for perms in PERMISSIONS.values()):
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                if _wants_page():
                    return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
                raise Unauthorized("sign in, or send an API token as 'Authorization: Bearer …'",
                                   www_authenticate=WWWAuthenticate("bearer"))
            if not current_user.can(permission):
                raise Forbidden(f"the {current_user.role} role may not do this ({permission})")
            g.permission = permission
            return view(*args, **kwargs)

        guarded.gridmap_permission = permission
        return guarded

    return decorator


def _wants_page() -> bool:
    return not request.path.startswith("/api/") and request.method == "GET"


def init_app(app: Flask) -> None:
    # The cookie lives as long as the server lets a session last.
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(
        hours=int(app.config["SESSION_MAX_HOURS"]))
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.before_request(_forget_previous_request)
    app.before_request(_csrf_guard)
    app.before_request(_password_guard)
