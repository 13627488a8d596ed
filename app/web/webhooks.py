"""``/admin/webhooks``: the webhook endpoints incident events are POSTed to — register one
(its secret shown once), set the communities it hears, its event kinds and whether it is
on, remove it. The same audited writes and rules as ``/api/v1/webhooks``
(``app.api.outbox.writes``); an administrator limited to some communities sees and sets
endpoints of theirs only."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.api.outbox import writes
from app.extensions import db
from app.plumbing.readdb import read
from app.security.auth import require
from geo.core.errors import GridmapError
from geo.outbox import endpoints
from geo.places.store import reads as places

bp = Blueprint("admin_webhooks", __name__, url_prefix="/admin")


def _mine() -> list[str]:
    """The codes of the caller's communities (none for an unlimited administrator)."""
    scope = current_user.communities
    if scope is None:
        return []
    return [c["code"] for c in read(lambda conn: places.community_choices(conn, scope))]


def _page(**shown):
    rows = endpoints.listed(db.session.connection(), current_user.communities)
    return render_template("admin/webhooks.html", rows=rows, mine=_mine(),
                           **{"made": None, **shown})


def _communities(form) -> list[str] | None:
    """The form's codes; empty: every community — for a limited administrator, all of
    theirs."""
    codes = form.get("communities", "").split()
    return codes or (_mine() if current_user.communities is not None else None)


@bp.get("/webhooks")
@require("users:admin")
def webhooks():
    """The endpoints (within the caller's communities) with what they hear."""
    return _page()


def _written(write, refused, done=None):
    """Run an audited write: commit and flash ``done()``, or roll back and flash
    ``refused(message)``; what the write gave, or None when refused."""
    try:
        result = write()
    except GridmapError as err:
        db.session.rollback()
        flash(refused(err.message))
        return None
    db.session.commit()
    if done is not None:
        flash(done())
    return result


@bp.post("/webhooks")
@require("users:admin")
def register():
    """A new endpoint; its whsec_ secret is shown once."""
    form = request.form
    body = {"url": form.get("url", "").strip(), "events": form.get("events", "").split(),
            "communities": _communities(form),
            "description": form.get("description", "").strip() or None}
    made = _written(lambda: writes.register(body),
                    lambda error: _("未创建：%(error)s", error=error))
    return _page(made=made) if made else redirect(url_for("admin_webhooks.webhooks"))


@bp.post("/webhooks/<int:endpoint_id>")
@require("users:admin")
def change(endpoint_id: int):
    """Set an endpoint's communities, event kinds and whether it is on (on again: its
    failures are forgotten)."""
    form = request.form
    body = {"communities": _communities(form), "events": form.get("events", "").split(),
            "active": form.get("active") == "on"}
    _written(lambda: writes.change(endpoint_id, body),
             lambda error: _("未修改：%(error)s", error=error),
             lambda: _("推送地址 %(id)s 已修改", id=endpoint_id))
    return redirect(url_for("admin_webhooks.webhooks"))


@bp.post("/webhooks/<int:endpoint_id>/delete")
@require("users:admin")
def remove(endpoint_id: int):
    """Remove an endpoint with its delivery log."""
    _written(lambda: writes.remove(endpoint_id),
             lambda error: _("未删除：%(error)s", error=error),
             lambda: _("推送地址 %(id)s 已删除", id=endpoint_id))
    return redirect(url_for("admin_webhooks.webhooks"))
