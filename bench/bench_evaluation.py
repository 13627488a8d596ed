"""The evaluation (issue 22) on the `city` demo (10,000 grids, 1,000,000 incidents over 90
days): a month's indicators for every grid and for every street, a ranking of the streets
(two months evaluated), a 12-month trend of the streets — through ``geo.stats.evaluation``,
the functions the API calls — against the plain tool: the same numbers computed straight
from incidents, incident_events, incident_ratings and incident_locations by one SQL
statement per question (what incident_facts saves).

A city loaded before the demo recorded the loop's history (ratings, 返工, extensions,
escalations, 督办) is given it first (``geo.demo.store.add_loop_history``), once: run it on
your own copy of the bench database (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import Engine, text

from bench.common import Row, median

TZ = "Asia/Shanghai"
GRID_S, STREET_S = 1.0, 0.5  # issue 22

# The plain tool: every indicator from the history, one statement; {key} per level.
_PLAIN = """
WITH touched AS (
    SELECT id FROM incidents WHERE reported_at >= :t0 AND reported_at < :t1
    UNION SELECT id FROM incidents WHERE closed_at >= :t0 AND closed_at < :t1
    UNION SELECT incident_id FROM incident_events
           WHERE action = 'resolve' AND at >= :t0 AND at < :t1),
ev AS (
    SELECT e.incident_id,
           min(e.at) FILTER (WHERE e.action IN ('accept', 'dispatch')) AS responded_at,
           min(e.at) FILTER (WHERE e.action = 'resolve') AS resolved_at,
           min(e.id) FILTER (WHERE e.action = 'resolve') AS first_resolve_id,
           max(e.id) FILTER (WHERE e.action IN ('reopen', 'return', 'rework')) AS rework_id,
           bool_or(e.action = 'extend_approve') AS extended,
           count(*) FILTER (WHERE e.action = 'supervise') AS supervised
      FROM incident_events e WHERE e.incident_id IN (SELECT id FROM touched)
     GROUP BY 1),
rt AS (
    SELECT DISTINCT ON (incident_id) incident_id, rating FROM incident_ratings
     WHERE incident_id IN (SELECT id FROM touched) ORDER BY incident_id, at DESC, id DESC),
x AS (
    SELECT {key} AS key, {bucket} AS bucket, i.*, ev.*, rt.rating,
           i.status = 'closed' AND i.merged_into_id IS NULL
               AND i.closed_at >= :t0 AND i.closed_at < :t1 AS closed_in,
           i.merged_into_id IS NULL AND i.reported_at >= :t0 AND i.reported_at < :t1
               AS reported_in,
           i.merged_into_id IS NULL AND ev.resolved_at >= :t0 AND ev.resolved_at < :t1
               AS resolved_in,
           extract(epoch FROM ev.responded_at - i.reported_at) / 3600 AS response_h,
           extract(epoch FROM i.closed_at - i.reported_at) / 3600 AS close_h
      FROM incidents i JOIN touched t ON t.id = i.id
      LEFT JOIN incident_locations l ON l.incident_id = i.id
      LEFT JOIN grids v ON v.id = l.grid_id LEFT JOIN communities c ON c.id = l.community_id
      LEFT JOIN ev ON ev.incident_id = i.id LEFT JOIN rt ON rt.incident_id = i.id)
