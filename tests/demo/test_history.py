"""The province's years of history (``geo.demo.history``, ``flask demo --size province``):
made in PostgreSQL from the city's 90 days, about as many incidents as asked, each a copy
of a finished incident with its whole history, location and facts moved back by whole
13-week quarters; nothing open, no outbox rows, no queued statistics."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from geo.demo import history

pytestmark = [pytest.mark.postgis, pytest.mark.commits]


def _count(conn, sql: str) -> int:
    return conn.execute(text(sql)).scalar()


@pytest.fixture
def grown(runner, conn):
    assert runner.invoke(args=["demo", "--size", "small"]).exit_code == 0
    before = {t: _count(conn, f"SELECT count(*) FROM {t}")
              for t in ("incidents", "incident_events", "outbox", "stats_dirty")}
    indexes = _count(conn, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'")
    from app.extensions import db

    with db.engine.begin() as tx:
        added = history.grow(tx, total=20_000, years=2)
    return before, added, indexes


def test_history_reaches_the_total_with_whole_copies(conn, grown):
    before, added, indexes = grown
    total = _count(conn, "SELECT count(*) FROM incidents")
    assert abs(total - 20_000) < 200 and added["incidents"] == total - 5_000
    assert _count(conn, "SELECT count(*) FROM incident_locations") == total
    assert _count(conn, "SELECT count(*) FROM incident_facts") == total
    copies = f"SELECT id FROM incidents WHERE id > {before['incidents']}"
    assert _count(conn, f"SELECT count(*) FROM incidents WHERE id IN ({copies})"
                  " AND status NOT IN ('closed', 'rejected')") == 0
    # each copy has as many events as its original, at the same offsets from its report
    assert _count(conn, """
        WITH c AS (SELECT id, reported_at, (id - 1) % 5000 + 1 AS original
                     FROM incidents WHERE id > 5000)
        SELECT count(*) FROM c JOIN incidents o ON o.id = c.original
         WHERE (SELECT count(*) FROM incident_events WHERE incident_id = c.id)
            <> (SELECT count(*) FROM incident_events WHERE incident_id = o.id)
            OR extract(epoch FROM o.reported_at - c.reported_at)::bigint % (91 * 86400) <> 0
    """) == 0
    assert _count(conn, "SELECT count(*) FROM incident_events") - before["incident_events"] \
        == added["incident_events"] > 3 * added["incidents"]
    # history is not news, nor work for the statistics
    assert _count(conn, "SELECT count(*) FROM outbox") == before["outbox"]
    assert _count(conn, "SELECT count(*) FROM stats_dirty") == before["stats_dirty"]
    assert _count(conn, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'") == indexes


def test_history_spans_the_years_with_unique_tickets_and_time_ordered_ids(conn, grown):
    oldest = conn.execute(text("SELECT min(reported_at) FROM incidents")).scalar()
    newest = conn.execute(text("SELECT max(reported_at) FROM incidents")).scalar()
    assert dt.timedelta(days=2 * 365 - 40) < newest - oldest < dt.timedelta(days=2 * 365 + 100)
    assert _count(conn, "SELECT count(*) - count(DISTINCT external_id) FROM incidents"
                        " WHERE external_id IS NOT NULL") == 0
    # among the copies, a higher id is never an older quarter
    assert _count(conn, """
        SELECT count(*) FROM (SELECT id, reported_at, lag(reported_at) OVER (ORDER BY id) AS prev
                                FROM incidents WHERE id > 5000) s
         WHERE prev - reported_at > interval '91 days'""") == 0
    # the intake's next id comes after every copy
    assert _count(conn, "SELECT nextval(pg_get_serial_sequence('incidents', 'id'))") \
        > _count(conn, "SELECT max(id) FROM incidents")


def test_quarters():
    assert history.quarters(10) == 40
    assert history.quarters(0.1) == 1
