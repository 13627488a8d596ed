"""``GET /api/v1/audit``: the audit log, for admins."""

from flask import jsonify
from marshmallow import fields

from app.api.common import STAFF, Blueprint
from app.api.fields import Paging, Text, loose
from app.security import audit
from app.security.auth import require

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="Audit log (admins)")
FILTERS = ("entity", "entity_id", "actor", "action")


class AuditQuery(Paging):
    entity = Text("exact entity", 120)
    entity_id = Text("exact entity_id", 120)
    actor = Text("exact actor", 120)
    action = Text("exact action", 120)


Entries = loose("AuditEntries", entries=fields.List(fields.Dict(), required=True, metadata={
    "description": "at, actor, action, entity, entity_id, before, after"}))


@blp.route("/audit", methods=["GET"])
@require("audit:read")
@blp.doc(summary="Audit entries, newest first", security=STAFF)
@blp.arguments(AuditQuery, location="query")
@blp.response(200, Entries, description="entries")
@blp.fails({400: "bad parameter", 401: "not signed in", 403: "admins only"})
def list_audit(args):
    """Who changed what, when, with before/after."""
    rows = audit.entries(**{name: args.get(name) for name in FILTERS},
                         offset=args["offset"], limit=args["limit"])
    return jsonify({"entries": [audit.as_dict(row) for row in rows]})
