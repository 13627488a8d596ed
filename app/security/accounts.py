"""Staff accounts and API tokens: plain functions the CLI, the admin pages and the login use.

Each function that changes something adds an audit entry to the same session; the caller
commits once, so a change and its audit entry land together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, text, update

from app.extensions import db
from app.models import USER_ROLES, ApiToken, Community, LoginSession, User, UserCommunity
from app.plumbing.readdb import read_primary, write_statements
from app.security import audit, sessions, throttle
from geo.core.errors import Conflict, InvalidInput, NotFound

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that both answers take as long.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
USERNAME = re.compile(r"^[\w.@-]{2,64}$")
TOKEN_PREFIX = "gm_"


@dataclass(frozen=True)
class LoginRefused(Exception):
    """Wrong credentials (``retry_after`` is None) or too many of them from this client
    for this name (seconds to wait)."""

    retry_after: int | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check_username(name: str) -> str:
    if not USERNAME.match(name or ""):
        raise InvalidInput(f"username {name!r} is not allowed: use 2-64 letters, digits, "
                           "'.', '_', '@' or '-'", param="username")
    return name


def check_password(password: str, min_length: int) -> str:
    if len(password) < min_length or len(password) > 256:
        raise InvalidInput(f"a password needs {min_length} to 256 characters",
                           param="password")
    return password


def new_password() -> str:
    return secrets.token_urlsafe(12)


def community_ids(codes: Iterable[str], street_codes: Iterable[str] = ()) -> list[int]:
    """Ids of the communities named by code, plus every community of the given streets."""
    codes, street_codes = list(codes), list(street_codes)
    found = dict(db.session.execute(
        select(Community.code, Community.id).where(Community.code.in_(codes))).all())
    if missing := [c for c in codes if c not in found]:
        raise InvalidInput(f"no community with code {', '.join(missing)}", param="community")
    by_street = db.session.execute(select(Community.street_code, Community.id)
                                   .where(Community.street_code.in_(street_codes))).all()
    if empty := [s for s in street_codes if s not in {street for street, _ in by_street}]:
        raise InvalidInput(f"no community in street {', '.join(empty)}", param="street")
    return sorted(set(found.values()) | {community for _, community in by_street})


def create_user(username: str, role: str, *, password: str | None, min_length: int,
                communities: Iterable[int] = (), grid_member_id: int | None = None,
                department_id: int | None = None) -> str:
    """Add an account; returns its password (the one given, or a generated one)."""
    check_username(username)
    if role not in USER_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(USER_ROLES)}", param="role")
    password = check_password(password, min_length) if password else new_password()
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"a user named {username!r} exists already")
    user = User(username=username, role=role, password_hash=_hasher.hash(password),
                active=True, session_key=secrets.token_hex(32), grid_member_id=grid_member_id,
                department_id=department_id)
    db.session.add(user)
    db.session.flush()
    ids = sorted(set(communities))
    db.session.add_all(UserCommunity(user_id=user.id, community_id=c) for c in ids)
    audit.record("user.create", "user", user.id,
                 after={"username": username, "role": role, "communities": ids,
                        **({"department_id": department_id} if department_id else {})})
    return password


def user_named(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def set_active(username: str, active: bool) -> User:
    """Enable or disable an account; disabling ends its sessions and stops its tokens."""
    user = user_named(username)
    before = user.active
    user.active = active
    sessions.end_all(user.id)
    audit.record("user.enable" if active else "user.disable", "user", user.id,
                 before={"active": before}, after={"active": active})
    return user


def set_password(username: str, password: str, min_length: int) -> None:
    user = user_named(username)
    user.password_hash = _hasher.hash(check_password(password, min_length))
    sessions.end_all(user.id)
    audit.record("user.password", "user", user.id)


def reset_password(username: str) -> str:
    """An admin's reset: a new password, returned to be shown once, which the account is
    asked to replace at its next sign-in; its sessions end. Audited (never the password)."""
    user = user_named(username)
    password = new_password()
    user.password_hash = _hasher.hash(password)
    user.must_change_password = True
    ended = sessions.end_all(user.id)
    audit.record("user.password_reset", "user", user.id,
                 after={"must_change_password": True, "sessions_ended": ended})
    return password


def change_own_password(user_id: int, current: str, new: str, min_length: int) -> None:
    """The signed-in account replaces its password (the current one must be right)."""
    user = db.session.get(User, user_id)
    if user is None or not _verify(user.password_hash or _DUMMY_HASH, current):
        raise InvalidInput("the current password is not right", param="current")
    if new == current:
        raise InvalidInput("choose a password other than the current one", param="password")
    user.password_hash = _hasher.hash(check_password(new, min_length))
    user.must_change_password = False
    audit.record("user.password_change", "user", user.id)


def link_worker(username: str, worker_id: int | None,
                scope: frozenset[int] | None = None) -> dict:
    """Link the account to a grid worker of ``scope`` (community ids, None = all; it then
    works that worker's incidents), or unlink it (None). One account per worker. Audited
    with before and after."""
    user = user_named(username)
    if worker_id is not None:
        worker = db.session.execute(text(
            "SELECT active, community_id, (SELECT min(username) FROM users WHERE"
            " grid_member_id = :w AND id <> :u) AS taken FROM grid_members WHERE id = :w"),
            {"w": worker_id, "u": user.id}).first()
        if worker is None or not worker.active or (
                scope is not None and worker.community_id not in scope):
            raise InvalidInput(f"no active grid worker {worker_id}", param="worker")
        if worker.taken:
            raise Conflict(f"grid worker {worker_id} is linked to {worker.taken} already")
    before = {"grid_member_id": user.grid_member_id}
    user.grid_member_id = worker_id
    after = {"grid_member_id": worker_id}
    audit.record("user.worker", "user", user.id, before=before, after=after)
    return {"username": user.username, **after}


def authenticate(username: str, password: str, *, client: str, max_failures: int,
                 delay_seconds: int, lock_seconds: int) -> User:
    """The active user with these credentials, or ``LoginRefused``.

    Failures count per (name typed, client address) in ``throttle``; a blocked pair is
    refused even the right password. Known and unknown names take the same path: one
    password hash is verified either way, so neither the answer nor its time tells
    whether the account exists.
    """
    now, pair = _now(), throttle.key(username)
    if wait := throttle.wait(pair, client, now):
        raise LoginRefused(wait)
    user = db.session.scalar(select(User).where(User.username == username))
    known = user is not None and bool(user.password_hash)
    right = _verify(user.password_hash if known else _DUMMY_HASH, password)
    if not (known and right and user.active):
        wait = throttle.fail(pair, client, now, max_failures=max_failures,
                             delay_seconds=delay_seconds, lock_seconds=lock_seconds)
        audit.record("login.locked" if wait else "login.failed", "user",
                     user.id if user else None, actor="login:" + _typed_name(username))
        raise LoginRefused(wait)
    throttle.clear(pair, client)
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def _typed_name(username: str) -> str:
    """What a failed sign-in's audit entry names: the name when it could be one, else
    only that it could not (a password typed into the name field must not be kept)."""
    return username if USERNAME.match(username) else "(not a username)"


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(username: str, name: str, days: int | None) -> tuple[ApiToken, str]:
    """A new token for the user; the secret is returned once and only its hash is kept."""
    user = user_named(username)
    if not user.active:
        raise Conflict(f"user {username!r} is disabled")
    name = (name or "").strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("a token name needs 1 to 100 characters", param="name")
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput("days must be between 1 and 3650", param="days")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(secret),
                     created_by=audit.actor_name(),
                     expires_at=_now() + dt.timedelta(days=days) if days else None)
    db.session.add(token)
    db.session.flush()
    audit.record("token.create", "token", token.id,
                 after={"user": username, "name": name,
                        "expires_at": token.expires_at.isoformat() if days else None})
    return token, secret


def revoke_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = _now()
        audit.record("token.revoke", "token", token.id, after={"revoked": True})
    return token


@dataclass(frozen=True)
class Account:
    """Who a request acts for, read in one statement (see ``token_owner``, ``session_owner``)."""

    id: int
    username: str
    role: str
    session_key: str
    grid_member_id: int | None
    communities: frozenset[int] | None  # None: not limited to some communities
    token_id: int | None = None
    department_id: int | None = None
    must_change_password: bool = False  # an admin reset it: nothing else until it is changed


# An account with its community scope, in one round trip: this runs on every request.
_ACCOUNT = """
    SELECT u.id, u.username, u.role, u.session_key, u.grid_member_id, u.department_id,
           u.must_change_password,
           (SELECT array_agg(uc.community_id) FROM user_communities uc
             WHERE uc.user_id = u.id) AS communities{extra}
      FROM users u {join}
     WHERE {where}"""
_BY_TOKEN = _ACCOUNT.format(
    extra=", u.active, t.id AS token_id, t.revoked_at, t.expires_at, t.last_used_at",
    join="JOIN api_tokens t ON t.user_id = u.id", where="t.token_hash = :hash")
# A live session: not ended, its account active, used lately and not too old.
_BY_SESSION = _ACCOUNT.format(
    extra=", s.last_seen_at", join="JOIN sessions s ON s.user_id = u.id",
    where="""s.id = :id AND s.ended_at IS NULL AND u.active
       AND s.last_seen_at > now() - make_interval(mins => CAST(:idle AS int))
       AND s.created_at > now() - make_interval(hours => CAST(:max AS int))""")


def _account(row, token_id: int | None = None) -> Account:
    return Account(row.id, row.username, row.role, row.session_key, row.grid_member_id,
                   frozenset(row.communities) if row.communities else None, token_id,
                   row.department_id, row.must_change_password)


def token_owner(secret: str) -> Account | None:
    """The active account behind a presented live token secret, or None.

    Read outside the request's session transaction (``app.plumbing.readdb``): a request that
    writes in one statement then needs no transaction at all."""
    row = read_primary(lambda conn: conn.execute(
        text(_BY_TOKEN), {"hash": hash_token(secret)}).first())
    if row is None:
        return None
    now = _now()
    if row.revoked_at or (row.expires_at and row.expires_at <= now) or not row.active:
        return None
    # Record use at most every five minutes: a busy client must not write on every call.
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=5):
        write_statements(lambda conn: conn.execute(
            update(ApiToken).where(ApiToken.id == row.token_id).values(last_used_at=now)))
    return _account(row, row.token_id)


def session_owner(token: str, *, idle_minutes: int, max_hours: int) -> Account | None:
    """The active account whose live login session this cookie token names, or None."""
    key = sessions.token_id(token)
    row = read_primary(lambda conn: conn.execute(
        text(_BY_SESSION), {"id": key, "idle": idle_minutes, "max": max_hours}).first())
    if row is None:
        return None
    # The idle clock needs no minute-exact time: write at most once a minute.
    if _now() - row.last_seen_at > dt.timedelta(minutes=1):
        write_statements(lambda conn: conn.execute(
            update(LoginSession).where(LoginSession.id == key).values(last_seen_at=_now())))
    return replace(_account(row), session_key=token)


def end_sessions(username: str) -> int:
    """An admin's "sign out everywhere": every session of the account ends now."""
    user = user_named(username)
    ended = sessions.end_all(user.id)
    audit.record("user.signout_all", "user", user.id, after={"sessions_ended": ended})
    return ended


def scope_of(user_id: int) -> frozenset[int] | None:
    """Community ids an account is limited to; None when it is not limited."""
    ids = db.session.scalars(
        select(UserCommunity.community_id).where(UserCommunity.user_id == user_id)).all()
    return frozenset(ids) if ids else None



def users_with_scope() -> list[tuple[User, list[str]]]:
    """Every account with the codes of the communities it is limited to, by username."""
    codes: dict[int, list[str]] = {}
    for user_id, code in db.session.execute(
            select(UserCommunity.user_id, Community.code)
            .join(Community, Community.id == UserCommunity.community_id)
            .order_by(Community.code)):
        codes.setdefault(user_id, []).append(code)
    users = db.session.scalars(select(User).order_by(User.username)).all()
    return [(u, codes.get(u.id, [])) for u in users]


def token_state(token: ApiToken) -> str:
    if token.revoked_at:
        return "revoked"
    if token.expires_at and token.expires_at <= _now():
        return "expired"
    return "live"


def usernames() -> list[str]:
    return list(db.session.scalars(select(User.username).order_by(User.username)))


def tokens_with_owner() -> list[tuple[ApiToken, str]]:
    return db.session.execute(
        select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.id.desc())).all()


def detach_from_city(conn) -> list[str]:
    """Before the city is replaced: disable the accounts tied to its communities or workers
    (their limits would otherwise vanish and widen what they see) and untie them."""
    names = list(conn.execute(text("""
        UPDATE users SET active = false, grid_member_id = NULL,
                         session_key = md5(random()::text || id::text || clock_timestamp()::text)
         WHERE grid_member_id IS NOT NULL
            OR id IN (SELECT user_id FROM user_communities)
        RETURNING id, username""")))
    conn.execute(text("DELETE FROM user_communities"))
    for user_id, _ in names:
        sessions.end_all(user_id, conn=conn)
        audit.record("user.disable", "user", user_id, conn=conn, after={
            "active": False, "reason": "the city its limits referred to was replaced"})
    return [username for _, username in names]