SELECT key, bucket, count(*) FILTER (WHERE reported_in) AS count,
       count(*) FILTER (WHERE reported_in AND status <> 'rejected' AND (responded_at IS NOT
           NULL OR response_due_at IS NULL OR response_due_at <= now())) AS due,
       count(*) FILTER (WHERE reported_in AND status <> 'rejected' AND responded_at <=
           coalesce(response_due_at, responded_at)) AS responded_in_time,
       count(*) FILTER (WHERE closed_in) AS closed,
       count(*) FILTER (WHERE closed_in AND coalesce(rating, '') <> 'unsatisfied') AS solved,
       count(*) FILTER (WHERE closed_in AND rating IS NOT NULL) AS rated,
       count(*) FILTER (WHERE closed_in AND rating IN ('satisfied', 'fair')) AS satisfied,
       count(*) FILTER (WHERE closed_in AND (due_at IS NULL OR closed_at <= due_at)) AS ontime,
       count(*) FILTER (WHERE closed_in AND extended) AS extended,
       count(*) FILTER (WHERE resolved_in) AS resolved,
       count(*) FILTER (WHERE resolved_in AND rework_id > first_resolve_id) AS reworked,
       sum(supervised) FILTER (WHERE reported_in) AS supervised,
       avg(response_h) FILTER (WHERE reported_in) AS mean_response_h,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY response_h)
           FILTER (WHERE reported_in) AS p90_response_h,
       avg(close_h) FILTER (WHERE closed_in) AS mean_close_h,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY close_h)
           FILTER (WHERE closed_in) AS p90_close_h
  FROM x GROUP BY 1, 2
