"""Standard Webhooks signatures: ``webhook-signature: v1,<base64 HMAC-SHA256>`` over
``<webhook-id>.<webhook-timestamp>.<body>``, keyed by the base64 part of a ``whsec_`` secret.

The same ``webhook-id`` is sent on every retry of a delivery (the receiver's idempotency key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh ``whsec_`` secret: 32 random bytes, base64."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    return base64.b64decode(secret[len(PREFIX):], validate=True)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value of one message."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three signature headers and the content type of one delivery."""
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, msg_id, timestamp, body),
            "content-type": "application/json"}


def verify(secret: str, msg_id: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Whether one of the space-separated ``v1,`` signatures matches (constant time)."""
    expected = sign(secret, msg_id, int(timestamp), body)
    return any(hmac.compare_digest(expected, candidate)
               for candidate in signature.split(" ") if candidate.startswith("v1,"))
