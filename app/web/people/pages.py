"""The people pages: lists, search, add and edit, history, leave calendar, import and
export, all through the people API; and the public 双报到 registration form."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from app.plumbing.readdb import read
from app.security.auth import require
from app.security.limits import public
from app.web.i18n import lang, texts
from app.web.people.texts import COMMON, DEPARTMENTS, PARTY, REGISTER, WORKERS
from app.web.reasons import REGISTRATION, reason_table
from app.web.roles import role_texts
from geo.people.files import ENCODINGS
from geo.people.words import DEPARTMENT_KINDS, PARTY_ORG_LEVELS, WORKER_ROLES
from geo.places.store import reads as places

bp = Blueprint("people", __name__)
PAGES = {"workers": WORKERS, "party": PARTY, "departments": DEPARTMENTS}


def _page(name: str, **extra):
    t = {**texts(COMMON), **role_texts(), **texts(PAGES[name])}
    config = {"lang": lang(), "texts": t, "reasons": reason_table(), **extra}
    return render_template(f"admin/people/{name}.html", t=t, page=name, config=config,
                           encodings=list(ENCODINGS))


@bp.get("/admin/people")
@require("people:manage")
def index():
    """The people pages start with the workers."""
    return redirect(url_for("people.workers"))


@bp.get("/admin/people/workers")
@require("people:manage")
def workers():
    """Grid workers: roster, editor, leave calendar, history, import and export."""
    return _page("workers", roles=list(WORKER_ROLES))


@bp.get("/admin/people/party")
@require("people:manage")
def party():
    """Party organisations and members, 双报到 registrations to decide."""
    return _page("party", levels=list(PARTY_ORG_LEVELS))


@bp.get("/admin/people/departments")
@require("people:manage")
def departments():
    """Departments and resident units."""
    return _page("departments", kinds=list(DEPARTMENT_KINDS))


@bp.get("/party/register")
@public
def register():
    """The public 双报到 form for in-service party members."""
    t = texts(REGISTER)
    choices = read(lambda conn: places.community_choices(conn, None))
    return render_template("admin/people/register.html", t=t, choices=choices,
                           config={"lang": lang(), "texts": t,
                                   "reasons": reason_table(REGISTRATION)})


@bp.post("/admin/users/<username>/access")
@require("users:admin")
def change_access(username: str):
    """An account's role and community limits from the users page (audited; its
    sessions end)."""
    from flask import flash, request
    from flask_babel import gettext as _

    from app.api.people.access import change_access as change
    from app.extensions import db
    from geo.core.errors import GridmapError

    form = request.form
    try:
        answer = change(username, form.get("role"), form.get("communities", ""))
    except GridmapError as err:
        db.session.rollback()
        flash(_("未修改：：%(error)s", error=err.message))
        return redirect(url_for("admin.users"))
    db.session.commit()
    flash(_("%(user)s：角色和社区范围已修改，其登录已结束", user=answer["username"]))
    return redirect(url_for("admin.users"))
