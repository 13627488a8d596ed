"""Parameters and answers of the webhook endpoints' API (``geo.outbox.endpoints`` checks
each field)."""

from __future__ import annotations

from marshmallow import fields

from app.api.fields import Body, Integer, Query, loose, raw


class EndpointBody(Body):
    url = raw("http(s) address the events are POSTed to", type="string", maxLength=500)
    events = raw("event kinds (incident actions, e.g. accept, dispatch); empty or absent:"
                 " every kind", type="array", items={"type": "string"})
    description = raw("", type="string", maxLength=200)
    communities = raw("codes of the communities whose incidents' events it hears; empty or "
                      "null: every community (only an administrator limited to no "
                      "communities); absent on a new endpoint of a limited administrator: "
                      "all of theirs", type="array", items={"type": "string"})
    active = raw("false: paused; true re-enables an endpoint disabled after failures",
                 type="boolean", nullable=False)


class LogQuery(Query):
    limit = Integer("deliveries, newest first (default 100)", minimum=1, maximum=1000,
                    default=100)


Endpoint = loose("WebhookEndpoint", id=fields.Integer(), url=fields.String(),
                 events=fields.List(fields.String()), description=fields.String(),
                 active=fields.Boolean(), consecutive_failures=fields.Integer(),
                 disabled_at=fields.String(), created_at=fields.String(),
                 communities=fields.List(fields.String(), allow_none=True))
NewEndpoint = loose("NewWebhookEndpoint", id=fields.Integer(), secret=fields.String(
    metadata={"description": "whsec_ secret of the signatures: shown this once"}))
Endpoints = loose("WebhookEndpoints", items=fields.List(fields.Dict()))
DeliveryLog = loose("WebhookDeliveryLog", items=fields.List(fields.Dict()))
