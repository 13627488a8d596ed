"""Rate limits when their Redis goes away (issue 24, part 3): the public routes keep
answering, each node counts in memory meanwhile (limits still apply, per node), a warning
is logged once and ``/healthz`` tells an administrator; Redis back, the budget is shared
again. Two apps in this process play the two nodes (each has its own memory), against a
real redis-server stopped mid-test and started again on its port."""

from __future__ import annotations

import logging
import time

import pytest
import scaletools

from tests.support.auth import bearer
from tests.support.geometries import xy

pytestmark = [pytest.mark.commits, pytest.mark.town("incidents")]

LOOKUP = "/api/v1/lookup?lon={}&lat={}".format(*xy(1, 1))
# A day's window: a window that renews mid-test would reset the counts asserted.
BUDGET = "6 per day"


@pytest.fixture
def redis_of_its_own():
    """A Redis this test may stop and start again (on the same port)."""
    servers = [scaletools.start_redis()]
    yield servers
    scaletools.stop_redis(servers[-1])


def lookups(client, n: int) -> list[int]:
    return [client.get(LOOKUP).status_code for _ in range(n)]


def test_with_redis_down_limits_hold_per_node_and_come_back_shared(
        make_app, town, redis_of_its_own, make_user, make_token, caplog):
    redis = redis_of_its_own[0]
    nodes = [make_app(RATELIMIT_STORAGE_URI=redis.url, RATELIMIT_PUBLIC=BUDGET,
                      RATELIMIT_RETRY_SECONDS=1) for _ in range(2)]
    one, two = (node.test_client() for node in nodes)
    admin = bearer((make_user("root", "admin"), make_token("root"))[1])
    assert one.get("/healthz", headers=admin).get_json()["rate_limits"] == {"store": "shared"}
    # Shared: one budget of 6 over both nodes.
    assert lookups(one, 3) == [200] * 3
    assert lookups(two, 4) == [200] * 3 + [429]

    scaletools.stop_redis(redis)
    caplog.set_level(logging.WARNING, logger="app.security.limits")
    started = time.monotonic()
    # Each node counts alone, from nothing: 6 each, then 429 — never a 500.
    assert lookups(one, 8) == [200] * 6 + [429] * 2
    assert lookups(two, 8) == [200] * 6 + [429] * 2
    assert time.monotonic() - started < 5  # no connect timeout per request
    assert two.get("/api/v1/grids?limit=1").status_code == 429  # the same budget, via Flask
    warned = [r for r in caplog.records if "shared store failed" in r.getMessage()]
    assert len(warned) == 2  # once per node and outage, not per request
    health = one.get("/healthz", headers=admin)
    assert health.status_code == 200 and health.get_json()["rate_limits"]["store"] == "memory"
    assert "rate_limits" not in one.get("/healthz").get_json()  # operators only

    redis_of_its_own.append(scaletools.start_redis(redis.port))
    time.sleep(1.1)  # RATELIMIT_RETRY_SECONDS: then each node asks Redis again
    # Shared again (the restarted Redis kept nothing): one budget of 6 over both nodes.
    assert lookups(one, 3) == [200] * 3
    assert lookups(two, 4) == [200] * 3 + [429]
    assert one.get("/healthz", headers=admin).get_json()["rate_limits"] == {"store": "shared"}
    assert any("answers again" in r.getMessage() for r in caplog.records)
