"""Test harness: one throw-away PostGIS cluster per run, schema built by the migrations.

Tests that touch the database use the ``app``/``client``/``conn`` fixtures; after each
such test every application table is truncated, so tests see real commits and rollbacks
(imports are all-or-nothing, and that must be observable).

A skipped test fails the run unless it is marked ``shared_data`` (the third-party data
folder may be absent on a user's machine): a PostGIS or browser test must never be
skipped silently.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import pgcluster  # noqa: E402

SHARED_DATA = ROOT.parent / "shared" / "data"
APP_TABLES = (
    "incident_events", "incident_locations", "party_members", "party_orgs", "incidents",
    "grid_members", "buildings", "plan_grids", "grids", "plans", "users", "communities",
    "layer_imports",
)


@pytest.fixture(scope="session")
def pg_cluster():
    """(port, datadir) of a private cluster started for this run, removed afterwards."""
    datadir = Path(tempfile.mkdtemp(prefix="gridmap-test-pg-"))
    pgcluster.start(datadir, db="gridmap_test", fast=True)
    yield pgcluster.port_of(datadir), datadir
    pgcluster.destroy(datadir)


@pytest.fixture(scope="session")
def database_url(pg_cluster):
    return pgcluster.url(pg_cluster[0], "gridmap_test")


@pytest.fixture(scope="session")
def _app(database_url):
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": "test"})
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def app(_app):
    with _app.app_context():
        yield _app
        from app.extensions import db

        db.session.remove()
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(APP_TABLES)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def conn(app):
    """A raw SQLAlchemy connection in autocommit mode, for arranging and inspecting rows."""
    from app.extensions import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        yield c


@pytest.fixture
def shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"third-party data folder {SHARED_DATA} is absent")
    return SHARED_DATA


def pytest_collection_modifyitems(items):
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.shared_data)


_forbidden_skips: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and "shared_data" not in report.keywords:
        _forbidden_skips.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _forbidden_skips and os.environ.get("GRIDMAP_ALLOW_SKIPS") != "1":
        print(f"\nFAIL: {len(_forbidden_skips)} test(s) skipped that must run "
              f"(PostGIS/browser tests may not skip): {_forbidden_skips[:10]}")
        session.exitstatus = 1
