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
    "incident_facts", "stats_dirty", "stats_ranges", "building_coverage",
    "grid_members", "plan_buildings", "buildings", "plan_grids", "grids", "plans", "users",
    "communities",
    "layer_imports", "audit_log", "api_tokens", "user_communities", "holidays",
    "resident_reports",
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

    # Rate limits high enough for the whole suite; tests/test_limits.py lowers them.
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": "test", "RATELIMIT_PUBLIC": "100000 per minute",
                      "RATELIMIT_LOGIN": "100000 per minute",
                      "RATELIMIT_REPORT": "100000 per day", "REPORT_MIN_SECONDS": 0})
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
def make_user(app):
    """``make_user(name, role, communities=(codes))`` → (name, password), committed."""
    from app.extensions import db
    from app.security import accounts

    def make(name: str, role: str, communities=(), password: str = "correct-horse-1"):
        ids = accounts.community_ids(communities)
        accounts.create_user(name, role, password=password, communities=ids, min_length=10)
        db.session.commit()
        return name, password

    return make


@pytest.fixture
def make_token(app):
    """``make_token(username)`` → the secret of a new token, committed."""
    from app.extensions import db
    from app.security import accounts

    def make(username: str, days: int | None = 30) -> str:
        _, secret = accounts.create_token(username, "test", days)
        db.session.commit()
        return secret

    return make


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


@pytest.fixture(scope="session")
def live_server(_app):
    """The test app served over HTTP on a free port from a thread, for the browser."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, _app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


CHROMIUM = os.environ.get("GRIDMAP_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (nothing downloads a browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/ensure-browser.sh "
                    "(make test does) or set GRIDMAP_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) at desktop size; console errors collected."""
    context = browser.new_context(viewport={"width": 1280, "height": 800},
                                  base_url=live_server, locale="zh-CN")
    # Basemap tiles would come from the internet; the tests run without it.
    context.route("**/*", lambda route: route.abort() if not route.request.url.startswith(
        live_server) else route.continue_())
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    yield tab
    context.close()
