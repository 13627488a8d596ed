"""A department's queue (``/department``): the incidents escalated to the caller's
department (吹哨报到), with the dispatcher console's incident panel
(``static/js/pages/dispatch_panel.js``) for its actions. Data from
``/api/v1/department/incidents``."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.api.incidents import worktables
from app.plumbing.readdb import read
from app.security.auth import require
from app.web.i18n import N_, lang, texts
from app.web.incidents.dispatch import TEXTS as CONSOLE_TEXTS
from app.web.roles import role_texts

bp = Blueprint("department", __name__)

PAGE_SIZE = 50
TEXTS: dict[str, str] = dict([
    N_("dept_title", "部门工单"),
    N_("dept_intro", "上报到本部门的事件，超期的在前。"),
    N_("dept_none", "此账号未关联部门，没有工单。"),
])


@bp.get("/department")
@require("department:work")
def queue():
    t = {**texts(CONSOLE_TEXTS), **texts(TEXTS), **role_texts()}
    linked = current_user.role != "department" or current_user.department_id is not None
    labels = {c["code"]: (c["name_en"] or c["code"]) if lang() == "en" else c["code"]
              for c in read(worktables.categories)}
    script = {"lang": lang(), "texts": t, "pageSize": PAGE_SIZE, "categories": labels}
    return render_template("department.html", t=t, linked=linked, script=script)
