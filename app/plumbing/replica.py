"""Whether a read may go to the streaming replica (``READ_DATABASE_URL``) right now.

PostgreSQL's streaming replication does the copying; this module only decides, per
read, between the replica and the primary, cheaply enough for the public lookup:

- **State**, asked of the replica at most every ``READ_CHECK_SECONDS`` by whichever
  request finds it stale (the others go on with the last answer): its replay position
  (``pg_last_wal_replay_lsn()``) and its lag — 0 when it has replayed all it received,
  else the age of the last transaction it replayed. Past ``READ_MAX_LAG_SECONDS`` it is
  *lagging* and reads go to the primary until it catches up.
- **Circuit breaker**: a replica that cannot be reached (stopped, restarting, network)
  is *down* for ``READ_RETRY_SECONDS``; meanwhile reads go straight to the primary
  without trying it, so no request waits for a connect timeout
  (``READ_CONNECT_TIMEOUT``, for the one that finds out).
- **Read-your-writes**: an account's write leaves the primary's WAL position in a cookie
  (:data:`COOKIE`, set by ``app.plumbing.readdb``); that account's reads go to the
  primary until the replica has replayed past it. The anonymous lookup never carries it.

The numbers are per process: each worker asks the replica about once a second.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
COOKIE = "gridmap_lsn"
COOKIE_SECONDS = 300  # a replica that needs longer than this to replay is lagging anyway
_STATUS = """
    SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
           CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
                THEN 0
                ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8
"""


def lsn_number(lsn: str | None) -> int:
    """``'16/B374D848'`` as a number (0 for nothing or something else)."""
    high, _, low = (lsn or "").partition("/")
    try:
        return (int(high, 16) << 32) | int(low, 16)
    except ValueError:
        return 0


@dataclass
class Status:
    """What an operator sees (``/healthz``): ok, lagging, down or unknown (not asked yet)."""

    state: str = "unknown"
    lag_seconds: float | None = None
    replay_lsn: int = 0
    checked_at: float = 0.0  # time.monotonic() of the last answer or failure


class Replica:
    def __init__(self, engine: Engine, *, max_lag: float, check_seconds: float,
                 retry_seconds: float) -> None:
        self.engine = engine
        self.max_lag = max_lag
        self.check_seconds = check_seconds
        self.retry_seconds = retry_seconds
        self.status = Status()
        self._asking = threading.Lock()

    def usable(self, written_lsn: int = 0) -> bool:
        """May this read go to the replica? ``written_lsn``: the caller's last write."""
        status = self.status
        wait = self.retry_seconds if status.state == "down" else self.check_seconds
        if time.monotonic() - status.checked_at >= wait:
            status = self.check(blocking=False)
        return status.state == "ok" and status.replay_lsn >= written_lsn

    def check(self, *, blocking: bool = True) -> Status:
        """Ask the replica now (one thread at a time; the others keep the last answer)."""
        if not self._asking.acquire(blocking=blocking):
            return self.status
        try:
            try:
                with self.engine.connect() as conn:
                    standby, lsn, lag = conn.execute(text(_STATUS)).one()
            except DBAPIError as err:
                self.failed(err)
                return self.status
            if not standby:  # promoted, or READ_DATABASE_URL names a primary: up to date
                lag, replayed = 0.0, 1 << 64
            else:
                replayed = lsn_number(lsn)
            state = "ok" if lag is not None and lag <= self.max_lag else "lagging"
            self.status = Status(state, None if lag is None else round(lag, 3), replayed,
                                 time.monotonic())
            return self.status
        finally:
            self._asking.release()

    def failed(self, err: Exception) -> None:
        """The replica did not answer: reads skip it for ``retry_seconds``."""
        if self.status.state != "down":
            log.warning("read replica unreachable, reading from the primary for %s s: %s",
                        self.retry_seconds, getattr(err, "orig", err))
        self.status = Status("down", None, 0, time.monotonic())
        self.engine.dispose(close=False)

    def report(self) -> dict:
        """For operators, asked now: the state and the lag (seconds)."""
        status = self.check(blocking=True)
        return {"state": status.state, "lag_seconds": status.lag_seconds,
                "checked_seconds_ago": round(time.monotonic() - status.checked_at, 1)}
