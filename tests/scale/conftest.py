"""Fixtures of the scaling tests: a streaming standby of the suite's cluster, a PgBouncer
in front of it, a Redis, and app nodes pointed at them (scripts/scaletools.py starts the
real servers: Debian's PostgreSQL, PgBouncer and Redis, on free ports, session-scoped,
started only when a test here asks for them).

These tests commit (another server must see the rows), so they are all ``commits``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
import scaletools  # noqa: E402  (scripts/ is on sys.path: tests/conftest.py)

from tests.conftest import ROOT, pgcluster

pytestmark = pytest.mark.commits


@dataclass(frozen=True)
class Standby:
    port: int
    datadir: Path


@pytest.fixture(scope="session")
def standby(pg_cluster) -> Iterator[Standby]:
    """A hot standby streaming from the suite's cluster (``pg_basebackup -R``)."""
    port, datadir = scaletools.start_standby(pg_cluster[0])
    yield Standby(port, datadir)
    scaletools.stop_server(datadir)
    shutil.rmtree(datadir, ignore_errors=True)


@pytest.fixture(scope="session")
def pooler(pg_cluster) -> Iterator[scaletools.Pooler]:
    """PgBouncer, transaction pooling, in front of the suite's cluster (a small pool used
    round robin, so that server connections really are shared between the app's)."""
    pooler = scaletools.start_pgbouncer(pg_cluster[0], pool_size=3, round_robin=True)
    # Three transactions at once: the pool opens its three server connections now.
    held = [psycopg2.connect(host="127.0.0.1", port=pooler.port, user=pgcluster.SUPERUSER,
                             dbname="gridmap_test") for _ in range(3)]
    for conn in held:
        conn.cursor().execute("SELECT 1")  # psycopg2 opened a transaction: a server is held
    for conn in held:
        conn.commit()  # (a client leaving mid-transaction would cost its server connection)
        conn.close()
    yield pooler
    scaletools.stop_pgbouncer(pooler)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[scaletools.Redis]:
    redis = scaletools.start_redis()
    yield redis
    scaletools.stop_redis(redis)


def sql(port: int, statement: str, db: str = "gridmap_test"):
    """One statement on the server on ``port`` (the standby's controls, its positions)."""
    conn = psycopg2.connect(host="127.0.0.1", port=port, user=pgcluster.SUPERUSER, dbname=db)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchone() if cursor.description else None
    finally:
        conn.close()


def replayed(primary_port: int, standby_port: int, seconds: float = 30.0) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    target = sql(primary_port, "SELECT pg_current_wal_insert_lsn()::text")[0]
    end = time.monotonic() + seconds
    while not sql(standby_port, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0]:
        assert time.monotonic() < end, "the standby did not catch up"
        time.sleep(0.05)


@pytest.fixture
def make_app(_app, database_url) -> Callable:
    """``make_app(**settings)``: a second app on the suite's database with ``settings``."""
    from app import create_app

    made = []

    def make(**settings):
        app = create_app({**{k: v for k, v in _app.config.items() if k.isupper()},
                          "SQLALCHEMY_DATABASE_URI": database_url, **settings})
        made.append(app)
        return app

    yield make
    for app in made:
        from app.extensions import db
        from app.plumbing import readdb

        with app.app_context():
            db.engine.dispose()
        readdb.dispose(app)


class Node:
    """One app node: gunicorn (as `make run` starts it) on a port of its own."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = pgcluster.free_port()
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
            cwd=ROOT, env={**os.environ, "GRIDMAP_WORKERS": "1", "GRIDMAP_THREADS": "2",
                           **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait(self) -> Node:
        for _ in range(1200):  # the app is imported before the port opens
            assert self.process.poll() is None, "the node stopped"
            try:
                urllib.request.urlopen(self.url("/healthz"), timeout=5)
                return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("the node did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self.url(path), timeout=10) as answer:
                return answer.status
        except urllib.error.HTTPError as err:
            return err.code

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture
def nodes() -> Iterator[Callable[..., Node]]:
    """``nodes(env)`` starts a gunicorn node with ``env``; all stopped after the test."""
    started: list[Node] = []

    def start(env: dict[str, str]) -> Node:
        node = Node(env)
        started.append(node)
        return node

    yield start
    for node in started:
        node.stop()
