"""The residents' public map (/map) on a phone, in headless Chromium."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text

from tests.service.test_browser_pages import sign_in
from tests.support.geometries import GRID_A, GRID_C, GRID_D, xy

PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("GRIDMAP_SHOTS", "/tmp/gridmap-shots"))
XSS = '<img src=x onerror="window.__xss=1">'

pytestmark = pytest.mark.town("incidents", service_hours="周一至周五 9:00-17:30")


@pytest.fixture
def phone(browser, live_server):
    """``phone(**context_options)`` → a page in a fresh phone-sized context."""
    contexts = []

    def open_page(viewport=PHONE, **options):
        context = browser.new_context(viewport=viewport, base_url=live_server,
                                      locale="zh-CN", is_mobile=True, has_touch=True,
                                      **options)
        context.route("**/*", lambda route: route.abort() if not route.request.url.startswith(
            live_server) else route.continue_())
        contexts.append(context)
        tab = context.new_page()
        tab.console_errors, tab.page_errors, tab.dialogs = [], [], []
        tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
        tab.on("pageerror", lambda err: tab.page_errors.append(str(err)))
        tab.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
        return tab

    yield open_page
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def clean(page) -> None:
    """No CSP refusal, no uncaught error, no dialog, no injected script ran."""
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
    assert page.page_errors == [] and page.dialogs == []
    assert page.evaluate("window.__xss") is None


def tap_at(page, lon: float, lat: float) -> None:
    x, y = page.evaluate("([lon, lat]) => { const p = window.gridmapPublic.map"
                         ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
                         [lon, lat])
    box = page.locator(".folium-map").bounding_box()
    assert 0 < x < box["width"] and 0 < y < box["height"], "point is outside the map view"
    page.mouse.click(box["x"] + x, box["y"] + y)


def open_map(page, path: str = "/map") -> None:
    page.goto(path)
    page.wait_for_function("() => window.gridmapPublic && window.gridmapPublic.map")


def test_search_an_address_and_see_the_grid_and_its_workers(phone, town):
    page = phone()
    open_map(page)
    page.fill("#search-q", "景山东街")
    page.wait_for_selector("#suggestions button[role=option]")
    options = page.locator("#suggestions button[role=option]")
    assert options.count() == 2 and "景山东街12号院1号楼" in options.first.inner_text()
    shot(page, "map-suggestions")
    options.first.click()
    page.wait_for_selector("#place-grid")
    assert page.inner_text("#place-grid") == "第一网格"
    assert GRID_A in page.inner_text("#place")
    assert "景山社区" in page.inner_text("#place-community")
    assert "东华门大街1号" in page.inner_text("#place-office")
    workers = page.inner_text("#place-workers")
    assert workers.index("李娜") < workers.index("张伟")  # the grid chief first
    assert "网格长" in workers and "专职网格员" in workers and "周一至周五" in workers
    call = page.locator("#place-workers a.call").first
    assert call.get_attribute("href") == "tel:01065001111"
    assert call.bounding_box()["height"] >= 44  # a finger-sized target
    # the place's grid is outlined (at street level other outlines may be out of view)
    page.wait_for_selector(".leaflet-overlay-pane path[stroke='#d1242f']")
    shot(page, "map-search-result")
    clean(page)


def test_tap_the_map(phone, town):
    page = phone()
    open_map(page)
    page.wait_for_selector(".leaflet-overlay-pane path")  # outlines of the view arrived
    tap_at(page, *xy(5, 1))
    page.wait_for_selector("#place-grid")
    assert GRID_D in page.inner_text("#place") and "黄图岗社区" in page.inner_text("#place")
    assert "赵敏" in page.inner_text("#place-workers")
    tap_at(page, *xy(7, 1))  # in community 2 but in no grid
    page.wait_for_selector("#place-no-grid")
    assert "黄图岗社区" in page.inner_text("#place-community")
    clean(page)


def test_tap_outside_the_city_says_so(phone, town):
    page = phone()
    open_map(page)
    page.evaluate("window.gridmapPublic.map.setView([39.95, 116.45], 15)")
    page.locator(".folium-map").click(position={"x": 200, "y": 150})
    page.wait_for_selector("#place-outside")
    assert "不在本市网格服务范围内" in page.inner_text("#place")


def test_locate_me_with_permission_granted(phone, town):
    lon, lat = xy(3, 1.5)  # grid C
    page = phone(geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"])
    open_map(page)
    page.click("#locate-me")
    page.wait_for_selector("#place-grid")
    assert GRID_C in page.inner_text("#place") and page.inner_text("#place-grid") == "第三网格"
    assert "吴刚" in page.inner_text("#place-workers")
    shot(page, "map-located")
    clean(page)


def test_locate_me_refused_says_what_to_do(phone, town):
    page = phone()  # no geolocation permission: the browser refuses
    open_map(page)
    page.evaluate("""() => {  // a refusal as browsers report it, whatever the headless default
        navigator.geolocation.getCurrentPosition = (ok, fail) =>
            setTimeout(() => fail({code: 1, message: 'User denied Geolocation'}), 10);
    }""")
    page.click("#locate-me")
    page.wait_for_selector("#notice.is-error")
    assert "拒绝了位置权限" in page.inner_text("#notice")
    assert "搜索" in page.inner_text("#notice")
    shot(page, "map-geo-refused")
    clean(page)


def test_locate_me_refused_by_the_real_permission_prompt(phone, town):
    page = phone()
    page.context.clear_permissions()
    open_map(page)
    page.click("#locate-me")
    page.wait_for_selector("#notice.is-error", timeout=20000)
    assert "位置" in page.inner_text("#notice")


def test_a_buildings_qr_code_opens_the_map_on_it(phone, page, town, make_user):
    name, password = make_user("staff", "viewer")
    sign_in(page, name, password, start="/maps/qr?community=110101001002")
    cards = page.locator("#qr-sheet figure.qr-card")
    assert cards.count() == 1 and cards.first.locator("svg").count() == 1
    url = page.inner_text("#qr-sheet .qr-url")
    assert url.endswith("/map/b/1101010010020010001")
    resident = phone()
    resident.goto(url)
    resident.wait_for_selector("#place-grid")
    assert GRID_D in resident.inner_text("#place")
    assert "黄图岗胡同8号" in resident.inner_text("#place-label")
    assert resident.evaluate("window.gridmapPublic.map.getZoom()") == 17
    shot(resident, "map-building-qr")
    clean(resident)
    missing = resident.goto("/map/b/1101010010020019999")
    assert missing.status == 404


def test_submit_a_report_and_look_it_up_by_reference(phone, town, conn, tmp_path):
    page = phone()
    open_map(page)
    page.wait_for_selector(".leaflet-overlay-pane path")
    tap_at(page, *xy(1, 1.5))
    page.wait_for_selector("#place-grid")
    page.click("#report-open")
    page.wait_for_selector("#report-form:not([hidden])")
    assert "第一网格" in page.inner_text("#report-where")
    page.select_option("#report-category", "环境卫生")
    page.fill("#report-description", "楼道堆放杂物 " + XSS)
    photo = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 140, 60)).save(photo, "JPEG")
    page.set_input_files("#report-photo", {"name": "photo.jpg", "mimeType": "image/jpeg",
                                           "buffer": photo.getvalue()})
    page.fill("#report-name", "王女士")
    page.fill("#report-phone", "13800001111")
    shot(page, "map-report-form")
    page.click("#report-submit")
    page.wait_for_selector("#report-reference")
    reference = page.inner_text("#report-reference")
    assert len(reference) == 9 and reference[4] == "-"
    shot(page, "map-report-sent")
    stored = conn.execute(text(
        "SELECT i.description, i.source, r.photo IS NOT NULL FROM resident_reports r"
        " JOIN incidents i ON i.id = r.incident_id WHERE r.reference = :r"),
        {"r": reference}).one()
    assert tuple(stored) == ("楼道堆放杂物 " + XSS, "resident", True)

    page.click("#status-open")
    page.fill("#status-ref", reference.lower())
    page.click("#status-go")
    page.wait_for_selector("#status-state")
    assert page.inner_text("#status-state") == "办理中"
    assert page.inner_text("#status-note") == "暂无答复。"
    assert "onerror" not in page.content() and "王女士" not in page.inner_text("body")

    conn.execute(text("UPDATE incidents SET status = 'closed', closed_at = now()"))
    conn.execute(text("UPDATE resident_reports SET public_note = :n, public_note_at = now()"),
                 {"n": "已清理。" + XSS})
    page.click("#status-go")
    page.wait_for_function("() => document.querySelector('#status-state').textContent"
                           " === '已办结'")
    assert page.inner_text("#status-note") == "已清理。" + XSS  # shown as text
    shot(page, "map-report-status")
    page.fill("#status-ref", "ZZZZ-ZZZZ")
    page.click("#status-go")
    page.wait_for_function("() => document.querySelector('#status-result').textContent"
                           ".includes('没有这个编号')")
    clean(page)


def test_english_and_the_narrowest_phone(phone, town):
    page = phone(viewport={"width": 360, "height": 640})
    open_map(page, "/map?lang=en")
    assert page.inner_text("#locate-me") == "Locate me"
    assert page.get_attribute("html", "lang") == "en"
    page.fill("#search-q", "黄图岗")
    page.wait_for_selector("#suggestions button[role=option]")
    page.press("#search-q", "ArrowDown")
    page.press("#search-q", "Enter")
    page.wait_for_selector("#place-grid")
    assert "Grid " + GRID_D in page.inner_text("#place")
    assert "Full-time" in page.inner_text("#place-workers")
    # Nothing sticks out sideways at 360 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "map-english-360")
    clean(page)


def test_the_page_loads_no_data_and_only_local_assets(client, town):
    page = client.get("/map")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "bootstrap" not in html and "cdn" not in html.lower()
    assert "L.geoJson" not in html and "第一网格" not in html  # outlines come from the API
    assert "user-scalable=no" not in html  # residents may zoom the page
    assert "Set-Cookie" not in page.headers  # no session for anonymous residents
    assert len(page.data) < 30_000
