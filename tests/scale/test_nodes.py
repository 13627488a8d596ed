"""Two app nodes (gunicorn, as `make run` starts it, on two ports) sharing one database and
one Redis (issue 24, part 3): one rate-limit budget between them, each background job run
once."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from geo.incidents import imports
from geo.incidents.imports import jobs
from geo.incidents.intake import Rules
from tests.incidents.test_hotline_import import COLUMNS, csv_bytes, line
from tests.support.geometries import xy

pytestmark = [pytest.mark.commits, pytest.mark.town("incidents")]


@pytest.fixture
def two_nodes(nodes, database_url, redis_server, town):
    env = {"DATABASE_URL": database_url, "GRIDMAP_SECRET_KEY": "nodes",
           "GRIDMAP_RATELIMIT_STORAGE_URI": redis_server.url,
           "GRIDMAP_RATELIMIT_PUBLIC": "10 per minute", "GRIDMAP_IMPORT_JOBS_THREAD": "true"}
    import redis

    redis.Redis.from_url(redis_server.url).flushall()
    started = [nodes(env), nodes(env)]  # both import the app at once
    return [node.wait() for node in started]


def test_two_nodes_share_one_rate_limit_budget_in_redis(two_nodes):
    one, two = two_nodes
    lon, lat = xy(1, 1)
    path = f"/api/v1/lookup?lon={lon}&lat={lat}"
    first = [one.get(path) for _ in range(8)]
    second = [two.get(path) for _ in range(8)]
    assert first == [200] * 8
    assert second == [200] * 2 + [429] * 6  # the same client's budget, counted on both


def test_each_import_job_runs_once_with_two_nodes(app, conn, two_nodes):
    from app.extensions import db

    who = imports.Importer("test", Rules.from_config(app.config))
    opts = imports.options("n.csv", mapping=COLUMNS)
    names = [f"N{n}" for n in range(8)]
    with db.engine.begin() as c:
        ids = [jobs.submit(c, who, "n.csv", opts, csv_bytes(line(name, point=(1, 1))))
               for name in names]
    end = time.monotonic() + 120
    while conn.execute(text("SELECT count(*) FROM import_jobs WHERE state <> 'done'")).scalar():
        assert time.monotonic() < end, "the nodes did not run the jobs"
        time.sleep(0.2)
    runs = conn.execute(text("SELECT id, attempts, worker FROM import_jobs ORDER BY id")).all()
    assert [(r.id, r.attempts) for r in runs] == [(i, 1) for i in ids]
    stored = conn.execute(text("SELECT external_id, count(*) FROM incidents"
                               " GROUP BY external_id ORDER BY 1")).all()
    assert [tuple(r) for r in stored] == [(name, 1) for name in names]
    audits = conn.execute(text("SELECT count(*) FROM audit_log"
                               " WHERE action = 'incidents.import'")).scalar()
    assert audits == len(names)
