"""``/api/v1/overlays``: responsibility overlays (部件先属主) — who answers for a road, a
market, a compound or a park, whatever grid the place is in (``geo.boundaries.overlays``).
Read by staff, written by planners and admins; every change in the audit log."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.places.schemas import Overlay, OverlayBody, Overlays, OverlaysQuery
from app.extensions import db
from app.security import audit
from app.security.auth import require
from geo.boundaries import overlays
from geo.boundaries.store import overlays as store
from geo.core.errors import NotFound

blp = Blueprint("overlays", __name__, url_prefix="/api/v1",
                description="Responsibility overlays (部件先属主)")
ERRORS = {**SIGNED_IN, 403: "role may not", 404: "no such overlay among your communities"}


@blp.route("/overlays", methods=["GET"])
@require("grids:read")
@blp.doc(summary="Responsibility overlays", security=STAFF,
         description="Those touching the caller's communities, by name, with geometry.")
@blp.arguments(OverlaysQuery, location="query")
@blp.response(200, Overlays, description="{total, items}")
@blp.fails({400: "bad parameter", **ERRORS})
def list_overlays(args):
    total, rows = store.listing(db.session.connection(), current_user.communities,
                                at=args.get("at"), kind=args.get("kind"),
                                limit=args["limit"], offset=args["offset"])
    return jsonify({"total": total, "items": [store.as_json(r) for r in rows]})


@blp.route("/overlays", methods=["POST"])
@require("grids:write")
@blp.doc(summary="Add a responsibility overlay", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.arguments(OverlayBody, location="json")
@blp.response(201, Overlay, description="the overlay")
@blp.fails({400: "invalid field", **ERRORS})
def create_overlay(args, body):
    conn = db.session.connection()
    overlay_id = store.write(conn, overlays.check(body), audit.actor_name(),
                             current_user.communities)
    return _changed("overlay.create", None, overlay_id, 201)


@blp.route("/overlays/<int:overlay_id>", methods=["GET"])
@require("grids:read")
@blp.doc(summary="A responsibility overlay", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.response(200, Overlay, description="the overlay")
@blp.fails({400: "a query parameter (none is taken)", **ERRORS})
def get_overlay(args, overlay_id: int):
    return jsonify(store.as_json(_find(overlay_id)))


@blp.route("/overlays/<int:overlay_id>", methods=["PATCH"])
@require("grids:write")
@blp.doc(summary="Change a responsibility overlay", security=STAFF,
         description="The fields given; the others stay. End one with ``valid_to``. "
                     "Incidents already routed keep their routing.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(OverlayBody, location="json")
@blp.response(200, Overlay, description="the overlay after the change")
@blp.fails({400: "invalid field", **ERRORS})
def patch_overlay(args, body, overlay_id: int):
    before = _find(overlay_id, lock=True)
    store.write(db.session.connection(), overlays.check(body, before), audit.actor_name(),
                current_user.communities, overlay_id)
    return _changed("overlay.update", before, overlay_id)


@blp.route("/overlays/<int:overlay_id>", methods=["DELETE"])
@require("grids:write")
@blp.doc(summary="Delete a responsibility overlay", security=STAFF,
         description="Only one no incident was routed by (409 otherwise: end it with "
                     "``valid_to``).")
@blp.arguments(NoQuery, location="query")
@blp.response(204, description="done")
@blp.fails({**ERRORS, 400: "a query parameter (none is taken)",
            409: "incidents were routed by it"})
def delete_overlay(args, overlay_id: int):
    before = _find(overlay_id, lock=True)
    store.delete(db.session.connection(), overlay_id)
    audit.record("overlay.delete", "overlay", overlay_id, before=store.as_json(before))
    db.session.commit()
    return "", 204


def _find(overlay_id: int, *, lock: bool = False) -> dict:
    row = store.find(db.session.connection(), overlay_id, current_user.communities, lock=lock)
    if row is None:
        raise NotFound(f"no overlay {overlay_id} among the communities you may see")
    return row


def _changed(action: str, before: dict | None, overlay_id: int, status: int = 200):
    after = store.as_json(store.find(db.session.connection(), overlay_id, None))
    audit.record(action, "overlay", overlay_id,
                 before=store.as_json(before) if before else None, after=after)
    db.session.commit()
    return jsonify(after), status
