"""The delivery worker killed (SIGKILL) while a webhook is in flight, then restarted: the
event is delivered once, nothing is lost and nothing sent again (a real ``flask outbox
run`` process on committed rows)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import text

from tests.conftest import ROOT
from tests.outbox.conftest import report

pytestmark = [pytest.mark.town("incidents"), pytest.mark.commits]
T0 = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)


def worker(database_url: str, at: dt.datetime) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "GRIDMAP_NOW": at.isoformat(),
           "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "run",
                             "--once"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_a_worker_killed_mid_delivery_and_restarted(conn, client, dispatcher, receivers,
                                                    database_url):
    receiver, endpoint = receivers(hang_first=1)
    incident = report(client, dispatcher)
    with worker(database_url, T0) as child:  # the pipes closed after it
        try:
            assert receiver.hanging.wait(60), "the worker sent nothing"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(30)
            receiver.release.set()
    assert child.returncode == -signal.SIGKILL
    leased = conn.execute(text("SELECT status, attempts, lease_until FROM deliveries"
                               " WHERE endpoint_id = :e"), {"e": endpoint}).one()
    assert leased.status == "pending" and leased.attempts == 1 and leased.lease_until
    for at in (T0 + dt.timedelta(seconds=30), T0 + dt.timedelta(seconds=61),
               T0 + dt.timedelta(hours=30)):  # leased still; retaken; nothing left
        with worker(database_url, at) as restarted:
            _, err = restarted.communicate(timeout=60)
        assert restarted.returncode == 0, err
    [(msg_id, bodies)] = receiver.accepted.items()
    assert len(bodies) == 1 and bodies[0]["data"]["incident_id"] == incident
    assert len(receiver.requests) == 2 and all(r["valid"] for r in receiver.requests)
    assert conn.execute(text("SELECT status, attempts FROM deliveries WHERE endpoint_id = :e"),
                        {"e": endpoint}).one() == ("delivered", 2)
