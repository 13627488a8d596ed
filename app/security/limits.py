"""Rate limits: public routes per client address, and sign-in attempts per client address.

``public`` marks a view as open to anonymous callers and puts it under the shared
``RATELIMIT_PUBLIC`` budget of its client (fixed windows); the privacy test walks every
view so marked. Past the budget the answer is 429 with ``Retry-After``.

Counters live in ``RATELIMIT_STORAGE_URI``. ``memory://`` counts in this process (one
budget per worker process); any other URI (``redis://host:6379``, ``memcached://...``)
goes through the ``limits`` library's storage so that every worker and machine shares the
same counters. Limits use the ``limits`` syntax ("300 per minute").

A shared store that cannot be reached does not fail the request: that process counts in
memory meanwhile (each worker its own budget, so the limits still hold per node, looser
by the number of workers and nodes), logs one warning per outage, asks the store again
every ``RATELIMIT_RETRY_SECONDS`` and, once it answers, counts there again.
``/healthz`` shows an administrator which (:func:`report`).

Why not Flask-Limiter: measured here it cost about 300 µs per request (a before-request
pass over every route plus a timer thread per expiry), a third of the public lookup's
whole budget; this module costs a few microseconds with memory:// and one round trip
with a shared store.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from functools import lru_cache, wraps

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger(__name__)
# How long a request waits for a Redis store (seconds): an unreachable one must not hold
# the public routes up (the counting falls back to memory instead).
REDIS_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


class LocalWindows:
    """Fixed-window counters in this process: {(scope, client, window): hits}."""

    def __init__(self) -> None:
        self._hits: dict[tuple, int] = {}
        self._lock = threading.Lock()
        self._pruned = 0

    def hit(self, item: RateLimitItem, scope: str, client: str) -> int | None:
        """Count one hit; None when allowed, else the seconds until the window ends."""
        period, now = item.get_expiry(), time.time()
        window = int(now // period)
        key = (scope, client, item.amount, period, window)
        with self._lock:
            count = self._hits[key] = self._hits.get(key, 0) + 1
            if now - self._pruned > 60:
                self._prune(now)
        return None if count <= item.amount else math.ceil((window + 1) * period - now)

    def _prune(self, now: float) -> None:
        self._hits = {k: n for k, n in self._hits.items() if (k[4] + 1) * k[3] > now}
        self._pruned = now

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


class SharedWindows:
    """The same, kept in a store all workers share (through the ``limits`` library); while
    the store cannot be reached, in this process's memory (see the module's docstring)."""

    def __init__(self, uri: str, retry_seconds: float = 5.0) -> None:
        options = REDIS_TIMEOUTS if uri.split(":", 1)[0] in ("redis", "rediss") else {}
        storage = storage_from_string(uri, **options)
        self._limiter = FixedWindowRateLimiter(storage)
        self._errors = storage.base_exceptions  # the store's driver's (redis.RedisError)
        self._local = LocalWindows()
        self._retry_seconds = retry_seconds
        self._down_since: float | None = None  # time.time() the store failed; None: it works
        self._retry_at = 0.0  # time.monotonic() when the next request asks the store again
        self._lock = threading.Lock()

    def hit(self, item: RateLimitItem, scope: str, client: str) -> int | None:
        if not self._use_store():
            return self._local.hit(item, scope, client)
        try:
            if self._limiter.hit(item, scope, client):
                wait = None
            else:
                reset = self._limiter.get_window_stats(item, scope, client).reset_time
                wait = max(1, math.ceil(reset - time.time()))
        except self._errors as error:
            self._failed(error)
            return self._local.hit(item, scope, client)
        if self._down_since is not None:
            self._recovered()
        return wait

    def _use_store(self) -> bool:
        """Ask the store? Always while it works; when down, one request per retry period."""
        if self._down_since is None:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self._retry_at:
                return False
            self._retry_at = now + self._retry_seconds  # this request asks; others wait
            return True

    def _failed(self, error: Exception) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + self._retry_seconds
            if self._down_since is not None:
                return
            self._down_since = time.time()
        log.warning("rate limits: the shared store failed (%s: %s); this process counts in "
                    "memory until it answers again", type(error).__name__, error)

    def _recovered(self) -> None:
        with self._lock:
            down_since, self._down_since = self._down_since, None
        if down_since is not None:
            log.warning("rate limits: the shared store answers again after %.0f s; counting "
                        "there again", time.time() - down_since)

    def report(self) -> dict:
        """``{"store": "shared"}``, or ``"memory"`` with the seconds since the store failed."""
        down_since = self._down_since
        if down_since is None:
            return {"store": "shared"}
        return {"store": "memory", "since_seconds": round(time.time() - down_since, 1)}

    def reset(self) -> None:
        self._local.reset()
        try:
            self._limiter.storage.reset()
        except self._errors as error:
            self._failed(error)


# environ key: (scope, hit's answer) for a request counted before Flask saw it
COUNTED = "gridmap.limit_counted"


@lru_cache(maxsize=32)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


def hit(app: Flask, scope: str, setting: str, client: str) -> int | None:
    """Count one request of ``client`` against its ``scope`` budget (the limit in the
    ``setting``); None when allowed, else the seconds until the budget renews."""
    cfg = app.config
    if not cfg["RATELIMIT_ENABLED"]:
        return None
    return app.extensions["gridmap_limits"].hit(_parsed(cfg[setting]), scope, client)


def check(scope: str, setting: str) -> None:
    """Count this request against the client's ``scope`` budget; 429 when it is spent.

    A request app.api.places.fastlookup already counted and handed on carries that count's answer
    in its environ (``COUNTED``): it is not counted twice."""
    counted = request.environ.get(COUNTED)
    if counted is not None and counted[0] == scope:
        wait = counted[1]
    else:
        wait = hit(current_app, scope, setting, request.remote_addr or "")
    if wait is not None:
        raise TooManyRequests(f"too many requests from your address: the limit is "
                              f"{current_app.config[setting]}; try again in {wait} s",
                              retry_after=wait)


def public(view):
    """Decorator: an anonymous route, under the client's shared public rate limit."""

    @wraps(view)
    def limited(*args, **kwargs):
        check("public", "RATELIMIT_PUBLIC")
        return view(*args, **kwargs)

    limited.gridmap_public = True
    return limited


def login_limit(view):
    """Decorator: sign-in attempts (POST) count against the client's login budget."""

    @wraps(view)
    def limited(*args, **kwargs):
        if request.method == "POST":
            check("login", "RATELIMIT_LOGIN")
        return view(*args, **kwargs)

    return limited


def reset(app: Flask) -> None:
    """Forget every counter (tests, or an operator after a false alarm)."""
    app.extensions["gridmap_limits"].reset()


def report(app: Flask) -> dict | None:
    """Where the counters are (``/healthz``, for an administrator); None with memory://."""
    windows = app.extensions["gridmap_limits"]
    return windows.report() if isinstance(windows, SharedWindows) else None


def init_app(app: Flask) -> None:
    cfg = app.config
    uri = cfg["RATELIMIT_STORAGE_URI"]
    app.extensions["gridmap_limits"] = (
        LocalWindows() if uri.startswith("memory://")
        else SharedWindows(uri, retry_seconds=cfg["RATELIMIT_RETRY_SECONDS"]))
