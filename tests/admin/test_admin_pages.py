"""Issue 26 for admins and sign-in, in headless Chromium (1366×768 and 390×844): each role
lands on its own work; an admin resets a password (one-time, replaced at the next sign-in),
links an account to a grid worker, and is asked before disabling or revoking; the
categories table edits the urgent factor and shows its choices whole."""

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.service.test_browser_pages import sign_in
from tests.support.auth import login

pytestmark = pytest.mark.town("incidents")

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
SHOTS = Path("/work/shots/pages")


def shot(page, name: str, tmp_path) -> None:
    folder = SHOTS if SHOTS.is_dir() else tmp_path
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("role, lands", [
    ("dispatcher", "/dispatch"), ("planner", "/plans"), ("admin", "/admin/users"),
    ("community_admin", "/admin/people/workers"), ("viewer", "/maps/grids"),
    ("member", "/work"), ("department", "/department"),
])
def test_each_role_lands_on_its_own_work(client, make_user, town, role, lands):
    name, password = make_user("who-" + role, role)
    answer = login(client, name, password)
    assert answer.status_code == 302 and answer.headers["Location"] == lands
    # A page asked for still wins over the landing page.
    again = login(client.application.test_client(), name, password, next="/maps/qr")
    assert again.status_code == 302


@pytest.mark.parametrize("role, lands", [("dispatcher", "/dispatch"), ("planner", "/plans"),
                                         ("admin", "/admin/users")])
def test_signing_in_in_the_browser_opens_the_roles_page(page, make_user, town, role, lands):
    name, password = make_user("web-" + role, role)
    sign_in(page, name, password, start="/login")
    assert page.url.endswith(lands)


def users_page(page, make_user, size: str, lang: str):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    name, password = make_user("root-" + size + lang, "admin")
    sign_in(page, name, password, start="/admin/users" + ("?lang=en" if lang == "en" else ""))
    page.wait_for_selector("#users")
    return page


def row(page, username: str):
    return page.locator(f"#users tr[data-user='{username}']")


@pytest.mark.parametrize("size, lang", [("desktop", "zh"), ("phone", "en")])
def test_a_reset_password_is_shown_once_and_replaced_at_sign_in(page, browser, live_server,
                                                                make_user, conn, town,
                                                                tmp_path, size, lang):
    make_user("wang", "viewer")
    page = users_page(page, make_user, size, lang)
    before = conn.execute(text("SELECT password_hash FROM users WHERE username = 'wang'"))\
        .scalar()
    reset = row(page, "wang").locator("form[action$='/password'] button")
    reset.click()
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    assert "wang" in page.inner_text("#confirm-question")
    shot(page, f"admin-reset-dialog-{size}-{lang}", tmp_path)
    page.click("#confirm-cancel")
    dialog.wait_for(state="hidden")
    assert conn.execute(text("SELECT password_hash FROM users WHERE username = 'wang'"))\
        .scalar() == before  # cancelled: nothing sent
    reset.click()
    page.click("#confirm-ok")
    page.wait_for_selector("#new-password")
    password = page.inner_text("#new-password").strip()
    shot(page, f"admin-reset-shown-{size}-{lang}", tmp_path)
    page.goto("/admin/users")
    assert page.locator("#new-password").count() == 0  # shown once
    # wang signs in with it and is asked for a password of their own first.
    other = browser.new_context(base_url=live_server, locale="zh-CN")
    tab = other.new_page()
    sign_in(tab, "wang", password, start="/login")
    assert "/account/password" in tab.url
    tab.fill("#current", password)
    tab.fill("#new-password", "my-own-secret-9")
    tab.fill("#confirm", "my-own-secret-9")
    tab.click("#password-save")
    tab.wait_for_load_state("networkidle")
    assert tab.url.endswith("/maps/grids")
    other.close()
    actions = conn.execute(text("SELECT action FROM audit_log a JOIN users u ON"
                                " u.id::text = a.entity_id WHERE u.username = 'wang'"
                                " ORDER BY a.id")).scalars().all()
    assert "user.password_reset" in actions and "user.password_change" in actions
    assert not conn.execute(text("SELECT must_change_password FROM users"
                                 " WHERE username = 'wang'")).scalar()


