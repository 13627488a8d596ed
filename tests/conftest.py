"""Test harness: one throw-away PostGIS cluster per run, schema built by the migrations.

Tests that touch the database use the ``app``/``client``/``conn`` fixtures. By default a
test runs in one transaction that is rolled back after it (tests/support/isolation.py): the
app's session and its read engines all use that transaction's connection, and ``conn`` is
that connection too. A test that needs real commits is marked ``commits``: one whose rows
another connection must see (the live server of the browser tests, a CLI command, a
thread, a child process, a second app), or whose code needs a transaction per request
(``now()`` advancing between steps, ``ON COMMIT DROP`` tables); tests using
``live_server``, ``page`` or ``runner`` are marked for you. After such a test the tables
the tests fill (read from the database) are truncated.

The shared towns are built by the ``town`` fixture (tests/support/towns.py), the variant
chosen with a ``town`` marker; users and tokens by ``make_user``/``make_token``.

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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import pgcluster  # noqa: E402

from tests.support import isolation, towns  # noqa: E402
from tests.support.auth import bearer  # noqa: E402

SHARED_DATA = ROOT.parent / "shared" / "data"
# Fixtures that serve or commit through other connections: their tests are ``commits``.
COMMITTING_FIXTURES = {"live_server", "page", "runner"}


def pytest_configure(config):
    # The compiled catalogs are not committed (make i18n builds them); pages need them.
    from babel.messages.frontend import CompileCatalog

    compile_mo = CompileCatalog()
    compile_mo.initialize_options()
    compile_mo.directory, compile_mo.log.disabled = str(ROOT / "app" / "translations"), True
    compile_mo.finalize_options()
    compile_mo.run()
    config.addinivalue_line(
        "markers", "commits: needs real commits seen by other connections; the tables are "
                   "truncated after it instead of the test's transaction rolled back")
    config.addinivalue_line(
        "markers", "town(kind, **options): the shared town the ``town`` fixture builds "
                   "(plain, incidents, redrawn, stats; see tests/support/towns.py)")


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

    # Rate limits high enough for the whole suite; tests/security/test_security.py lowers them.
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": "test", "RATELIMIT_PUBLIC": "100000 per minute",
                      "RATELIMIT_LOGIN": "100000 per minute",
                      "RATELIMIT_REPORT": "100000 per day", "REPORT_MIN_SECONDS": 0})
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def app_tables(_app) -> isolation.Tables:
    """The tables tests fill (read from the database) and their sequences."""
    from app.extensions import db

    with _app.app_context(), db.engine.connect() as c:
        return isolation.app_tables(c)


_sequences_moved = False  # by a rolled-back test: ids would not start at 1


@pytest.fixture
def app(_app, app_tables, request):
    """The app in an application context; the test's work rolled back after it, or for a
    ``commits`` test, committed and then truncated (see tests/support/isolation.py)."""
    global _sequences_moved
    from app.extensions import db

    with _app.app_context():
        if request.node.get_closest_marker("commits") is None:
            with isolation.joined(_app) as joined:
                yield _app
            _sequences_moved = True
            if joined.commits_elsewhere:
                isolation.truncate(db.engine, app_tables)
                pytest.fail("committed on another connection in a rolled-back test: mark it "
                            f"@pytest.mark.commits ({joined.commits_elsewhere[0]})")
            return
        if _sequences_moved:
            isolation.restart_sequences(db.engine, app_tables)
            _sequences_moved = False
        yield _app
        db.session.remove()
        isolation.truncate(db.engine, app_tables)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def conn(app, request):
    """A connection that behaves as autocommit, for arranging and inspecting rows: in a
    rolled-back test, the test's own connection (each statement in a savepoint); in a
    ``commits`` test, a connection of its own in autocommit mode."""
    from app.extensions import db
    from app.plumbing import readdb

    if request.node.get_closest_marker("commits") is None:
        with app.extensions[readdb.PRIMARY].connect() as c:
            yield c
        return
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
def staff(make_user, make_token):
    """``staff(name, role, communities=(codes))`` → the bearer headers of a new user."""

    def make(name: str, role: str, communities=()) -> dict[str, str]:
        make_user(name, role, communities)
        return bearer(make_token(name))

    return make


@pytest.fixture
def town(request, conn) -> dict[str, int]:
    """One of the shared towns of tests/support/towns.py, ids by name: the plain one, or
    the one a ``@pytest.mark.town(kind, **options)`` on the test or module names."""
    marker = request.node.get_closest_marker("town")
    if marker is None:
        return towns.build_town(conn)
    return towns.TOWNS[marker.args[0]](conn, **marker.kwargs)


@pytest.fixture
def shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"third-party data folder {SHARED_DATA} is absent")
    return SHARED_DATA


def pytest_collection_modifyitems(items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "shared_data" in fixtures:
            item.add_marker(pytest.mark.shared_data)
        if fixtures & COMMITTING_FIXTURES:
            item.add_marker(pytest.mark.commits)


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
