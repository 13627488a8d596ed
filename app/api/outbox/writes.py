"""The webhook endpoints' audited writes (check + write + audit entry in the caller's
transaction), shared by ``/api/v1/webhooks`` and the ``/admin/webhooks`` page. Each takes
the caller's community limits from the signed-in account (``geo.outbox.endpoints``)."""

from __future__ import annotations

from flask_login import current_user

from app.extensions import db
from app.security import audit
from geo.outbox import endpoints


def _audited(after: dict | None) -> dict | None:
    return {k: v for k, v in after.items() if k != "secret"} if after else None


def register(body: dict) -> dict:
    """A new endpoint with its secret (shown once, never audited)."""
    made = endpoints.register(db.session.connection(), body, current_user.communities)
    audit.record("webhooks.register", "webhook_endpoints", made["id"], after=_audited(made))
    return made


def change(endpoint_id: int, body: dict) -> dict:
    before, after = endpoints.change(db.session.connection(), endpoint_id, body,
                                     current_user.communities)
    audit.record("webhooks.change", "webhook_endpoints", endpoint_id, before=before,
                 after=after)
    return after


def remove(endpoint_id: int) -> None:
    before = endpoints.remove(db.session.connection(), endpoint_id, current_user.communities)
    audit.record("webhooks.remove", "webhook_endpoints", endpoint_id, before=before)
