"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.extensions import db
from app.security import accounts, audit, sessions
from app.security.auth import csrf, staff_of
from app.security.limits import login_limit
from geo.core.errors import InvalidInput

bp = Blueprint("pages", __name__)

# Where each role's work is, after a sign-in that did not ask for a page (the grid
# workers' page /work is issue 20's; any role not listed lands on the grids map).
LANDING = {"admin": "/admin/users", "dispatcher": "/dispatch", "planner": "/plans",
           "community_admin": "/admin/people/workers", "viewer": "/maps/grids",
           "member": "/work", "department": "/department"}
DEFAULT_LANDING = "/maps/grids"


def landing(role: str) -> str:
    """The page a role starts on."""
    return LANDING.get(role, DEFAULT_LANDING)


@bp.route("/login", methods=["GET", "POST"])
@login_limit
def login():
    """The sign-in form; wrong passwords from one address hold that address back."""
    target = _safe_next(request.args.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(target or landing(current_user.role))
        return render_template("login.html", next=target, username="", error=None)
    csrf.protect()
    username = request.form.get("username", "").strip()[:100]
    cfg = current_app.config
    try:
        user = accounts.authenticate(username, request.form.get("password", ""),
                                     client=request.remote_addr or "",
                                     max_failures=cfg["LOGIN_MAX_FAILURES"],
                                     delay_seconds=cfg["LOGIN_DELAY_SECONDS"],
                                     lock_seconds=cfg["LOGIN_LOCK_SECONDS"])
    except accounts.LoginRefused as refused:
        db.session.commit()  # the failure count and its audit entry must stick
        return _refused(refused, username, target)
    session.clear()
    session.permanent = True
    login_user(staff_of(user, sessions.start(user.id)))
    audit.record("login", "user", user.id)
    db.session.commit()
    if user.must_change_password:  # an admin reset it: the one-time password is replaced
        return redirect(url_for("pages.change_password", next=target))
    return redirect(target or landing(user.role))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """The signed-in account replaces its password (asked for after an admin's reset)."""
    if not current_user.is_authenticated:
        return redirect(url_for("pages.login", next=request.path))
    target = _safe_next(request.args.get("next"))
    if request.method == "GET":
        return render_template("account_password.html", next=target, error=None)
    form = request.form
    try:
        if form.get("password", "") != form.get("confirm", ""):
            raise InvalidInput("the two new passwords differ", param="confirm")
        accounts.change_own_password(current_user.id, form.get("current", ""),
                                     form.get("password", ""),
                                     current_app.config["PASSWORD_MIN_LENGTH"])
    except InvalidInput as err:
        db.session.rollback()
        error = _("未修改：%(error)s", error=err.message)
        return render_template("account_password.html", next=target, error=error), 400
    db.session.commit()
    flash(_("密码已修改。"))
    return redirect(target or landing(current_user.role))


def _refused(refused: accounts.LoginRefused, username: str, target: str):
    if refused.retry_after:
        minutes = -(-refused.retry_after // 60)
        error = _("登录失败次数过多，请 %(minutes)s 分钟后再试。"
                  " Too many failed sign-ins; try again in %(minutes)s min.", minutes=minutes)
        headers = {"Retry-After": str(refused.retry_after)}
        status = 429
    else:
        error = _("用户名或密码错误。")
        headers, status = {"WWW-Authenticate": 'Session realm="gridmap"'}, 401
    page = render_template("login.html", next=target, username=username, error=error)
    return page, status, headers


@bp.post("/logout")
def logout():
    """Ends the session (POST only, with the CSRF token, so no link can sign anyone out)."""
    if current_user.is_authenticated:
        sessions.end(current_user.session_key)
        audit.record("logout", "user", current_user.id)
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("pages.login"))


def _safe_next(target: str | None) -> str | None:
    """Only paths on this site: never another host (open redirect) or a scheme; None when
    there is no such path (the role's landing page then)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
