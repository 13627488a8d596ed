"""The outbox never grows without end: outbox rows delivered to every target, with their
deliveries and delivery log, are removed by the worker a batch at a time once older than
the retention (OUTBOX_KEEP_DAYS); a row not yet delivered to every endpoint never is. The
worker's clock is the test's; the rows are made "old" by moving their times back."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from geo.outbox import endpoints
from tests.outbox.conftest import report

pytestmark = pytest.mark.town("incidents")
NOW = dt.datetime.now(dt.UTC)
KEEP = dt.timedelta(days=90)


def counts(conn) -> tuple[int, int, int]:
    return conn.execute(text(
        "SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM deliveries),"
        " (SELECT count(*) FROM delivery_attempts)")).one()


def age(conn, days: float) -> None:
    """Every outbox row and log row ``days`` older (the deliveries keep their own times)."""
    conn.execute(text("UPDATE outbox SET created_at = created_at - make_interval(days => :d)"),
                 {"d": days})
    conn.execute(text("UPDATE delivery_attempts SET at = at - make_interval(days => :d)"),
                 {"d": days})


def test_delivered_rows_go_after_the_retention_in_batches(conn, client, dispatcher,
                                                          receivers, run):
    receiver, _ = receivers()
    for _ in range(3):
        report(client, dispatcher)
    run(NOW, keep=KEEP)
    rows, made, logged = counts(conn)
    assert rows >= 3 and made == rows and logged == rows and len(receiver.accepted) == rows
    age(conn, 89)
    run(NOW, keep=KEEP)
    assert counts(conn) == (rows, made, logged)  # 89 days: kept
    age(conn, 2)
    run(NOW, keep=KEEP, purge_batch=2)
    assert counts(conn)[0] == rows - 2  # one batch per pass
    while counts(conn)[0]:
        run(NOW, keep=KEEP, purge_batch=2)
    assert counts(conn) == (0, 0, 0)
    assert conn.execute(text("SELECT count(*) FROM incident_events")).scalar() >= 3  # history
    run(NOW, keep=KEEP)  # nothing is sent again
    assert sum(len(v) for v in receiver.accepted.values()) == rows


def test_rows_not_delivered_to_every_endpoint_stay(conn, client, dispatcher, receivers, run):
    good, _ = receivers()
    late, late_id = receivers(fail_first=1)
    incident = report(client, dispatcher)
    run(NOW, keep=KEEP)  # the late receiver fails once: its deliveries wait 5 s
    age(conn, 100)
    run(NOW + dt.timedelta(seconds=1), keep=KEEP)
    rows = conn.execute(text("SELECT count(*) FROM outbox WHERE incident_id = :i"),
                        {"i": incident}).scalar()
    assert rows >= 1
    pending = conn.execute(text("SELECT count(*) FROM deliveries WHERE endpoint_id = :e"
                                " AND status = 'pending'"), {"e": late_id}).scalar()
    assert pending == rows  # not removed while the late endpoint waits for them
    assert conn.execute(text("SELECT count(*) FROM deliveries WHERE status = 'delivered'"
                             )).scalar() == rows  # the good endpoint's, kept with them
    run(NOW + dt.timedelta(seconds=10), keep=KEEP)  # the retry succeeds: now all delivered
    assert len(late.accepted) == rows and len(good.accepted) == rows
    run(NOW + dt.timedelta(seconds=11), keep=KEEP)
    assert counts(conn)[:2] == (0, 0)


def test_failed_deliveries_are_kept_and_go_with_their_endpoint(conn, client, dispatcher,
                                                               receivers, run):
    _, dead = receivers(fail_first=1000)
    report(client, dispatcher)
    at = NOW
    run(at, keep=KEEP, disable_after=1000)
    while conn.execute(text("SELECT count(*) FROM deliveries WHERE status = 'pending'")
                       ).scalar():
        at += dt.timedelta(hours=6)
        run(at, keep=KEEP, disable_after=1000)
    age(conn, 120)
    run(at + dt.timedelta(days=120), keep=KEEP)
    rows = counts(conn)[0]
    assert rows >= 1 and conn.execute(text(
        "SELECT count(*) FROM deliveries WHERE status = 'failed'")).scalar() == rows
    endpoints.remove(conn, dead)  # its deliveries and log go with it
    run(at + dt.timedelta(days=120), keep=KEEP)
    assert counts(conn)[0] == 0
