"""A grid worker's task list, ``GET /api/v1/me/tasks``, on the `city` demo: a worker with
200 open tasks (those in the grids they serve, topped up with incidents assigned to them),
timed through the Flask test client (server time, no network), against the plain tool: one
psql-style SELECT of the same rows (the same columns, filter and order) on a connection.

Setting up the worker (an account linked to a grid member, the top-up assignments) is kept
in the bench database, and found again on a later run. Target: p99 < 300 ms.
"""

from __future__ import annotations

import statistics
import time

from sqlalchemy import Engine, text

from bench.common import Row, database_url

TASKS = 200
TARGET_MS = 300.0
REQUESTS = 200  # per rep
USER = "bench-field-worker"
OPEN = "('reported', 'accepted', 'dispatched', 'in_progress', 'returned', 'reopened')"
MY_GRIDS = """SELECT wg.grid_id FROM worker_grids wg JOIN grids g ON g.id = wg.grid_id
               WHERE wg.worker_id = :m AND g.valid_to IS NULL
                 AND wg.served_from <= current_date
                 AND (wg.served_to IS NULL OR wg.served_to >= current_date)"""
PLAIN = f"""
    SELECT i.id, i.category, i.status, i.priority, i.description, i.address,
           ST_X(i.geom), ST_Y(i.geom), g.id, g.code, g.name, i.reported_at, i.due_at,
           i.response_due_at, i.updated_at, i.assignee_id
      FROM incidents i JOIN incident_locations l ON l.incident_id = i.id
      JOIN grids g ON g.id = l.grid_id
     WHERE i.status IN {OPEN} AND (i.assignee_id = :m OR l.grid_id IN ({MY_GRIDS}))
     ORDER BY i.due_at < now() DESC, i.due_at, i.id"""


def _count(conn, member: int) -> int:
    return conn.execute(text(f"SELECT count(*) FROM ({PLAIN}) t"), {"m": member}).scalar()


def worker(engine: Engine) -> int:
    """The grid member of the bench account, with exactly ``TASKS`` tasks."""
    with engine.begin() as conn:
        member = conn.execute(text("SELECT grid_member_id FROM users WHERE username = :u"),
                              {"u": USER}).scalar()
        if member is None:
            member = conn.execute(text(f"""
                SELECT wg.worker_id FROM worker_grids wg JOIN grids g ON g.id = wg.grid_id
                  JOIN incident_locations l ON l.grid_id = g.id
                  JOIN incidents i ON i.id = l.incident_id AND i.status IN {OPEN}
                 WHERE g.valid_to IS NULL AND wg.served_to IS NULL
                 GROUP BY wg.worker_id HAVING count(*) < {TASKS}
                 ORDER BY count(*) DESC LIMIT 1""")).scalar_one()
        missing = TASKS - _count(conn, member)
        if missing > 0:  # top up with open incidents, of the same community first
            conn.execute(text(f"""
                UPDATE incidents SET assignee_id = :m WHERE id IN (
                  SELECT i.id FROM incidents i JOIN incident_locations l
                    ON l.incident_id = i.id
                   WHERE i.status IN {OPEN} AND i.assignee_id IS DISTINCT FROM :m
                     AND l.grid_id NOT IN ({MY_GRIDS})
                   ORDER BY l.community_id = (SELECT community_id FROM grid_members
                                              WHERE id = :m) DESC, i.id
                   LIMIT :n)"""), {"m": member, "n": missing})
        return member


def _token(app, member: int) -> str:
    from app.extensions import db
    from app.security import accounts

    with app.app_context():
        if db.session.execute(text("SELECT 1 FROM users WHERE username = :u"),
                              {"u": USER}).first() is None:
            accounts.create_user(USER, "member", password="bench-field-worker-1",
                                 grid_member_id=member, min_length=10)
        db.session.execute(text("UPDATE users SET grid_member_id = :m WHERE username = :u"),
                           {"m": member, "u": USER})
        _, secret = accounts.create_token(USER, "bench", 1)
        db.session.commit()
    return secret


def _p(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run(engine: Engine, reps: int) -> Row:
    from app import create_app

    member = worker(engine)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(), "SECRET_KEY": "bench"})
    headers = {"Authorization": f"Bearer {_token(app, member)}"}
    client = app.test_client()
    ours, plain, count = [], [], None
    for _ in range(max(reps, 1)):
        for _ in range(REQUESTS):
            started = time.perf_counter()
            response = client.get("/api/v1/me/tasks?lon=116.4&lat=39.9", headers=headers)
            ours.append((time.perf_counter() - started) * 1000)
            count = response.get_json()["count"]
        with engine.connect() as conn:
            for _ in range(REQUESTS):
                started = time.perf_counter()
                conn.execute(text(PLAIN), {"m": member}).all()
                plain.append((time.perf_counter() - started) * 1000)
    p99, plain99 = _p(ours, 0.99), _p(plain, 0.99)
    with engine.connect() as conn:
        incidents = conn.execute(text("SELECT count(*) FROM incidents")).scalar()
    return Row(
        task=f"GET /api/v1/me/tasks, a worker with {count} tasks ({incidents:,} incidents, "
             "test client)",
        ours=f"p99 {p99:.1f} ms", plain=f"p99 {plain99:.1f} ms (plain SELECT of the rows)",
        ratio=f"{p99 / plain99:.1f}x the SELECT", target=f"p99 < {TARGET_MS:g} ms",
        ok=p99 < TARGET_MS and count == TASKS,
        notes=[f"{len(ours)} requests: median {statistics.median(ours):.1f} ms, p50/p90/p99 "
               f"{_p(ours, .5):.1f}/{_p(ours, .9):.1f}/{p99:.1f} ms; plain median "
               f"{statistics.median(plain):.1f} ms; tasks {count}"])