def test_the_new_password_must_be_typed_twice_alike(client, make_user, town, app):
    name, password = make_user("li", "viewer")
    login(client, name, password)
    page = client.get("/account/password").get_data(as_text=True)
    assert 'name="confirm"' in page
    from tests.support.auth import csrf_token
    answer = client.post("/account/password", data={
        "current": password, "password": "another-secret-1", "confirm": "another-secret-2",
        "csrf_token": csrf_token(client)})
    assert answer.status_code == 400
    answer = client.post("/account/password", data={
        "current": "wrong-password-1", "password": "another-secret-1",
        "confirm": "another-secret-1", "csrf_token": csrf_token(client)})
    assert answer.status_code == 400


def test_disabling_asks_first_and_linking_a_worker_is_audited(page, make_user, conn, town,
                                                              tmp_path):
    make_user("zhou", "member")
    make_user("zhou2", "member")
    page = users_page(page, make_user, "desktop", "zh")
    field = row(page, "zhou").locator("input[name=worker]")
    field.fill("张")  # finds the workers named so, offered by id with their names
    page.wait_for_selector(f"#worker-options option[value='{town['A_full']}']",
                           state="attached")
    field.fill(str(town["A_full"]))
    row(page, "zhou").locator(".worker-form button").click()
    page.wait_for_selector(".alert-info")
    linked = conn.execute(text("SELECT grid_member_id FROM users WHERE username = 'zhou'"))\
        .scalar()
    assert linked == town["A_full"]
    assert "张伟" in row(page, "zhou").inner_text()  # the linked worker by name
    # One account per worker: a second link is refused with a message.
    row(page, "zhou2").locator("input[name=worker]").fill(str(town["A_full"]))
    row(page, "zhou2").locator(".worker-form button").click()
    page.wait_for_selector(".alert-info")
    assert "zhou" in page.inner_text(".alert-info")
    assert conn.execute(text("SELECT grid_member_id FROM users WHERE username = 'zhou2'"))\
        .scalar() is None
    row(page, "zhou").locator("form[action$='/disable'] button").click()
    page.locator("#confirm-dialog").wait_for(state="visible")
    page.click("#confirm-ok")
    page.wait_for_load_state("networkidle")
    assert "已停用" in row(page, "zhou").inner_text()
    shot(page, "admin-users-desktop-zh", tmp_path)
    actions = conn.execute(text("SELECT action FROM audit_log WHERE action IN"
                                " ('user.worker', 'user.disable')")).scalars().all()
    assert sorted(actions) == ["user.disable", "user.worker"]


def test_revoking_a_token_asks_first(page, make_user, make_token, conn, town, tmp_path):
    make_user("robot", "viewer")
    make_token("robot")
    page = users_page(page, make_user, "desktop", "en")
    page.goto("/admin/tokens?lang=en")
    page.locator("#tokens form[action$='/revoke'] button").click()
    page.locator("#confirm-dialog").wait_for(state="visible")
    shot(page, "admin-tokens-dialog-desktop-en", tmp_path)
    page.click("#confirm-cancel")
    assert conn.execute(text("SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL"))\
        .scalar() == 0
    page.locator("#tokens form[action$='/revoke'] button").click()
    page.click("#confirm-ok")
    page.wait_for_load_state("networkidle")
    assert conn.execute(text("SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL"))\
        .scalar() == 1


WIDTHS = """() => [...document.querySelectorAll('#categories select')].map(s => {
    const ctx = document.createElement('canvas').getContext('2d');
    const style = getComputedStyle(s);
    ctx.font = style.font;
    const room = s.clientWidth - parseFloat(style.paddingLeft)
                 - parseFloat(style.paddingRight);
    const widest = Math.max(...[...s.options].map(o => ctx.measureText(o.text).width));
    return [widest, room];
})"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_categories_table_shows_its_choices_whole_and_edits_the_factor(
        page, make_user, conn, town, tmp_path, lang):
    page.set_viewport_size({"width": 1366, "height": 768})
    name, password = make_user("cat-" + lang, "admin")
    sign_in(page, name, password, start="/admin/categories" + ("?lang=en" if lang == "en"
                                                               else ""))
    cut = [(w, r) for w, r in page.evaluate(WIDTHS) if w > r]
    assert cut == []
    shot(page, f"admin-categories-desktop-{lang}", tmp_path)
    first = page.locator("#categories tbody tr").first
    first.locator("input[name=urgent_factor]").fill("0.3")
    first.locator("button[type=submit]").click()
    page.wait_for_selector(".alert-info")
    code = first.locator("input[name=code]").input_value()
    assert conn.execute(text("SELECT urgent_factor FROM categories WHERE code = :c"),
                        {"c": code}).scalar() == pytest.approx(0.3)
