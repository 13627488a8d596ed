"""Rate limits: public routes per client address, and sign-in attempts per client address.

``public`` marks a view as open to anonymous callers and puts it under the shared
``RATELIMIT_PUBLIC`` budget of its client (fixed windows); the privacy test walks every
view so marked. Past the budget the answer is 429 with ``Retry-After``.

Counters live in ``RATELIMIT_STORAGE_URI``. ``memory://`` counts in this process (one
budget per worker process); any other URI (``redis://host:6379``, ``memcached://...``)
goes through the ``limits`` library's storage so that every worker and machine shares the
same counters. Limits use the ``limits`` syntax ("300 per minute").

Why not Flask-Limiter: measured here it cost about 300 µs per request (a before-request
pass over every route plus a timer thread per expiry), a third of the public lookup's
whole budget; this module costs a few microseconds with memory:// and one round trip
with a shared store.
"""

from __future__ import annotations

import math
import threading
import time
from functools import lru_cache, wraps

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests


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
    """The same, kept in a store all workers share (through the ``limits`` library)."""

    def __init__(self, uri: str) -> None:
        self._limiter = FixedWindowRateLimiter(storage_from_string(uri))

    def hit(self, item: RateLimitItem, scope: str, client: str) -> int | None:
        if self._limiter.hit(item, scope, client):
            return None
        reset = self._limiter.get_window_stats(item, scope, client).reset_time
        return max(1, math.ceil(reset - time.time()))

    def reset(self) -> None:
        self._limiter.storage.reset()


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


def init_app(app: Flask) -> None:
    uri = app.config["RATELIMIT_STORAGE_URI"]
    app.extensions["gridmap_limits"] = (
        LocalWindows() if uri.startswith("memory://") else SharedWindows(uri))
