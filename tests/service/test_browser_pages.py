"""What a person sees, in headless Chromium: sign-in, the grid map, escaping under CSP."""

from sqlalchemy import text

from tests.support.geometries import build_town

XSS = "<img src=x onerror=alert(1)>"


def sign_in(page, name: str, password: str, start: str = "/maps/grids") -> None:
    page.goto(start)
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("button.btn-primary[type=submit]")
    page.wait_for_load_state("networkidle")


def _csp_errors(page) -> list[str]:
    return [e for e in page.console_errors if "Content Security Policy" in e]


def test_sign_in_then_the_grid_map_draws_every_grid(page, conn, make_user, tmp_path):
    build_town(conn)
    name, password = make_user("wang", "viewer")
    sign_in(page, name, password)
    assert page.url.endswith("/maps/grids")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() == 3  # community 1: A, B, C
    assert page.locator("#grid-count").inner_text().startswith("3")
    page.screenshot(path=str(tmp_path / "grid-map.png"))
    assert _csp_errors(page) == []


def test_a_hostile_grid_name_shows_as_text_and_never_runs(page, conn, make_user):
    ids = build_town(conn)
    conn.execute(text("UPDATE grids SET name = :n WHERE id = :i"), {"n": XSS, "i": ids["A"]})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    name, password = make_user("wang", "viewer")
    sign_in(page, name, password)
    page.wait_for_selector("path.leaflet-interactive")
    page.locator("path.leaflet-interactive").first.hover()
    tooltip = page.wait_for_selector(".leaflet-tooltip")
    assert XSS in tooltip.inner_text()
    assert page.locator(".leaflet-tooltip img").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []
    assert _csp_errors(page) == []


def test_a_wrong_password_is_told_and_the_page_stays(page, make_user):
    make_user("wang", "viewer")
    sign_in(page, "wang", "not-the-password")
    assert "/login" in page.url
    assert page.locator(".alert-danger").inner_text() == "用户名或密码错误。"


def test_sign_out_returns_to_the_sign_in_page(page, conn, make_user):
    build_town(conn)
    name, password = make_user("wang", "admin")
    sign_in(page, name, password, start="/admin/users")
    assert page.url.endswith("/admin/users")
    page.click("text=退出")
    page.wait_for_load_state("networkidle")
    assert "/login" in page.url
    page.goto("/admin/users")
    assert "/login" in page.url


def _paths(page) -> list[str]:
    return [p.replace("\u200b", "") for p in
            page.locator(".opblock-summary-path").all_inner_texts()]


def test_the_api_reference_renders_the_document_from_local_assets(page, tmp_path):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock-tag", timeout=20_000)
    tags = page.locator(".opblock-tag").all_inner_texts()
    assert any("lookup" in t.lower() for t in tags), tags
    assert "/api/v1/lookup" in _paths(page)
    # Swagger UI draws only the operations near the screen: scroll down to the plans'.
    for _ in range(200):
        if "/api/v1/plans/{plan_id}/publish" in _paths(page):
            break
        page.mouse.wheel(0, 1500)
        page.wait_for_timeout(50)
    assert "/api/v1/plans/{plan_id}/publish" in _paths(page)
    page.screenshot(path=str(tmp_path / "api-docs.png"), full_page=False)
    assert _csp_errors(page) == []
    base = page.url.split("/api/v1/docs")[0]
    assert all(url.startswith(base) or url.startswith("data:") for url in requests), requests
