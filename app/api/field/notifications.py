"""The field app's in-app notifications: mine, and marking them read."""

from __future__ import annotations

from flask import jsonify
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.api.common import STAFF, Blueprint
from app.api.field.schemas import Marked, Notifications, NotificationsQuery, ReadBody
from app.api.field.tasks import NOT_A_WORKER
from app.extensions import db
from app.plumbing.readdb import read_primary
from app.security.auth import require
from app.web.i18n import lang
from geo.core.errors import InvalidInput
from geo.field import notifications, tasks

blp = Blueprint("notifications", __name__, url_prefix="/api/v1",
                description="The grid worker's in-app notifications")

TEXTS = {
    "new_task": _l("新任务：事件 %(id)s（%(category)s）"),
    "returned": _l("退回的事件 %(id)s（%(category)s）又派给你了"),
    "reopened": _l("事件 %(id)s（%(category)s）未通过核查，已重新打开"),
    "due_soon": _l("事件 %(id)s（%(category)s）将在两小时内到期"),
    "reminder": _l("办理时限提醒：事件 %(id)s（%(category)s）"),
}


def _text(item: dict, english: bool) -> str:
    details = item.get("details") or {}
    category = (english and details.get("category_en")) or details.get("category") or ""
    return str(TEXTS[item["kind"]]) % {"id": item["incident_id"], "category": category}


@blp.route("/me/notifications", methods=["GET"])
@require("field:work")
@blp.doc(summary="My notifications (grid workers)", security=STAFF,
         description="The latest 100, newest first, each with its text in the request's "
                     "language, and how many are unread. Kinds: new_task (dispatched to me), "
                     "returned (dispatched to me again after it was returned), reopened (my "
                     "resolved task reopened), due_soon (due within 2 hours), reminder (a deadline "
                     "reminder step: before or after the due time, up the chain).")
@blp.arguments(NotificationsQuery, location="query")
@blp.response(200, Notifications, description="unread count and items")
@blp.fails({400: "bad parameter", 401: "not signed in", **NOT_A_WORKER})
def my_notifications(args):
    member = current_user.grid_member_id
    found = read_primary(lambda conn: (tasks.worker(conn, member),
                                       notifications.items(conn, current_user.id))[1])
    wanted = args.get("lang") or lang()
    with force_locale("en" if wanted == "en" else "zh_CN"):
        for item in found["items"]:
            item["text"] = _text(item, wanted == "en")
            item.pop("details")
    return jsonify(found)


@blp.route("/me/notifications/read", methods=["POST"])
@require("field:work")
@blp.doc(summary="Mark my notifications read", security=STAFF,
         description='{"ids": [...]} or {"all": true}.')
@blp.arguments(ReadBody, location="json")
@blp.response(200, Marked, description="how many were marked, how many stay unread")
@blp.fails({400: "neither ids nor all: true", 401: "not signed in", **NOT_A_WORKER})
def mark_read(body):
    ids = _ids(body)
    conn = db.session.connection()
    marked = notifications.mark_read(conn, current_user.id, ids)
    unread = notifications.items(conn, current_user.id, limit=0)["unread"]
    db.session.commit()
    return jsonify({"marked": marked, "unread": unread})


def _ids(body: dict) -> list[int] | None:
    if body.get("all") is True and "ids" not in body:
        return None
    ids = body.get("ids")
    if (body.get("all") not in (None, False) or not isinstance(ids, list) or not ids
            or len(ids) > 1000 or not all(isinstance(i, int) and not isinstance(i, bool)
                                          and i > 0 for i in ids)):
        raise InvalidInput('send {"ids": [notification ids]} or {"all": true}', param="ids")
    return ids
