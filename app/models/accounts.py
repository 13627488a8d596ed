"""Accounts: staff users, the communities an account is limited to, API tokens, the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, one_of

# community_admin: manages the people of the communities it is limited to (issue 19).
# department: the staff of a department (users.department_id), who see and work only the
# incidents assigned to their department (issue 21).
USER_ROLES = ("admin", "planner", "dispatcher", "member", "viewer", "community_admin",
              "department")


class User(Base):
    """A staff account. Its login sessions are rows of ``LoginSession``; ``session_key``
    is no longer what a cookie carries (kept, and still replaced on disable and password
    change, for the scripts that set it)."""

    __tablename__ = "users"
    __table_args__ = (one_of("users", "role", USER_ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_key: Mapped[str] = mapped_column(String(64), unique=True)
    # use_alter: users → grid_members → grids → plans → users is a cycle of keys.
    grid_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid_members.id", use_alter=True, name="fk_users_grid_member_id"))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"))
    # Set when an admin resets the password: the next sign-in asks for a new one.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=text("false"))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())


class UserCommunity(Base):
    """Limits a staff account to some communities; an account with no rows sees them all."""

    __tablename__ = "user_communities"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)


class LoginSession(Base):
    """A signed-in browser. The cookie carries a random token; ``id`` is its SHA-256, so
    a copy of this table signs nobody in. A session counts while ``ended_at`` is empty,
    its last request is recent (``SESSION_IDLE_MINUTES``) and it is young enough
    (``SESSION_MAX_HOURS``)."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_user_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                      server_default=func.now())
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    """Failed sign-ins per (typed username, client address). ``account`` is the SHA-256 of
    the lower-cased name typed, known or not, so unknown names are throttled alike and
    what was typed is never stored. Past ``LOGIN_MAX_FAILURES`` each failure blocks the
    pair for longer; other addresses are not blocked, so nobody can lock an account out."""

    __tablename__ = "login_throttle"

    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    ip: Mapped[str] = mapped_column(String(45), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                        server_default=func.now())
    blocked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A bearer token for machine clients. Only its SHA-256 is stored: a token is 256
    random bits, so a slow password hash would add nothing but latency to every call."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who changed what, when, from where; ``before``/``after`` hold the changed fields."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_entity", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str | None] = mapped_column(String(30))
    entity_id: Mapped[str | None] = mapped_column(String(50))
    before = mapped_column(JSONB)
    after = mapped_column(JSONB)
    ip: Mapped[str | None] = mapped_column(String(45))
