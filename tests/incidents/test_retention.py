"""Retention (``geo.incidents.retention``, ``flask incidents anonymise``): reporters' names,
phones and call-back comments of incidents finished more than N years ago are removed in
one set-based step, idempotent and recorded; open work and the statistics are untouched.
The clock is given (``now=``, ``GRIDMAP_NOW``), never read."""

import datetime as dt

import pytest
from sqlalchemy import text

from geo.incidents import retention
from tests.support.towns import add_incident, t

pytestmark = pytest.mark.town("incidents")
NOW = t("2026-12-07T03:00Z")  # cut-off at 5 years: 2021-12-07T03:00Z


def with_reporter(conn, town, *, status: str, closed: str | None, reported="2019-05-01T00:00Z",
                  comment: str | None = None) -> int:
    incident = add_incident(conn, (1, 1), town["A"], town["C1"], reported=reported,
                            status=status, closed=closed,
                            events=[("close", closed)] if closed else ())
    conn.execute(text("UPDATE incidents SET reporter_name = '王先生', reporter_phone ="
                      " '13800000000' WHERE id = :i"), {"i": incident})
    if comment:
        event = conn.execute(text("SELECT max(id) FROM incident_events WHERE incident_id = :i"),
                             {"i": incident}).scalar()
        conn.execute(text("INSERT INTO incident_ratings (incident_id, closure_event_id, rating,"
                          " comment, channel, at) VALUES (:i, :e, 'satisfied', :c, 'phone',"
                          " :at)"), {"i": incident, "e": event, "c": comment,
                                     "at": t(closed) + dt.timedelta(days=2)})
    return incident


def reporter(conn, incident: int):
    return conn.execute(text("SELECT reporter_name, reporter_phone, anonymised_at IS NOT NULL"
                             " FROM incidents WHERE id = :i"), {"i": incident}).one()


@pytest.fixture
def incidents(conn, town):
    return {
        "old_closed": with_reporter(conn, town, status="closed", closed="2020-03-01T00:00Z",
                                    comment="师傅很耐心，我住3号楼502"),
        "old_rejected": with_reporter(conn, town, status="rejected", closed="2021-06-01T00:00Z"),
        "recent_closed": with_reporter(conn, town, status="closed", closed="2022-01-01T00:00Z",
                                       reported="2021-12-01T00:00Z", comment="满意"),
        "old_open": with_reporter(conn, town, status="dispatched", closed=None),
        "old_resolved": with_reporter(conn, town, status="resolved", closed=None),
    }


def test_finished_incidents_past_the_cutoff_lose_their_reporter_and_nothing_else(
        conn, incidents):
    facts_before = conn.execute(text("SELECT count(*) FROM stats_dirty")).scalar()
    run = retention.anonymise(conn, retention.cutoff(NOW, 5), now=NOW, actor="test")
    assert (run.incidents, run.ratings) == (2, 1)
    for gone in ("old_closed", "old_rejected"):
        assert tuple(reporter(conn, incidents[gone])) == (None, None, True)
    for kept in ("recent_closed", "old_open", "old_resolved"):
        assert tuple(reporter(conn, incidents[kept])) == ("王先生", "13800000000", False)
    comments = dict(conn.execute(text("SELECT incident_id, comment FROM incident_ratings")).all())
    assert comments == {incidents["old_closed"]: None, incidents["recent_closed"]: "满意"}
    # the rest of the row and the statistics' queue are untouched
    row = conn.execute(text("SELECT status, category, closed_at FROM incidents WHERE id = :i"),
                       {"i": incidents["old_closed"]}).one()
    assert tuple(row) == ("closed", "环境卫生", t("2020-03-01T00:00Z"))
    assert conn.execute(text("SELECT count(*) FROM stats_dirty")).scalar() == facts_before


