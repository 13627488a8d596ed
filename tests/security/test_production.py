"""A production start refuses settings that fail open, and says what to set."""

import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.config import Defaults
from app.security import production

SAFE = {**vars(Defaults), "SECRET_KEY": "k" * 64, "RATELIMIT_STORAGE_URI": "redis://r:6379",
        "PROXY_FIX_HOPS": 1, "PUBLIC_BASE_URL": "https://grid.example"}


@pytest.mark.parametrize("change, workers, names", [
    ({}, 4, None),
    ({"SECRET_KEY": None}, 4, "GRIDMAP_SECRET_KEY"),
    ({"SECRET_KEY": "short"}, 4, "GRIDMAP_SECRET_KEY"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, 4, "GRIDMAP_RATELIMIT_STORAGE_URI"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, 1, None),
    ({"PROXY_FIX_HOPS": 0}, 4, "GRIDMAP_PROXY_FIX_HOPS"),
    ({"PROXY_FIX_HOPS": 0, "PUBLIC_BASE_URL": None}, 4, None),
    ({"PROXY_FIX_HOPS": 0, "PUBLIC_BASE_URL": None, "SESSION_COOKIE_SECURE": True}, 4,
     "GRIDMAP_PROXY_FIX_HOPS"),
])
def test_each_unsafe_setting_is_named_with_what_to_set(change, workers, names):
    found = production.problems({**SAFE, **change}, workers=workers, tls_here=False,
                                superuser=False)
    assert found == [] if names is None else (len(found) == 1 and names in found[0])


def test_a_superuser_role_is_refused():
    [found] = production.problems(SAFE, workers=1, tls_here=False, superuser=True)
    assert "SUPERUSER" in found


def _gunicorn_start(app, workers=4):
    conf = runpy.run_path(str(Path(__file__).parents[2] / "gunicorn.conf.py"))
    server = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app),
                             cfg=SimpleNamespace(workers=workers, is_ssl=False))
    conf["on_starting"](server)


def test_gunicorn_refuses_a_production_start_and_says_why(app, monkeypatch):
    monkeypatch.setitem(app.config, "ENV", "production")
    monkeypatch.setitem(app.config, "SECRET_KEY", "short")
    with pytest.raises(SystemExit) as refused:
        _gunicorn_start(app)
    message = str(refused.value)
    assert message.startswith("gridmap refuses to start with GRIDMAP_ENV=production")
    # The test database's role is the cluster's superuser; the memory:// limits are shared
    # by four workers.
    for setting in ("GRIDMAP_SECRET_KEY", "GRIDMAP_RATELIMIT_STORAGE_URI", "SUPERUSER"):
        assert setting in message


def test_development_starts_are_not_checked(app):
    assert app.config["ENV"] != "production"
    _gunicorn_start(app)
