"""``/api/v1/webhooks``: the endpoints incident events are POSTed to, signed per the Standard
Webhooks spec (admins only), and each endpoint's delivery log. An administrator limited to
some communities has endpoints of those communities only (``geo.outbox.endpoints``)."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from app.api.common import SIGNED_IN, STAFF, Blueprint
from app.api.fields import NoQuery
from app.api.outbox import writes
from app.api.outbox.schemas import (
    DeliveryLog,
    Endpoint,
    EndpointBody,
    Endpoints,
    LogQuery,
    NewEndpoint,
)
from app.extensions import db
from app.security.auth import require
from geo.outbox import endpoints

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1",
                description="Webhook endpoints of incident events and their delivery log")
ERRORS = {**SIGNED_IN, 403: "admins only"}
ONE = {**ERRORS, 404: "no such endpoint (within your communities)"}


@blp.route("/webhooks", methods=["GET"])
@require("users:admin")
@blp.doc(summary="Webhook endpoints", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.response(200, Endpoints, description="{items}")
@blp.fails({400: "a query parameter (none is taken)", **ERRORS})
def list_endpoints(args):
    return jsonify({"items": endpoints.listed(db.session.connection(),
                                              current_user.communities)})


@blp.route("/webhooks", methods=["POST"])
@require("users:admin")
@blp.doc(summary="Register a webhook endpoint", security=STAFF,
         description="Events from now on are POSTed to it as {type, timestamp, data} with the "
                     "headers webhook-id, webhook-timestamp and webhook-signature (v1,<base64 "
                     "HMAC-SHA256 of id.timestamp.body> keyed by the secret's base64 part). "
                     "The answer carries the whsec_ secret: it is not shown again. An "
                     "endpoint hears the events of incidents located in its communities; "
                     "one of every community is for an administrator limited to no "
                     "communities only.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(EndpointBody)
@blp.response(201, NewEndpoint, description="the endpoint with its secret")
@blp.fails({400: "invalid field", **SIGNED_IN,
            403: "admins only; communities outside yours, or every community while you "
                 "are limited to some"})
def register(args, body):
    made = writes.register(body)
    db.session.commit()
    return jsonify(made), 201


@blp.route("/webhooks/<int:endpoint_id>", methods=["GET"])
@require("users:admin")
@blp.doc(summary="One webhook endpoint", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.response(200, Endpoint, description="the endpoint (without its secret)")
@blp.fails({400: "a query parameter (none is taken)", **ONE})
def one_endpoint(args, endpoint_id):
    return jsonify(endpoints.get(db.session.connection(), endpoint_id,
                                 scope=current_user.communities))


@blp.route("/webhooks/<int:endpoint_id>", methods=["PATCH"])
@require("users:admin")
@blp.doc(summary="Change a webhook endpoint", security=STAFF,
         description="active: true re-enables one disabled after failures in a row.")
@blp.arguments(NoQuery, location="query")
@blp.arguments(EndpointBody)
@blp.response(200, Endpoint, description="the endpoint changed")
@blp.fails({400: "invalid field", **ONE, 403: "admins only; communities outside yours"})
def change(args, body, endpoint_id):
    after = writes.change(endpoint_id, body)
    db.session.commit()
    return jsonify(after)


@blp.route("/webhooks/<int:endpoint_id>", methods=["DELETE"])
@require("users:admin")
@blp.doc(summary="Remove a webhook endpoint with its delivery log", security=STAFF)
@blp.arguments(NoQuery, location="query")
@blp.response(204, description="removed")
@blp.fails({400: "a query parameter (none is taken)", **ONE})
def remove(args, endpoint_id):
    writes.remove(endpoint_id)
    db.session.commit()
    return "", 204


@blp.route("/webhooks/<int:endpoint_id>/deliveries", methods=["GET"])
@require("users:admin")
@blp.doc(summary="A webhook endpoint's delivery log", security=STAFF,
         description="Newest first: status (pending, delivered, failed), attempts, the last "
                     "error and when the next attempt is due.")
@blp.arguments(LogQuery, location="query")
@blp.response(200, DeliveryLog, description="{items}")
@blp.fails({400: "bad parameter", **ONE})
def delivery_log(args, endpoint_id):
    return jsonify({"items": endpoints.log(db.session.connection(), endpoint_id,
                                           args.get("limit", 100), current_user.communities)})
