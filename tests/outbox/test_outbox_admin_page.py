"""``/admin/webhooks`` in headless Chromium (1366×768 zh, 390×844 en): an administrator
registers an endpoint for some communities (the secret shown once), sets what it hears and
turns it off; an administrator limited to a community sees only theirs, registers for
their communities by default and is refused another's."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.service.test_browser_pages import sign_in
from tests.support.geometries import COMMUNITY_1, COMMUNITY_2

pytestmark = pytest.mark.town("incidents")
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
SHOTS = Path("/work/shots/loop")


def endpoint(conn, url: str):
    return conn.execute(text(
        "SELECT e.id, e.active, e.events, (SELECT array_agg(c.code ORDER BY c.code) FROM"
        " communities c WHERE c.id = ANY(e.communities)) AS codes FROM webhook_endpoints e"
        " WHERE url = :u"), {"u": url}).first()


def open_page(page, make_user, name: str, communities, size: str, lang: str):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    user, password = make_user(name, "admin", communities)
    sign_in(page, user, password, start="/admin/webhooks" + ("?lang=en" if lang == "en" else ""))
    page.wait_for_selector("#webhooks")


def shot(page, name: str, tmp_path) -> None:
    folder = SHOTS if SHOTS.is_dir() else tmp_path
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_an_admin_registers_and_scopes_an_endpoint(page, make_user, conn, town, tmp_path):
    open_page(page, make_user, "root", (), "desktop", "zh")
    form = page.locator("#webhook-new")
    form.locator("[name=url]").fill("https://hooks.example.cn/gridmap")
    form.locator("[name=communities]").fill(COMMUNITY_2)
    form.locator("[name=events]").fill("dispatch close")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#new-secret")
    assert page.inner_text("#new-secret").strip().startswith("whsec_")
    made = endpoint(conn, "https://hooks.example.cn/gridmap")
    assert made.codes == [COMMUNITY_2] and sorted(made.events) == ["close", "dispatch"]
    shot(page, "admin-webhooks-new-desktop-zh", tmp_path)
    row = page.locator(f"#webhooks tr[data-endpoint='{made.id}']")
    assert row.locator("[name=communities]").input_value() == COMMUNITY_2
    row.locator("[name=communities]").fill("")
    row.locator("[name=active]").uncheck()
    row.locator("form.endpoint-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    changed = endpoint(conn, "https://hooks.example.cn/gridmap")
    assert changed.codes is None and changed.active is False
    assert page.locator("#new-secret").count() == 0  # shown once


def test_a_limited_admin_has_theirs_only(page, make_user, conn, town, tmp_path):
    conn.execute(text("INSERT INTO webhook_endpoints (url, secret, communities) SELECT"
                      " 'https://other.example.cn/h', 'whsec_QUFBQUFBQUFBQUFBQUFBQQ==',"
                      " ARRAY[id] FROM communities WHERE code = :c"), {"c": COMMUNITY_2})
    open_page(page, make_user, "root1", [COMMUNITY_1], "phone", "en")
    assert "other.example.cn" not in page.inner_text("#webhooks")
    form = page.locator("#webhook-new")
    form.locator("[name=url]").fill("https://mine.example.cn/h")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#new-secret")
    assert endpoint(conn, "https://mine.example.cn/h").codes == [COMMUNITY_1]
    shot(page, "admin-webhooks-limited-phone-en", tmp_path)
    form = page.locator("#webhook-new")
    form.locator("[name=url]").fill("https://theirs.example.cn/h")
    form.locator("[name=communities]").fill(COMMUNITY_2)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "Not created" in page.inner_text("body")
    assert endpoint(conn, "https://theirs.example.cn/h") is None
