"""``GET /api/v1/audit``: the audit log, for admins."""

from flask import current_app, jsonify, request
from flask_smorest import Blueprint

from app.api.common import STAFF, error, ok, paging, query_param
from app.security import audit
from app.security.auth import require
from geo.core import params

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="Audit log (admins)")
FILTERS = ("entity", "entity_id", "actor", "action")


@blp.route("/audit", methods=["GET"])
@blp.doc(summary="Audit entries, newest first", security=STAFF,
         parameters=[*(query_param(name, f"exact {name}", {"type": "string"})
                       for name in FILTERS), *paging(100, 1000)],
         responses={"200": ok("entries", {"type": "object"}), "400": error("bad parameter"),
                    "401": error("not signed in"), "403": error("admins only")})
@require("audit:read")
def list_audit():
    """Who changed what, when, with before/after."""
    args, cfg = request.args, current_app.config
    params.check_known(args, (*FILTERS, "limit", "offset"))
    filters = {name: params.short_text(args, name, 120) for name in FILTERS}
    rows = audit.entries(
        **filters, offset=params.integer(args, "offset", default=0),
        limit=params.integer(args, "limit", default=cfg["API_PAGE_LIMIT_DEFAULT"], minimum=1,
                             maximum=cfg["API_PAGE_LIMIT_MAX"]))
    return jsonify({"entries": [audit.as_dict(row) for row in rows]})
