"""Administration pages: accounts, API tokens, the audit log, incident categories and
holidays (admin role)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.api.incidents import catalogue, worktables
from app.api.people import access
from app.extensions import db
from app.models import CATEGORY_ROUTES, CLOCKS, USER_ROLES
from app.plumbing.readdb import read
from app.security import accounts
from app.security import audit as audit_log
from app.security.auth import require
from geo.core.errors import GridmapError
from geo.incidents import candidates

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _users_page(**shown):
    """The users page; ``shown``: a password to show once (new_password, new_user)."""
    rows = accounts.users_with_scope()
    linked = [u.grid_member_id for u, _ in rows if u.grid_member_id]
    return render_template("admin/users.html", rows=rows, roles=USER_ROLES,
                           worker_names=read(lambda conn: candidates.names(conn, linked)),
                           departments=access.department_choices(),
                           **{"new_password": None, "new_user": None, **shown})


@bp.get("/users")
@require("users:admin")
def users():
    """Accounts with their role, community limits, linked grid worker and state."""
    return _users_page()


@bp.post("/users")
@require("users:admin")
def create_user():
    """Add an account; a generated password is shown once."""
    form = request.form
    try:
        ids = accounts.community_ids(form.get("communities", "").split())
        password = accounts.create_user(
            form.get("username", "").strip(), form.get("role", ""),
            password=form.get("password") or None, communities=ids,
            min_length=current_app.config["PASSWORD_MIN_LENGTH"])
    except GridmapError as err:
        db.session.rollback()
        flash(_("未创建：%(error)s", error=err.message))
        return redirect(url_for("admin.users"))
    db.session.commit()
    shown = None if form.get("password") else password
    return _users_page(new_password=shown, new_user=form.get("username", "").strip())


@bp.post("/users/<username>/password")
@require("users:admin")
def reset_password(username: str):
    """A new one-time password, shown once; the account must replace it at its next
    sign-in, and its sessions end."""
    password = accounts.reset_password(username)
    db.session.commit()
    return _users_page(new_password=password, new_user=username)


@bp.post("/users/<username>/worker")
@require("users:admin")
def link_worker(username: str):
    """Link the account to a grid worker (it then works their incidents), or unlink it."""
    value = request.form.get("worker", "").strip()
    try:
        worker = int(value) if value else None
        accounts.link_worker(username, worker, current_user.communities)
    except (GridmapError, ValueError) as err:
        db.session.rollback()
        flash(_("未修改：%(error)s", error=getattr(err, "message", "not a worker id")))
        return redirect(url_for("admin.users"))
    db.session.commit()
    flash(_("%(user)s：已关联网格员", user=username) if worker is not None
          else _("%(user)s：已取消关联网格员", user=username))
    return redirect(url_for("admin.users"))


@bp.post("/users/<username>/department")
@require("users:admin")
def set_department(username: str):
    """Set the department an account of role department works for (its queue), or none."""
    value = request.form.get("department", "").strip()
    try:
        access.change_department(username, int(value) if value else None)
    except (GridmapError, ValueError) as err:
        db.session.rollback()
        flash(_("未修改：%(error)s", error=getattr(err, "message", "not a department id")))
        return redirect(url_for("admin.users"))
    db.session.commit()
    flash(_("%(user)s：所属部门已修改", user=username))
    return redirect(url_for("admin.users"))


@bp.post("/users/<username>/<any(disable, enable):change>")
@require("users:admin")
def set_active(username: str, change: str):
    """Disable (ends its sessions, stops its tokens) or enable an account."""
    accounts.set_active(username, change == "enable")
    db.session.commit()
    flash(_("%(user)s: 已启用", user=username) if change == "enable"
          else _("%(user)s: 已停用", user=username))
    return redirect(url_for("admin.users"))


@bp.post("/users/<username>/signout")
@require("users:admin")
def sign_out_everywhere(username: str):
    """End every session of the account at once (its tokens are left as they are)."""
    ended = accounts.end_sessions(username)
    db.session.commit()
    flash(f"{username}: 已退出 {ended} 个会话 signed out of {ended} session(s)")
    return redirect(url_for("admin.users"))


@bp.get("/tokens")
@require("users:admin")
def tokens():
    """API tokens: who holds them, until when, last use."""
    return render_template("admin/tokens.html", rows=accounts.tokens_with_owner(),
                           usernames=accounts.usernames(),
                           secret=None)


@bp.post("/tokens")
@require("users:admin")
def create_token():
    """A new token; its secret is shown once and never again."""
    form = request.form
    try:
        days = int(form["days"]) if form.get("days") else current_app.config["API_TOKEN_DAYS"]
        token, secret = accounts.create_token(form.get("username", ""), form.get("name", ""),
                                              days)
    except (GridmapError, ValueError) as err:
        db.session.rollback()
        flash(_("未创建：%(error)s",
                error=getattr(err, "message", "days must be a whole number")))
        return redirect(url_for("admin.tokens"))
    db.session.commit()
    return render_template("admin/tokens.html", rows=accounts.tokens_with_owner(),
                           usernames=accounts.usernames(),
                           secret=secret, token=token)


@bp.post("/tokens/<int:token_id>/revoke")
@require("users:admin")
def revoke_token(token_id: int):
    accounts.revoke_token(token_id)
    db.session.commit()
    flash(_("令牌 %(id)s 已吊销", id=token_id))
    return redirect(url_for("admin.tokens"))


@bp.get("/audit")
@require("audit:read")
def audit():
    """The newest audit entries, filtered by entity, id, actor or action."""
    keys = ("entity", "entity_id", "actor", "action")
    filters = {k: request.args.get(k, "").strip()[:120] or None for k in keys}
    return render_template("admin/audit.html", rows=audit_log.entries(**filters, limit=200),
                           filters=filters)


@bp.get("/categories")
@require("users:admin")
def categories():
    """Incident categories with their time limits, routing and publicity, and the holiday
    calendar."""
    entries, departments = catalogue.page_rows()
    return render_template("admin/categories.html", rows=read(worktables.categories),
                           days=read(worktables.holidays), clocks=CLOCKS,
                           routes=CATEGORY_ROUTES, entries=entries, departments=departments)


@bp.post("/categories")
@require("users:admin")
def save_category():
    """Create or change one category from the form (the same checks as the API)."""
    form = request.form
    fields = {"name_en": form.get("name_en", "").strip() or None,
              "clock": form.get("clock", ""), "route_to": form.get("route_to", ""),
              "active": form.get("active") == "on", "public": form.get("public") == "on",
              "evidence_required": form.get("evidence_required") == "on"}
    try:
        for key in ("response_hours", "resolve_hours", "urgent_factor"):
            if key != "urgent_factor" or form.get(key):
                fields[key] = float(form.get(key, ""))
        worktables.put_category(form.get("code", ""), fields)
    except (GridmapError, ValueError) as err:
        db.session.rollback()
        flash(_("未保存：%(error)s",
                error=getattr(err, "message", "hours must be numbers")))
        return redirect(url_for("admin.categories"))
    db.session.commit()
    flash(_("%(what)s: 已保存", what=form.get("code", "").strip()))
    return redirect(url_for("admin.categories"))


@bp.post("/dispatch-catalogue")
@require("users:admin")
def save_catalogue_entry():
    """Set a category's department, by default or for a street (派单目录)."""
    form = request.form
    try:
        body = {"category": form.get("category", ""),
                "street_code": form.get("street_code", "").strip() or None,
                "department_id": int(form.get("department_id", "")),
                **{key: float(form[key]) if form.get(key, "").strip() else None
                   for key in ("response_hours", "resolve_hours")}}
        entry = catalogue.put_entry(body)
    except (GridmapError, ValueError) as err:
        db.session.rollback()
        flash(_("未保存：%(error)s", error=getattr(err, "message", "numbers expected")))
        return redirect(url_for("admin.categories"))
    db.session.commit()
    flash(_("%(what)s: 已保存", what=entry["category"]))
    return redirect(url_for("admin.categories"))


@bp.post("/dispatch-catalogue/<int:entry_id>/delete")
@require("users:admin")
def delete_catalogue_entry(entry_id: int):
    try:
        catalogue.delete_entry(entry_id)
    except GridmapError as err:
        db.session.rollback()
        flash(_("未保存：%(error)s", error=err.message))
        return redirect(url_for("admin.categories"))
    db.session.commit()
    flash(_("已删除"))
    return redirect(url_for("admin.categories"))


@bp.post("/holidays")
@require("users:admin")
def save_day():
    """Mark a day as a holiday or a working day (调休), or clear it."""
    form = request.form
    try:
        day = dt.date.fromisoformat(form.get("day", ""))
        if form.get("kind") == "clear":
            worktables.clear_day(day)
        else:
            worktables.put_day(day, {"kind": form.get("kind"),
                                     "name": form.get("name", "").strip() or None})
    except (GridmapError, ValueError) as err:
        db.session.rollback()
        flash(_("未保存：%(error)s",
                error=getattr(err, "message", "the day must be YYYY-MM-DD")))
        return redirect(url_for("admin.categories"))
    db.session.commit()
    flash(_("%(what)s: 已保存", what=day))
    return redirect(url_for("admin.categories"))
