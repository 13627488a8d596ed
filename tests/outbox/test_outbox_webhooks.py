"""The outbox and its webhooks (issue 21 part 5): every incident event is an outbox row in
the event's transaction; webhooks are signed per the Standard Webhooks spec, retried with
back-off, each event delivered once, and a worker killed mid-delivery loses and repeats
nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from geo.outbox import signing, worker
from geo.outbox.store import deliveries
from tests.outbox.conftest import act, report

pytestmark = pytest.mark.town("incidents")
T0 = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)


def events_of(conn, incident_id: int) -> list[int]:
    return conn.execute(text("SELECT id FROM incident_events WHERE incident_id = :i ORDER BY id"),
                        {"i": incident_id}).scalars().all()


def drain(run, start: dt.datetime, hours: float = 30, **settings) -> dt.datetime:
    """Run the worker every minute of worker clock for an hour, then every half hour, until
    ``hours`` passed."""
    at = start
    while at < start + dt.timedelta(hours=hours):
        run(at, **settings)
        at += dt.timedelta(minutes=1) if at < start + dt.timedelta(hours=1) else \
            dt.timedelta(minutes=30)
    return at


def test_every_incident_event_is_an_outbox_row_of_its_transaction(conn, client, dispatcher):
    incident = report(client, dispatcher)
    act(client, dispatcher, incident, "accept")
    rows = conn.execute(text("SELECT event_id, kind, payload FROM outbox WHERE incident_id = :i"
                             " ORDER BY event_id"), {"i": incident}).all()
    assert [r.event_id for r in rows] == events_of(conn, incident)
    assert [r.kind for r in rows][-1] == "accept"
    assert rows[-1].payload["to_status"] == "accepted"
    assert "note" not in rows[-1].payload  # notes may be private: never in the payload


def test_a_set_based_insert_of_events_writes_one_outbox_row_each(conn, client, dispatcher):
    incident = report(client, dispatcher)
    conn.execute(text("INSERT INTO incident_events (incident_id, at, actor, action)"
                      " SELECT :i, now(), 'import', 'comment' FROM generate_series(1, 3)"),
                 {"i": incident})
    kinds = conn.execute(text("SELECT kind FROM outbox WHERE incident_id = :i"),
                         {"i": incident}).scalars().all()
    assert kinds.count("comment") == 3
    assert len(kinds) == len(events_of(conn, incident))


def test_webhooks_are_signed_per_the_spec(conn, client, dispatcher, receivers, run):
    receiver, _ = receivers()
    incident = report(client, dispatcher)
    act(client, dispatcher, incident, "accept")
    assert run(T0) == 2
    assert len(receiver.requests) == 2 and all(r["valid"] for r in receiver.requests)
    assert all(r["timestamp"] == int(T0.timestamp()) for r in receiver.requests)
    bodies = [b[0] for b in receiver.accepted.values()]
    kinds = conn.execute(text("SELECT 'incident.' || action FROM incident_events"
                              " WHERE incident_id = :i"), {"i": incident}).scalars().all()
    assert sorted(b["type"] for b in bodies) == sorted(kinds)
    assert all(b["data"]["incident_id"] == incident for b in bodies)
    assert run(T0 + dt.timedelta(hours=2)) == 0  # delivered: never sent again


def test_a_wrong_secret_fails_verification():
    secret, other = signing.new_secret(), signing.new_secret()
    header = signing.sign(secret, "msg_1", 1700000000, b"{}")
    assert signing.verify(secret, "msg_1", "1700000000", b"{}", header)
    assert not signing.verify(other, "msg_1", "1700000000", b"{}", header)
    assert not signing.verify(secret, "msg_1", "1700000001", b"{}", header)


def test_a_receiver_failing_three_times_then_recovering_gets_each_event_once(
        conn, client, dispatcher, receivers, run):
    receiver, endpoint = receivers(fail_first=3)
    incident = report(client, dispatcher)
    act(client, dispatcher, incident, "accept")
    act(client, dispatcher, incident, "dispatch")
    drain(run, T0)
    expected = {f"msg_{i}" for i in conn.execute(text(
        "SELECT id FROM outbox WHERE incident_id = :i"), {"i": incident}).scalars()}
    assert set(receiver.accepted) == expected
    assert all(len(bodies) == 1 for bodies in receiver.accepted.values())
    assert all(r["valid"] for r in receiver.requests)
    log = conn.execute(text("SELECT ok, count(*) FROM delivery_attempts a JOIN deliveries d"
                            " ON d.id = a.delivery_id WHERE d.endpoint_id = :e GROUP BY ok"),
                       {"e": endpoint}).all()
    assert dict(log) == {False: 3, True: len(expected)}
    assert conn.execute(text("SELECT active, consecutive_failures FROM webhook_endpoints"
                             " WHERE id = :e"), {"e": endpoint}).one() == (True, 0)


def test_retries_back_off(conn, client, dispatcher, receivers, run):
    receiver, _ = receivers(fail_first=2)
    report(client, dispatcher)
    run(T0)
    assert len(receiver.requests) == 1
    run(T0 + dt.timedelta(seconds=4))  # the first back-off is 5 s
    assert len(receiver.requests) == 1
    run(T0 + dt.timedelta(seconds=5))
    assert len(receiver.requests) == 2
    run(T0 + dt.timedelta(seconds=5 + 299))  # then 5 min
    assert len(receiver.requests) == 2
    run(T0 + dt.timedelta(seconds=5 + 300))
    assert len(receiver.requests) == 3 and len(receiver.accepted) == 1


def test_a_worker_killed_after_its_lease_loses_and_repeats_nothing(
        conn, client, dispatcher, receivers, run):
    receiver, _ = receivers()
    report(client, dispatcher)
    run(T0)  # fan out; the report's event is delivered
    first = set(receiver.accepted)
    incident = report(client, dispatcher)
    deliveries.fan_out(conn, T0)
    taken = deliveries.claim(conn, T0, worker.LEASE, 50)  # the worker dies holding this lease
    assert len(taken) == 1
    assert run(T0 + dt.timedelta(seconds=30)) == 0  # leased: no other worker takes it
    assert run(T0 + worker.LEASE) == 1  # expired: retaken
    assert run(T0 + dt.timedelta(hours=30)) == 0
    assert len(receiver.accepted) == len(first) + 1
    assert all(len(b) == 1 for b in receiver.accepted.values())
    assert receiver.accepted[f"msg_{taken[0].outbox_id}"][0]["data"]["incident_id"] == incident


def test_a_worker_killed_after_sending_resends_with_the_same_webhook_id(
        conn, client, dispatcher, receivers, run):
    receiver, _ = receivers()
    report(client, dispatcher)
    deliveries.fan_out(conn, T0)
    taken = deliveries.claim(conn, T0, worker.LEASE, 50)
    worker.send_webhook(taken[0], T0)  # sent, then the worker died before recording it
    assert run(T0 + worker.LEASE) == 1
    assert run(T0 + dt.timedelta(hours=30)) == 0
    assert list(receiver.accepted) == [f"msg_{taken[0].outbox_id}"]  # one id: deduplicated
    assert len(receiver.requests) == 2


def test_an_endpoint_failing_every_time_is_disabled_and_gives_up_after_a_day(
        conn, client, dispatcher, receivers, run):
    receiver, endpoint = receivers(fail_first=1000)
    for _ in range(2):
        report(client, dispatcher)
    drain(run, T0, disable_after=3)
    active, failures = conn.execute(text(
        "SELECT active, consecutive_failures FROM webhook_endpoints WHERE id = :e"),
        {"e": endpoint}).one()
    # disabled at the 3rd failure in a row; attempts already leased in the same pass count too
    assert not active and 3 <= failures <= 4
    assert len(receiver.requests) == failures and receiver.accepted == {}
    assert conn.execute(text("SELECT count(*) FROM deliveries WHERE endpoint_id = :e AND"
                             " status = 'pending'"), {"e": endpoint}).scalar() == 2


def test_a_delivery_gives_up_after_24_hours(conn, client, dispatcher, receivers, run):
    receiver, endpoint = receivers(fail_first=1000)
    report(client, dispatcher)
    drain(run, T0, hours=48)
    status, attempts = conn.execute(text(
        "SELECT status, attempts FROM deliveries WHERE endpoint_id = :e"), {"e": endpoint}).one()
    assert status == "failed" and attempts == len(worker.BACKOFF)
    assert max(r["timestamp"] for r in receiver.requests) <= int(
        (T0 + dt.timedelta(hours=24)).timestamp())


def test_an_event_filter_picks_kinds(conn, client, dispatcher, receivers, run):
    receiver, _ = receivers(events=("accept",))
    incident = report(client, dispatcher)
    act(client, dispatcher, incident, "accept")
    run(T0)
    assert [b[0]["type"] for b in receiver.accepted.values()] == ["incident.accept"]
