"""The audit log: who changed what, when and from where, written in the caller's transaction.

In a request the actor is the signed-in user (or the token's user, with the token id); on
the command line it is ``cli:<login name>``. Passwords and token secrets are never recorded.
"""

from __future__ import annotations

import getpass
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Connection, insert, select

from app.extensions import db
from app.models import AuditEntry


def actor_name() -> str:
    return _actor()[0]


def _actor() -> tuple[str, int | None, int | None, str | None]:
    """(name, user id, token id, client address) of whoever is acting now."""
    if not has_request_context():
        return f"cli:{_os_user()}", None, None, None
    from flask_login import current_user

    if current_user.is_authenticated:
        return (current_user.username, current_user.id, current_user.token_id,
                request.remote_addr)
    return "public", None, None, request.remote_addr


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def record(action: str, entity: str | None = None, entity_id: Any = None, *,
           before: dict | None = None, after: dict | None = None,
           actor: str | None = None, conn: Connection | None = None) -> None:
    """Add one audit entry to the transaction of the change it describes.

    That is the ORM session, or ``conn`` for bulk work done on a connection.
    """
    name, user_id, token_id, ip = _actor()
    values = dict(actor=actor or name, user_id=user_id, token_id=token_id, action=action,
                  entity=entity, entity_id=None if entity_id is None else str(entity_id),
                  before=before, after=after, ip=ip)
    if conn is None:
        db.session.add(AuditEntry(**values))
    else:
        conn.execute(insert(AuditEntry).values(**values))


def entries(*, entity: str | None = None, entity_id: str | None = None,
            actor: str | None = None, action: str | None = None, limit: int = 100,
            offset: int = 0) -> list[AuditEntry]:
    """Newest first, filtered by exact values."""
    query = select(AuditEntry)
    for column, value in ((AuditEntry.entity, entity), (AuditEntry.entity_id, entity_id),
                          (AuditEntry.actor, actor), (AuditEntry.action, action)):
        if value:
            query = query.where(column == value)
    query = query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    return list(db.session.scalars(query))


def as_dict(entry: AuditEntry) -> dict:
    return {"id": entry.id, "at": entry.at.isoformat(), "actor": entry.actor,
            "user_id": entry.user_id, "token_id": entry.token_id, "action": entry.action,
            "entity": entry.entity, "entity_id": entry.entity_id, "before": entry.before,
            "after": entry.after, "ip": entry.ip}