def test_a_second_run_changes_nothing_and_each_run_is_recorded(conn, incidents):
    first = retention.anonymise(conn, retention.cutoff(NOW, 5), now=NOW, actor="test")
    again = retention.anonymise(conn, retention.cutoff(NOW, 5), now=NOW, actor="test")
    assert (first.incidents, again.incidents, again.ratings) == (2, 0, 0)
    runs = conn.execute(text("SELECT at, before, incidents, ratings, actor FROM retention_runs"
                             " ORDER BY id")).all()
    assert [tuple(r) for r in runs] == [(NOW, t("2021-12-07T03:00Z"), 2, 1, "test"),
                                        (NOW, t("2021-12-07T03:00Z"), 0, 0, "test")]


def test_the_daily_run_runs_once_a_day_and_moves_its_cutoff(conn, incidents):
    assert retention.run_daily(conn, now=NOW, years=5, actor="scheduler").incidents == 2
    assert retention.run_daily(conn, now=NOW + dt.timedelta(hours=6), years=5,
                               actor="scheduler") is None
    # a month later the incident closed on 1 January 2022 is past five years too; its
    # call-back comment (2 days after the closure) goes once it is too
    later = retention.run_daily(conn, now=t("2027-01-02T03:00Z"), years=5, actor="scheduler")
    assert (later.incidents, later.ratings) == (1, 0)
    assert reporter(conn, incidents["recent_closed"])[0] is None
    last = retention.run_daily(conn, now=t("2027-01-04T03:00Z"), years=5, actor="scheduler")
    assert (last.incidents, last.ratings) == (0, 1)


def test_finding_the_incidents_is_an_index_scan(conn, incidents):
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(conn.execute(text(
        "EXPLAIN UPDATE incidents SET reporter_name = NULL WHERE closed_at < now()"
        " AND closed_at IS NOT NULL AND (reporter_name IS NOT NULL OR reporter_phone IS NOT"
        " NULL) AND status IN ('closed', 'rejected')")).scalars())
    assert "ix_incidents_retention" in plan


@pytest.mark.parametrize("now, years, expected", [
    ("2026-12-07T03:00Z", 5, "2021-12-07T03:00Z"),
    ("2028-02-29T00:00Z", 1, "2027-02-28T00:00Z"),
])
def test_cutoff(now, years, expected):
    assert retention.cutoff(t(now), years) == t(expected)


@pytest.mark.parametrize("years", [0, -1])
def test_cutoff_refuses_less_than_a_year(years):
    with pytest.raises(ValueError, match="at least 1 year"):
        retention.cutoff(NOW, years)


def test_the_command_anonymises_and_audits(runner, conn, incidents, monkeypatch):
    monkeypatch.setenv("GRIDMAP_NOW", NOW.isoformat())
    result = runner.invoke(args=["incidents", "anonymise", "--before", "2021-01-01"])
    assert result.exit_code == 0, result.output
    assert "anonymised 1 incident(s) and 1 rating comment(s)" in result.output
    assert "2021-01-01T00:00:00+08:00" in result.output  # a date is local midnight
    audit = conn.execute(text("SELECT after FROM audit_log WHERE action ="
                              " 'incidents.anonymise'")).scalar_one()
    assert audit["incidents"] == 1 and audit["ratings"] == 1
    daily = runner.invoke(args=["incidents", "anonymise", "--daily", "--quiet"])
    assert daily.exit_code == 0 and daily.output == ""  # ran already today
    assert tuple(reporter(conn, incidents["old_rejected"])) == ("王先生", "13800000000", False)


@pytest.mark.parametrize("before, message", [
    ("2025-01-01", "within the retention period"),
    ("next tuesday", "is not a date"),
])
def test_the_command_refuses_a_cutoff_inside_the_period_or_not_a_date(
        runner, monkeypatch, before, message):
    monkeypatch.setenv("GRIDMAP_NOW", NOW.isoformat())
    result = runner.invoke(args=["incidents", "anonymise", "--before", before])
    assert result.exit_code == 2 and message in result.output