"""
_KEYS = {"grid": "v.code", "street": "c.street_code"}


def _plain(conn, level: str, t0, t1, monthly: bool = False) -> int:
    bucket = ("to_char(coalesce(i.closed_at, i.reported_at) AT TIME ZONE 'Asia/Shanghai',"
              " 'YYYY-MM')" if monthly else "''")
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    return len(conn.execute(text(_PLAIN.format(key=_KEYS[level], bucket=bucket)),
                            {"t0": t0, "t1": t1}).all())


def _loop_history(engine: Engine) -> str:
    from geo.demo import store as demo_store
    from geo.stats import caseload

    with engine.begin() as conn:
        if conn.execute(text("SELECT count(*) FROM incident_ratings")).scalar():
            return "the city has the loop's history"
        started = time.perf_counter()
        done = demo_store.add_loop_history(conn)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        caseload.refresh(conn, limit=None)
    return (f"loop history added once ({time.perf_counter() - started:.0f} s): "
            + ", ".join(f"{v} {k}" for k, v in done.items()))


def _times(fn, reps: int) -> list[float]:
    out = []
    for _ in range(max(reps, 1) + 1):  # the first warms the cache
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out[1:]


def run(engine: Engine, reps: int) -> list[Row]:
    from geo.stats import caseload, evaluation, rollup

    note = _loop_history(engine)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        caseload.refresh(conn, limit=None)
        rollup.refresh(conn)  # as the evaluation's requests do
        last = conn.execute(text("SELECT max(reported_at) FROM incidents")).scalar()
        counts = conn.execute(text(
            "SELECT count(*) FILTER (WHERE rating IS NOT NULL), count(*) FILTER (WHERE"
            " closed_at IS NOT NULL) FROM incident_facts")).one()
    local = last.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    month_end = local.replace(day=1)  # the last whole month of the demo's 90 days
    month = (month_end - dt.timedelta(days=1)).strftime("%Y-%m")
    start, end, t0, t1 = evaluation.month_period(month, TZ)
    now = dt.datetime.now(dt.UTC)
    rows = []
    with engine.connect() as conn:
        def ours(level):
            return lambda: evaluation.evaluate(conn, level=level, t0=t0, t1=t1, now=now)

        for level, target in (("grid", GRID_S), ("street", STREET_S)):
            n = len(evaluation.evaluate(conn, level=level, t0=t0, t1=t1, now=now)["rows"])
            mine = _times(ours(level), reps)
            plain = _times(lambda level=level: _plain(conn, level, t0, t1), reps)
            rows.append(_row(f"evaluation, month {month}, every {level} ({n} units)", mine,
                             plain, f"< {target:g} s", median(mine) < target,
                             [note, f"rated / closed facts: {counts[0]} / {counts[1]}"]))
            conn.rollback()
        mine = _times(lambda: evaluation.ranking(
            conn, level="street", indicator="satisfaction_rate", start=start, end=end,
            timezone=TZ, now=now), reps)
        p_start, p_end = evaluation.previous_period(start, end)
        p_t0, p_t1 = evaluation.month_period(p_start.strftime("%Y-%m"), TZ)[2:]
        plain = _times(lambda: (_plain(conn, "street", t0, t1),
                                _plain(conn, "street", p_t0, p_t1)), reps)
        rows.append(_row(f"ranking of streets by 满意率, {month} vs {p_start:%Y-%m}", mine,
                         plain, "-", None, []))
        conn.rollback()
        m = start.year * 12 + start.month - 1 - 11  # the trend's first month
        y_t0 = evaluation.month_period(f"{m // 12:04d}-{m % 12 + 1:02d}", TZ)[2]
        mine = _times(lambda: evaluation.trend(
            conn, level="street", last_month=month, timezone=TZ,
            indicators=("satisfaction_rate",), now=now), reps)
        plain = _times(lambda: _plain(conn, "street", y_t0, t1, monthly=True), reps)
        rows.append(_row(f"12-month trend of every street, to {month}", mine, plain, "-",
                         None, ["plain: one pass over 12 months, each incident in the month "
                                "it closed (else was reported): a lower bound of its cost"]))
        conn.rollback()
        rows.append(_refresh_row(conn, reps))
    return rows


# 1,000 incidents spread over the city and its months, each with its latest rating turned
# (satisfied <-> unsatisfied): what a day's call-backs do to the facts and the roll-up.
_CHANGE = """
UPDATE incident_ratings r SET rating = CASE WHEN r.rating = 'unsatisfied' THEN 'satisfied'
                                           ELSE 'unsatisfied' END
  FROM (SELECT DISTINCT ON (incident_id) id FROM incident_ratings
         WHERE incident_id IN (SELECT incident_id FROM incident_ratings
                                GROUP BY 1 ORDER BY md5(incident_id::text) LIMIT :n)
         ORDER BY incident_id, at DESC, id DESC) x
 WHERE r.id = x.id"""


def _refresh_row(conn, reps: int, n: int = 1000) -> Row:
    """``caseload.refresh`` (what every statistics request runs first) after ``n``
    incidents changed: the facts, then the roll-up's queued rows; rolled back each time.
    Plain: the facts' refresh alone (what the refresh cost before the roll-up)."""
    from geo.stats import rollup
    from geo.stats import store as stats_store

    mine, plain, marks = [], [], []
    for _ in range(max(reps, 1) + 1):  # the first warms the cache
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(text(_CHANGE), {"n": n})
        started = time.perf_counter()
        stats_store.refresh_facts(conn, 20_000)
        facts = time.perf_counter() - started
        marks.append(conn.execute(text("SELECT count(*) FROM eval_rollup_dirty")).scalar())
        rollup.refresh(conn)
        mine.append(time.perf_counter() - started)
        plain.append(facts)
        conn.rollback()
    mine, plain, marks = mine[1:], plain[1:], marks[1:]
    return Row(task=f"refresh after {n} incidents changed (ratings turned): facts + roll-up",
               ours=f"{median(mine) * 1000:.0f} ms",
               plain=f"{median(plain) * 1000:.0f} ms (the facts' refresh alone)",
               ratio=f"{median(mine) / median(plain):.1f}x the facts' refresh alone",
               target="-", ok=None,
               notes=[f"queued roll-up (month, level, unit)s: {marks[0]}",
                      f"runs: ours {', '.join(f'{t * 1000:.0f}' for t in mine)} ms; "
                      f"facts alone {', '.join(f'{t * 1000:.0f}' for t in plain)} ms"])


def _row(task: str, mine: list[float], plain: list[float], target: str, ok, notes) -> Row:
    return Row(task=task, ours=f"{median(mine) * 1000:.0f} ms",
               plain=f"{median(plain) * 1000:.0f} ms (one SQL from the history)",
               ratio=f"{median(plain) / median(mine):.1f}x faster", target=target, ok=ok,
               notes=[*notes, f"runs: ours {', '.join(f'{t * 1000:.0f}' for t in mine)} ms; "
                      f"plain {', '.join(f'{t * 1000:.0f}' for t in plain)} ms"])
