"""Two delivery workers at once (issue 24, part 3: background work safe with several nodes):
each on its own connection, one delivery a step, both running until nothing is left. Every
webhook is delivered once (the deliveries are leased with ``FOR UPDATE SKIP LOCKED``, the
outbox fanned out under the same kind of lock), and every reminder step fires once (its
``reminders_sent`` key decides between the two)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import text

from geo.incidents import intake
from geo.outbox import worker
from tests.outbox.conftest import act, report

pytestmark = [pytest.mark.town("incidents"), pytest.mark.commits]
DUE = dt.datetime(2026, 12, 11, 8, 0, tzinfo=dt.UTC)  # Friday, 16:00 in Beijing
AT = DUE + dt.timedelta(minutes=1)  # the default steps at -2 h and 0 h have come (3 each)
INCIDENTS = 6


def _left(conn) -> int:
    return conn.execute(text(
        "SELECT (SELECT count(*) FROM outbox WHERE fanned_out_at IS NULL)"
        " + (SELECT count(*) FROM deliveries WHERE status = 'pending')")).scalar()


@pytest.fixture
def due(app, conn, client, dispatcher, town, make_user):
    """INCIDENTS incidents dispatched to grid A's worker, all due at DUE; the worker's and
    the grid chief's accounts; the worker settings (one delivery a step)."""
    incidents = []
    for _ in range(INCIDENTS):
        incident = report(client, dispatcher)
        act(client, dispatcher, incident, "accept")
        act(client, dispatcher, incident, "dispatch")
        incidents.append(incident)
    conn.execute(text("UPDATE incidents SET due_at = :d WHERE id = ANY(:i)"),
                 {"d": DUE, "i": incidents})
    for name, member in (("worker", "A_full"), ("chief", "A_chief")):
        make_user(name, "member")
        conn.execute(text("UPDATE users SET grid_member_id = :m WHERE username = :u"),
                     {"m": town[member], "u": name})
    rules = intake.Rules.from_config(app.config)
    return incidents, worker.Settings(batch=1,
                                      calendar_of=lambda c: intake.settings(c, rules)[1])


def told(conn) -> list[tuple]:
    return sorted(conn.execute(text(
        "SELECT n.incident_id, u.username, n.details->>'audience' FROM notifications n"
        " JOIN users u ON u.id = n.user_id WHERE n.kind = 'reminder'")).all())


def expected(incidents: list[int]) -> list[tuple]:
    return sorted((i, *who) for i in incidents for who in (
        ("worker", "assignee"), ("worker", "assignee"), ("chief", "grid_chief")))


def test_incidents_due_at_the_same_moment_each_get_their_reminders(conn, due):
    incidents, settings = due
    worker.step(conn, lambda: None, AT, settings, {})
    assert told(conn) == expected(incidents)  # (one key per user and step dropped them)


def test_two_workers_at_once_deliver_each_webhook_and_fire_each_reminder_once(
        conn, due, receivers):
    from app.extensions import db

    hooks = [receivers(), receivers()]
    incidents, settings = due
    # Registered before the incidents were made (an endpoint hears the events after it).
    conn.execute(text("UPDATE webhook_endpoints SET created_at = created_at - interval '1 hour'"))
    sent: list[tuple[str, int]] = []  # (worker, delivery id) of every attempt

    def send(row, at):
        sent.append((threading.current_thread().name, row.id))
        time.sleep(0.01)  # a receiver's round trip: the other worker goes on meanwhile
        return worker.send_webhook(row, at)

    failures = []
    engine = db.engine  # (the threads have no application context)

    def run() -> None:
        try:
            with engine.connect() as c:
                end = time.monotonic() + 60
                while time.monotonic() < end:
                    done = worker.step(c, c.commit, AT, settings, {"webhook": send})
                    c.commit()
                    if not done and not _left(c):
                        return
                    if not done:
                        time.sleep(0.02)  # the other worker holds what is left
        except Exception as error:  # noqa: BLE001 (reported by the test's thread)
            failures.append(error)

    threads = [threading.Thread(target=run, name=f"w{n}") for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not failures and not any(t.is_alive() for t in threads)

    events = conn.execute(text("SELECT count(*) FROM outbox WHERE incident_id = ANY(:i)"),
                          {"i": incidents}).scalar()
    assert events >= 3 * INCIDENTS  # reported, accepted, dispatched
    for receiver, _ in hooks:
        assert len(receiver.requests) == events  # each event once to each endpoint
        assert all(len(bodies) == 1 for bodies in receiver.accepted.values())
        assert len(receiver.accepted) == events
    assert len(sent) == 2 * events and len({d for _, d in sent}) == 2 * events
    assert set(Counter(w for w, _ in sent)) == {"w1", "w2"}  # both did some of it
    assert conn.execute(text("SELECT count(*) FROM deliveries WHERE status <> 'delivered'"
                             " OR attempts <> 1")).scalar() == 0
    assert told(conn) == expected(incidents)
    fired = conn.execute(text("SELECT incident_id, count(*), sum(recipients)"
                              " FROM reminders_sent GROUP BY 1 ORDER BY 1")).all()
    assert [tuple(r) for r in fired] == [(i, 3, 3) for i in incidents]
