"""Login sessions the server can end: one ``sessions`` row per signed-in browser.

The cookie carries a random token; the row is found by its SHA-256. Sign-out ends the
row; a password change, disabling the account and an admin's "sign out everywhere" end
every row of the account. A session also stops counting after ``SESSION_IDLE_MINUTES``
without a request and ``SESSION_MAX_HOURS`` after sign-in (checked in
``accounts.session_owner``, which reads the row on every request).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import update

from app.extensions import db
from app.models import LoginSession


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user_id: int) -> str:
    """A new session for the user, added to the caller's transaction; returns its token."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(id=token_id(token), user_id=user_id))
    return token


def end(token: str) -> None:
    """End the session this token belongs to (sign-out)."""
    db.session.execute(update(LoginSession).where(
        LoginSession.id == token_id(token), LoginSession.ended_at.is_(None))
        .values(ended_at=dt.datetime.now(dt.UTC)))


def end_all(user_id: int, conn=None) -> int:
    """End every live session of the user; returns how many there were."""
    statement = (update(LoginSession)
                 .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
                 .values(ended_at=dt.datetime.now(dt.UTC)))
    return (conn or db.session).execute(statement).rowcount
