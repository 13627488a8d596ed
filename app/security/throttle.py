"""Sign-in throttling per (typed username, client address), with growing delays.

The first ``LOGIN_MAX_FAILURES - 1`` failures of a pair cost nothing; from then on each
failure blocks that pair for twice as long as the last (``LOGIN_DELAY_SECONDS``,
then double, up to ``LOGIN_LOCK_SECONDS``), and a blocked pair is refused even the right
password. Known and unknown names are counted alike (the key is a hash of the name typed,
so what was typed is not stored), and only the guessing address is held back: nobody can
keep someone else's account locked. A pair forgets its failures once it has been quiet
for ``LOGIN_LOCK_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert

from app.extensions import db
from app.models import LoginThrottle


def key(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


def wait(account: str, client: str, now: dt.datetime) -> int | None:
    """Seconds this pair must still wait before trying again, or None."""
    until = db.session.scalar(select(LoginThrottle.blocked_until).where(
        LoginThrottle.account == account, LoginThrottle.ip == client))
    return _seconds(until, now)


def fail(account: str, client: str, now: dt.datetime, *, max_failures: int,
         delay_seconds: int, lock_seconds: int) -> int | None:
    """Count one failure of the pair; returns the seconds it is now blocked for, or None."""
    table = LoginThrottle.__table__
    quiet = now - dt.timedelta(seconds=lock_seconds)
    # One statement, so two simultaneous failures both count.
    failures = db.session.scalar(
        insert(table).values(account=account, ip=client, failures=1, last_failed_at=now)
        .on_conflict_do_update(index_elements=[table.c.account, table.c.ip], set_={
            "failures": case((table.c.last_failed_at < quiet, 0),
                             else_=table.c.failures) + 1,
            "last_failed_at": now})
        .returning(table.c.failures))
    if failures < max_failures:
        return None
    seconds = min(lock_seconds, delay_seconds * 2 ** min(failures - max_failures, 30))
    until = now + dt.timedelta(seconds=seconds)
    db.session.execute(update(table).where(
        table.c.account == account, table.c.ip == client).values(blocked_until=until))
    return _seconds(until, now)


def clear(account: str, client: str) -> None:
    """A successful sign-in forgets the pair's failures."""
    db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.account == account, LoginThrottle.ip == client))


def _seconds(until: dt.datetime | None, now: dt.datetime) -> int | None:
    if until is None or until <= now:
        return None
    return math.ceil((until - now).total_seconds())
