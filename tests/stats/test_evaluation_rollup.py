"""The evaluation's monthly roll-up (geo.stats.rollup) answers what the live count over the
facts answers, at every level, for the hand-built history of test_evaluation — and again
after writes (a rating changed, an incident closed, one reworked, one moved to another
grid, one escalated), once the refresh has run."""

import pytest
from sqlalchemy import text

from geo.stats import caseload, evaluation, rollup
from tests.stats.test_evaluation import LEVELS, NOW, T0, T1, history  # noqa: F401
from tests.support.geometries import GRID_A
from tests.support.towns import t

pytestmark = pytest.mark.town("stats")
ASKED = ({}, {"rule": "first_time"}, {"category": "噪音扰民"})
# After every response limit (the gap's open report is due in 2099): before it, 响应率
# depends on the clock and the month is counted live (test below).
LATER = t("2100-01-01T00:00Z")


@pytest.fixture(autouse=True)
def _rolled_up(conn, history):  # noqa: F811
    """The hand-built history's roll-up written, as flask stats refresh does."""
    rollup.refresh(conn)


def _both(conn, monkeypatch, level, now=LATER, **kw) -> tuple[dict, dict]:
    """The month of May by the roll-up and by the live count."""
    rolled = evaluation.evaluate(conn, level=level, t0=T0, t1=T1, now=now, **kw)
    with monkeypatch.context() as live_only:
        live_only.setattr(rollup, "sums", lambda *_a, **_k: None)
        live = evaluation.evaluate(conn, level=level, t0=T0, t1=T1, now=now, **kw)
    return rolled, live


def _held(conn, level, now=LATER, **kw) -> bool:
    return rollup.sums(conn, level=level, t0=T0, t1=T1, category=kw.get("category"),
                       scope=None, now=now, rule=kw.get("rule", "not_unsatisfied")) is not None


def _write(conn, ids) -> None:
    """What a month of work does to the numbers after they were first counted."""
    conn.execute(text("UPDATE incident_ratings SET rating = 'satisfied' WHERE incident_id = :i"),
                 {"i": ids["i2"]})
    conn.execute(text("UPDATE incidents SET status = 'closed', closed_at = '2025-05-25T00:00Z'"
                      " WHERE id = :i"), {"i": ids["i3"]})
    conn.execute(text("INSERT INTO incident_events (incident_id, at, actor, action)"
                      " VALUES (:i, '2025-05-20T00:00Z', 'test', 'rework')"), {"i": ids["i1"]})
    conn.execute(text("UPDATE incidents SET rework_count = 1 WHERE id = :i"), {"i": ids["i1"]})
    conn.execute(text("UPDATE incident_locations SET grid_id = (SELECT id FROM grids"
                      " WHERE code = :g AND valid_to IS NULL) WHERE incident_id = :i"),
                 {"g": GRID_A, "i": ids["i4"]})
    conn.execute(text("UPDATE incidents SET department_id = :d WHERE id = :i"),
                 {"d": ids["dept_Y"], "i": ids["d1"]})
    caseload.refresh(conn)
    rollup.refresh(conn)  # as flask stats refresh (the scheduler loop) does


@pytest.mark.parametrize("level", LEVELS)
def test_the_rollup_equals_the_live_count_before_and_after_writes(conn, history, level,  # noqa: F811
                                                                   monkeypatch):
    before = {}
    for kw in ASKED:
        assert _held(conn, level, **kw)  # May is read from the roll-up
        rolled, live = _both(conn, monkeypatch, level, **kw)
        assert rolled == live
        before[tuple(kw.items())] = rolled
    _write(conn, history)
    for kw in ASKED:
        assert _held(conn, level, **kw)
        rolled, live = _both(conn, monkeypatch, level, **kw)
        assert rolled == live
        if not kw:  # the writes reached the roll-up
            assert rolled != before[()]


def test_a_response_limit_still_open_is_counted_live(conn, history, monkeypatch):  # noqa: F811
    pending = conn.execute(text(
        "SELECT max(response_due_at) FROM incident_facts WHERE response_s IS NULL"
        " AND NOT rejected AND reported_at >= :t0 AND reported_at < :t1"),
        {"t0": T0, "t1": T1}).scalar_one()
    assert pending is not None
    assert not _held(conn, "grid", now=NOW) and _held(conn, "grid", now=pending)
    rolled, live = _both(conn, monkeypatch, "grid", now=NOW)
    assert rolled == live


def test_a_trend_and_a_ranking_from_the_rollup(conn, history, monkeypatch):  # noqa: F811
    def trend():
        return evaluation.trend(conn, level="grid", last_month="2025-05",
                                timezone="Asia/Shanghai", now=LATER)
    rolled = trend()
    with monkeypatch.context() as live_only:
        live_only.setattr(rollup, "sums", lambda *_a, **_k: None)
        assert trend() == rolled
    months = conn.execute(text("SELECT month FROM eval_rollup_months ORDER BY 1")).scalars()
    assert "2025-05" in list(months)


def test_emptied_facts_take_the_rollup_with_them(conn, history):  # noqa: F811
    conn.execute(text("TRUNCATE incident_facts"))
    assert conn.execute(text("SELECT count(*) FROM eval_rollup")).scalar_one() == 0
    assert not _held(conn, "grid")
    conn.execute(text("INSERT INTO stats_dirty (incident_id) SELECT id FROM incidents"))
    caseload.refresh(conn, None)
    rollup.refresh(conn)
    assert _held(conn, "grid")


def test_a_month_with_queued_rows_is_counted_live_until_the_refresh(conn, history,  # noqa: F811
                                                                    monkeypatch):
    """What a request sees between a write and the scheduler's ``flask stats refresh``: the
    facts refreshed (as every statistics request does), the roll-up not yet: the month is
    counted live, so the answer already holds the write."""
    before, _ = _both(conn, monkeypatch, "grid")
    with monkeypatch.context() as no_rollup:
        no_rollup.setattr(rollup, "refresh", lambda _conn: 0)
        _write(conn, history)  # and the facts' refresh
    assert not _held(conn, "grid")  # queued rows: not read from the roll-up
    stale, live = _both(conn, monkeypatch, "grid")
    assert stale == live != before
    rollup.refresh(conn)
    assert _held(conn, "grid") and _both(conn, monkeypatch, "grid")[0] == live
