"""The /evaluation page in headless Chromium: the units' table, drill-down street →
community → grid → the incidents behind a number, the ranking, the map, the report's
downloads; at a desktop's and a phone's size, in Chinese and English."""

import shutil

import pytest

from tests.service.test_browser_pages import sign_in
from tests.support.geometries import GRID_A

pytestmark = pytest.mark.town("stats")
SHOTS = "/work/shots/report"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def save(page, tmp_path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=True)
    try:
        shutil.copy(tmp_path / name, f"{SHOTS}/{name}")
    except OSError:
        pass  # the folder is a developer's; the test does not need it


def open_page(page, make_user, query: str) -> None:
    page.page_errors = []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    name, password = make_user("viewer", "viewer")
    sign_in(page, name, password, start="/evaluation?" + query)
    page.wait_for_selector("#units table tbody tr")


def cell(page, row_text: str, key: str):
    """The value button of indicator ``key`` in the units' row holding ``row_text``."""
    keys = page.evaluate("JSON.parse(document.getElementById('eval-config').textContent)"
                         ".indicators.map((i) => i.key)")
    row = page.locator("#units tbody tr", has_text=row_text)
    return row.locator("td.eval-num").nth(keys.index(key)).locator("button")


def test_drill_down_from_the_street_to_the_incidents_behind_a_number(page, town, make_user,
                                                                      tmp_path):
    page.set_viewport_size({"width": 1366, "height": 768})
    open_page(page, make_user, "month=2025-05&indicator=on_time_rate")
    assert "东华门街道" in page.inner_text("#units")
    assert "按期结案率" in page.inner_text("#formulas")
    page.wait_for_selector("#ranking table")
    assert "东华门街道" in page.inner_text("#ranking")
    page.wait_for_function("() => document.getElementById('eval-map').naturalWidth > 0")
    assert "from=2025-05-01" in page.get_attribute("#caseload-link", "href")
    save(page, tmp_path, "evaluation-zh-1366.png")

    page.click("#units a:has-text('东华门街道')")  # → its communities
    page.wait_for_selector("#units tbody tr:has-text('景山社区')")
    page.click("#units a:has-text('景山社区')")  # → its grids
    page.wait_for_selector("#units tbody tr:has-text('第一网格')")
    assert "东华门街道" in page.inner_text("#crumbs") and "景山社区" in page.inner_text("#crumbs")
    assert "within=" in page.url and "level=grid" in page.url
    rate = cell(page, "第一网格", "on_time_rate")
    assert rate.inner_text() == "33.3%" and "1 / " in rate.get_attribute("title")
    rate.click()  # the incidents behind the numerator: the one closed on time
    page.wait_for_selector("#drill table tbody tr")
    assert "（1 件）" in page.inner_text("#drill-title")
    assert page.locator("#drill tbody tr").count() == 1
    page.click("#drill button:has-text('分母')")
    page.wait_for_function("() => document.getElementById('drill-title').textContent"
                           ".includes('（3 件）')")
    assert page.locator("#drill tbody tr").count() == 3
    save(page, tmp_path, "evaluation-zh-1366-drill.png")

    href = page.get_attribute("#dl-xlsx", "href")
    assert href == "/api/v1/reports/monthly/2025-05.xlsx?street=" + GRID_A[:9]
    download = page.request.get(href)
    assert download.status == 200 and download.headers["content-type"] == XLSX
    assert page.page_errors == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_phone_scrolls_the_tables_not_the_page(page, town, make_user, tmp_path, lang):
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(page, make_user, f"month=2025-05&level=community&lang={lang}")
    page.wait_for_selector("#ranking table")
    page.wait_for_function("() => document.getElementById('eval-map').naturalWidth > 0")
    wide = page.evaluate("() => { const u = document.getElementById('units');"
                         " return [u.scrollWidth, u.clientWidth,"
                         " document.documentElement.scrollWidth]; }")
    assert wide[0] > wide[1] and wide[2] <= 390  # the table scrolls inside its card
    # names keep to one line (no break inside 景山社区)
    heights = page.evaluate("() => [...document.querySelectorAll('#units .eval-name')]"
                            ".map((e) => e.getBoundingClientRect().height)")
    assert heights and max(heights) < 2 * min(heights)
    title = page.inner_text("h1")
    assert title == ("Evaluation" if lang == "en" else "考评")
    if lang == "en":
        assert "Satisfaction rate" in page.inner_text("#units thead")
    save(page, tmp_path, f"evaluation-{lang}-390.png")
    page.set_viewport_size({"width": 1366, "height": 768})
    save(page, tmp_path, f"evaluation-{lang}-1366.png")
    assert page.page_errors == []


def test_the_map_and_the_page_need_statistics(client, town, staff):
    member = staff("worker", "member")
    assert client.get("/evaluation", headers=member).status_code == 403
    assert client.get("/evaluation/map.svg", headers=member).status_code == 403
    viewer = staff("viewer2", "viewer")
    svg = client.get("/evaluation/map.svg?indicator=count&from=2025-05-01&to=2025-06-01",
                     headers=viewer)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    drawn = svg.get_data(as_text=True)
    assert drawn.count("<path") == 4 and f"{GRID_A}: 3<" in drawn  # 3 reported in May
    for bad in ("indicator=nope", "within=12", "from=2025-06-01&to=2025-05-01", "x=1"):
        answer = client.get("/evaluation/map.svg?" + bad, headers=viewer)
        assert answer.status_code == 400, bad
    assert client.get("/evaluation/map.svg?within=999999999",
                      headers=viewer).status_code == 404
