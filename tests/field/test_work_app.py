"""The /work app's server side: who gets the app, the manifest, the service worker."""

from __future__ import annotations

import json

import pytest

from app.security.headers import SERVICE_WORKER
from tests.support.auth import login

pytestmark = pytest.mark.town("incidents")


@pytest.fixture
def worker(app, town):
    """A member account linked to 张伟, the full-time worker of grid A; signed-in client."""
    from app.extensions import db
    from app.security import accounts

    accounts.create_user("zhangwei", "member", password="correct-horse-1", min_length=10,
                         grid_member_id=town["A_full"])
    db.session.commit()
    client = app.test_client()
    login(client, "zhangwei", "correct-horse-1")
    return client


def test_a_grid_worker_gets_the_app_shell(worker):
    page = worker.get("/work")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="task-list"' in html and 'rel="manifest"' in html
    assert "/static/js/pages/work.js" in html and "/static/vendor/leaflet/leaflet.js" in html
    assert "worker-src 'self'" in page.headers["Content-Security-Policy"]
    config = json.loads(html.split('id="work-config">', 1)[1].split("</script>", 1)[0])
    assert config["texts"]["offline"] == "离线" and config["sw"] == "/work/sw.js"
    assert config["recordSeconds"] == 30 and config["recordMeters"] == 20


@pytest.mark.parametrize("role", ["member", "dispatcher", "viewer", "planner"])
def test_an_account_that_is_no_grid_worker_is_told_what_the_page_is_for(client, make_user,
                                                                        town, role):
    make_user("someone", role)
    login(client, "someone", "correct-horse-1")
    page = client.get("/work")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="work-only"' in html and "供网格员使用" in html
    assert 'id="task-list"' not in html


def test_signing_in_is_asked_first(client, town):
    answer = client.get("/work")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_manifest_makes_an_installable_app(client, town):
    answer = client.get("/work/manifest.webmanifest")
    assert answer.mimetype == "application/manifest+json"
    manifest = answer.get_json(force=True)
    assert manifest["start_url"] == "/work" and manifest["display"] == "standalone"
    assert "网格员" in manifest["name"] and "gridmap work" in manifest["name"]
    icon = manifest["icons"][0]
    assert icon["type"] == "image/svg+xml"
    svg = client.get(icon["src"])
    assert svg.status_code == 200 and b"<svg" in svg.get_data()
    svg.close()


def test_the_service_worker_keeps_the_shell_and_only_reads(client, town):
    answer = client.get("/work/sw.js")
    source = answer.get_data(as_text=True)
    assert answer.mimetype == "text/javascript"
    assert answer.headers["Service-Worker-Allowed"] == "/work"
    assert answer.headers["Content-Security-Policy"] == SERVICE_WORKER
    shell = json.loads(source.split("const SHELL = ", 1)[1].split(";\n", 1)[0])
    assert shell[0] == "/work" and "/static/js/lib/outbox.js" in shell
    assert "/static/vendor/leaflet/leaflet.js" in shell
    for url in shell[1:]:  # every file of the shell is there to be fetched
        got = client.get(url)
        assert got.status_code == 200, url
        got.close()
    assert 'request.method !== "GET"' in source  # writes are never answered from a copy
