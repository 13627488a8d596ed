"""Webhook endpoints: register (a fresh ``whsec_`` secret, shown once), change, remove,
and their delivery log. The rules of a field live here; the API only passes them on.

Community limits (``scope``: the caller's community ids, None for every community): an
endpoint hears the events of its ``communities`` only (None: every community). A caller
limited to some communities registers, sees and changes only endpoints within them; one of
theirs registered without ``communities`` hears all of theirs."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import Connection, Row

from geo.core.errors import Forbidden, InvalidInput, NotFound
from geo.outbox import signing
from geo.outbox.store import deliveries
from geo.outbox.store import endpoints as store

KIND = re.compile(r"^[a-z_]{1,40}$")
CODE = re.compile(r"^[0-9]{1,20}$")
FIELDS = ("url", "events", "description", "active", "communities")


def _url(value) -> str:
    if not isinstance(value, str) or len(value) > 500:
        raise InvalidInput("url: an http(s) address of at most 500 characters", param="url")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("url: an http(s) address of at most 500 characters", param="url")
    return value


def _words(value, pattern: re.Pattern, most: int, param: str, meaning: str) -> list[str]:
    """A list of at most ``most`` strings matching ``pattern``, sorted without repeats;
    None: empty."""
    if value is None:
        return []
    if (not isinstance(value, list) or len(value) > most
            or not all(isinstance(k, str) and pattern.match(k) for k in value)):
        raise InvalidInput(f"{param}: {meaning}", param=param)
    return sorted(set(value))


def _events(value) -> list[str]:
    return _words(value, KIND, 50, "events", "a list of event kinds (incident actions, e.g."
                  " accept); empty: every kind")


def _description(value) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > 200):
        raise InvalidInput("description: text of at most 200 characters", param="description")
    return value or None


def _codes(value) -> list[str]:
    return _words(value, CODE, 500, "communities", "a list of community codes; empty or"
                  " null: every community")


def communities(conn: Connection, value, scope) -> list[int] | None:
    """The community ids of ``communities`` (codes; empty or None: every community, None),
    within the caller's ``scope``: 400 for an unknown code, 403 outside the limit."""
    codes = _codes(value)
    found = store.community_ids(conn, codes)
    if missing := [c for c in codes if c not in found]:
        raise InvalidInput(f"communities: no community with code {', '.join(missing)}",
                           param="communities")
    ids = sorted(found.values()) or None
    if scope is not None and ids is None:
        raise Forbidden("an endpoint of every community: only an administrator limited to"
                        " no communities may have one; name your communities")
    if scope is not None and not set(ids) <= set(scope):
        raise Forbidden("communities: only the communities you administer")
    return ids


def _columns(conn: Connection, body: dict, scope) -> dict:
    checks = {"url": _url, "events": _events, "description": _description,
              "active": _active, "communities": lambda v: communities(conn, v, scope)}
    return {key: checks[key](body[key]) for key in FIELDS if key in body}


def _active(value) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("active: true or false", param="active")
    return value


def as_dict(row: Row) -> dict:
    return {"id": row.id, "url": row.url, "events": list(row.events),
            "description": row.description, "active": row.active,
            "consecutive_failures": row.consecutive_failures,
            "disabled_at": row.disabled_at.isoformat() if row.disabled_at else None,
            "created_at": row.created_at.isoformat(),
            "communities": list(row.community_codes or []) if row.communities else None}


def listed(conn: Connection, scope=None) -> list[dict]:
    return [as_dict(r) for r in store.listed(conn, scope)]


def get(conn: Connection, endpoint_id: int, lock: bool = False, scope=None) -> dict:
    """One endpoint; 404 when there is none within the caller's ``scope``."""
    row = store.one(conn, endpoint_id, lock, scope)
    if row is None:
        raise NotFound("no such webhook endpoint")
    return as_dict(row)


def register(conn: Connection, body: dict, scope=None) -> dict:
    """A new endpoint; the answer carries its secret (never shown again)."""
    if "url" not in body:
        raise InvalidInput("url is required", param="url")
    columns = _columns(conn, body, scope)
    if "communities" not in body and scope is not None:
        columns["communities"] = sorted(scope)
    secret = signing.new_secret()
    endpoint_id = store.insert(conn, columns["url"], secret, columns.get("events", []),
                               columns.get("description"), columns.get("communities"))
    if columns.get("active") is False:
        store.update(conn, endpoint_id, {"active": False})
    return {**get(conn, endpoint_id), "secret": secret}


def change(conn: Connection, endpoint_id: int, body: dict, scope=None) -> tuple[dict, dict]:
    """(before, after) of a change; ``active: true`` re-enables a disabled endpoint."""
    before = get(conn, endpoint_id, lock=True, scope=scope)
    columns = _columns(conn, body, scope)
    if columns:
        store.update(conn, endpoint_id, columns)
    return before, get(conn, endpoint_id)


def remove(conn: Connection, endpoint_id: int, scope=None) -> dict:
    before = get(conn, endpoint_id, lock=True, scope=scope)
    store.delete(conn, endpoint_id)
    return before


def log(conn: Connection, endpoint_id: int, limit: int = 100, scope=None) -> list[dict]:
    """The endpoint's latest deliveries, newest first."""
    get(conn, endpoint_id, scope=scope)
    return [{"id": r.id, "event_id": r.event_id, "kind": r.kind, "incident_id": r.incident_id,
             "status": r.status, "attempts": r.attempts, "last_error": r.last_error,
             "next_attempt_at": r.next_attempt_at.isoformat() if r.status == "pending"
             else None,
             "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None,
             "created_at": r.created_at.isoformat()}
            for r in deliveries.log(conn, endpoint_id, limit)]
