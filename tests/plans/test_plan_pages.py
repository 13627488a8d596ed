"""The planner's workbench (/plans, /plans/<id>) as a planner uses it, in headless Chromium:
start a plan, paint buildings into another grid and into a new one, undo, meet a stale save,
read a check finding, look at the impact, publish, and find the new grid by lookup."""

import os

import pytest
from sqlalchemy import text

from tests.incidents.test_dispatch_page import csp_errors
from tests.service.test_browser_pages import sign_in
from tests.support.auth import bearer
from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_B, GRID_C, xy
from tests.support.towns import add_building

SHOTS = "/work/shots-8"
# (code, box in town units): three buildings in A, one in B, one in C; 40 households each.
BUILDINGS = {"a1": ("1101010010010010001", (0.5, 0.5, 0.7, 0.7)),
             "a2": ("1101010010010010002", (1.0, 0.5, 1.2, 0.7)),
             "a3": ("1101010010010010003", (1.4, 1.4, 1.6, 1.6)),
             "b1": ("1101010010010010004", (3.0, 0.4, 3.2, 0.6)),
             "c1": ("1101010010010010005", (3.0, 1.4, 3.2, 1.6))}
NEW_GRID = COMMUNITY_1 + "004"


@pytest.fixture
def town(town, conn):
    """The plain town with the BUILDINGS below in grids A, B and C."""
    ids = town
    grid_of = {"a": ids["A"], "b": ids["B"], "c": ids["C"]}
    for key, (code, box) in BUILDINGS.items():
        ids[key] = add_building(conn, code, f"景山东街{key}号", box, grid_of[key[0]], ids["C1"])
    return ids


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png")


def centre(key: str) -> tuple[float, float]:
    _, (x0, y0, x1, y1) = BUILDINGS[key]
    return xy((x0 + x1) / 2, (y0 + y1) / 2)


def on_screen(page, lon: float, lat: float) -> tuple[float, float]:
    x, y = page.evaluate("([lon, lat]) => { const p = window.gridmapPlan.map"
                         ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }", [lon, lat])
    box = page.locator("#map").bounding_box()
    assert 0 < x < box["width"] and 0 < y < box["height"], "point is outside the map view"
    return box["x"] + x, box["y"] + y


def households(page, code: str) -> str:
    return page.inner_text(f'#balance-rows tr[data-code="{code}"] td.households')


def wait_households(page, code: str, value: int) -> None:
    page.wait_for_function(
        "([code, v]) => { const td = document.querySelector("
        "`#balance-rows tr[data-code=\"${code}\"] td.households`);"
        " return td && td.textContent === String(v); }", arg=[code, value])


def wait_saved(page) -> None:
    page.wait_for_function("() => !window.gridmapPlan.state.busy && "
                           "document.querySelector('#notice .msg.ok')")


def paint(page, key: str) -> None:
    page.mouse.click(*on_screen(page, *centre(key)))


@pytest.fixture
def editor(page, town, make_user):
    page.page_errors = []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    name, password = make_user("planner1", "planner")
    sign_in(page, name, password, start="/plans")
    page.wait_for_selector("#plans-rows td")
    assert "还没有方案" in page.inner_text("#plans-rows")
    page.fill("#create-name", "景山社区调整")
    page.click("#create-submit")
    page.wait_for_url("**/plans/1")
    page.wait_for_selector(f'#balance-rows tr[data-code="{GRID_C}"]')
    return page


def test_paint_undo_stale_save_check_impact_publish_then_lookup(editor, client, make_user,
                                                                make_token):
    page = editor
    assert households(page, GRID_A) == "120" and households(page, GRID_B) == "40"
    # A check finding: every grid is under the 300-household band; click one to zoom to it.
    findings = page.locator('#findings li[data-kind="households"]')
    assert findings.count() == 3
    assert findings.first.inner_text() == "警告 户数低于标准：网格 001（120 户）"
    zoom_before = page.evaluate("() => window.gridmapPlan.map.getZoom()")
    findings.first.click()
    page.wait_for_function("(z) => window.gridmapPlan.map.getZoom() !== z", arg=zoom_before)
    page.evaluate("() => window.gridmapPlan.map.fitBounds("
                  "window.gridmapPlan.state.grids ? L.geoJSON(window.gridmapPlan.state.grids)"
                  ".getBounds() : null, {animate: false})")
    shot(page, "plan-editor-opened")

    # Paint a3 (in A) into B: the table follows.
    page.click(f'#balance-rows tr[data-code="{GRID_B}"]')
    assert "is-selected" in page.get_attribute(f'#balance-rows tr[data-code="{GRID_B}"]', "class")
    # A click between buildings (in A) does not change where buildings go; it says so.
    page.mouse.click(*on_screen(page, *xy(0.3, 1.8)))
    page.wait_for_selector("#notice .msg")
    assert page.evaluate("() => window.gridmapPlan.state.selected") == GRID_B
    assert page.inner_text("#notice") == ("仍划入网格 002。要改划入网格 001，"
                                          "请在表中点击该网格。")
    assert "is-selected" in page.get_attribute(f'#balance-rows tr[data-code="{GRID_B}"]', "class")
    paint(page, "a3")
    wait_households(page, GRID_B, 80)
    assert households(page, GRID_A) == "80"
    wait_saved(page)
    shot(page, "plan-editor-painted")
    # Undo puts it back.
    page.click("#undo")
    wait_households(page, GRID_B, 40)
    assert households(page, GRID_A) == "120"
    wait_saved(page)
    assert page.is_enabled("#redo") and not page.is_enabled("#undo")

    # Another planner renames the plan meanwhile: the next paint is refused and says who.
    make_user("planner2", "planner")
    other = bearer(make_token("planner2"))
    etag = client.get("/api/v1/plans/1", headers=other).headers["ETag"]
    renamed = client.patch("/api/v1/plans/1", json={"name": "另一位的方案"},
                           headers={**other, "If-Match": etag})
    assert renamed.status_code == 200
    paint(page, "a3")
    page.wait_for_selector("#notice .msg.stale")
    stale = page.inner_text("#notice")
    assert "planner2" in stale and "重命名" in stale and "版本 6" in stale
    shot(page, "plan-editor-stale")
    assert households(page, GRID_B) == "40"  # nothing changed
    page.click("#reload")
    wait_saved(page)

    # A new grid: c1 moves into it.
    page.click("#new-grid")
    page.wait_for_selector(f'#balance-rows tr[data-code="{NEW_GRID}"].is-selected')
    paint(page, "c1")
    wait_households(page, NEW_GRID, 40)
    page.wait_for_selector(f'#balance-rows tr[data-code="{GRID_C}"]', state="detached")
    wait_saved(page)
    codes = page.evaluate("() => window.gridmapPlan.state.grids.features"
                          ".map(f => f.properties.code).sort()")
    assert codes == [GRID_A, GRID_B, NEW_GRID]

    # Impact, then publish with its confirmation.
    page.click("#publish-open")
    page.wait_for_selector("#impact-grids")
    assert page.is_visible("#publish-confirm")
    assert page.get_attribute(f'#impact-grids tr[data-code="{NEW_GRID}"]',
                              "data-status") == "added"
    assert page.get_attribute(f'#impact-grids tr[data-code="{GRID_C}"]',
                              "data-status") == "removed"
    assert "1 栋" in page.inner_text("#impact-moved")
    # The town's grids have no workers: the confirmation names them and waits for a tick.
    assert page.is_visible("#publish-unstaffed") and page.is_disabled("#publish-go")
    assert page.eval_on_selector_all("#publish-unstaffed-list li",
                                     "ls => ls.map(l => l.dataset.code)") == [
        GRID_A, GRID_B, NEW_GRID]
    assert "3 个网格没有网格员" in page.inner_text("#publish-unstaffed-text")
    assert in_view(page, "#publish-go")
    shot(page, "plan-editor-publish-confirm")
    page.check("#publish-unstaffed-ok")
    page.click("#publish-go")
    page.wait_for_selector("#notice .msg.published")
    published = page.inner_text("#notice")
    assert "1 栋楼重新归属" in published and "没有网格员的网格：001" in published
    assert page.is_hidden("#tools")
    shot(page, "plan-editor-published")

    lon, lat = centre("c1")
    found = client.get("/api/v1/lookup", query_string={"lon": lon, "lat": lat}).get_json()
    assert found["grid"]["code"] == NEW_GRID
    assert csp_errors(page) == []


def test_publish_refused_shows_the_errors(page, town, make_user, make_token, client):
    page.page_errors = []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    make_user("planner1", "planner")
    answer = client.post("/api/v1/plans", json={"community": COMMUNITY_1, "name": "空白",
                                                "source": "empty"},
                         headers=bearer(make_token("planner1")))
    assert answer.status_code == 201
    sign_in(page, "planner1", "correct-horse-1", start="/plans/1?lang=en")
    page.wait_for_selector('#findings li[data-kind="empty"]')
    assert "Error" in page.inner_text('#findings li[data-kind="empty"]')
    assert "no grids" in page.inner_text('#findings li[data-kind="empty"]')  # engine text
    page.click("#publish-open")
    page.wait_for_selector("#impact-grids")
    page.click("#publish-go")
    page.wait_for_selector("#publish-errors li")
    assert "Not published" in page.inner_text("#notice")
    assert page.is_visible("#tools")  # still a draft
    assert csp_errors(page) == []


def test_a_viewer_reads_plans_but_gets_no_editing_controls(page, town, make_user,
                                                           make_token, client):
    make_user("planner1", "planner")
    client.post("/api/v1/plans", json={"community": COMMUNITY_1, "name": "现行复制"},
                headers=bearer(make_token("planner1")))
    name, password = make_user("viewer1", "viewer")
    sign_in(page, name, password, start="/plans?lang=en")
    page.wait_for_selector("tr.plan-row")
    assert "现行复制" in page.inner_text("#plans-rows") and "planner1" in page.inner_text(
        "#plans-rows")
    assert page.locator("#create-form").count() == 0
    assert "may only look" in page.inner_text("#read-only")
    page.click("tr.plan-row a")
    page.wait_for_selector(f'#balance-rows tr[data-code="{GRID_A}"]')
    assert page.is_hidden("#tools")
    assert "/plans?lang=en" in page.get_attribute(".pe-head a", "href")
    # Buildings are drawn, coloured by their grid.
    assert page.evaluate("() => window.gridmapPlan.state.buildings.size") == 5


def test_start_plans_from_an_automatic_draft_and_from_a_file(page, town, make_user, tmp_path):
    import json

    from tests.support.plans import REDRAWN

    name, password = make_user("planner1", "planner")
    sign_in(page, name, password, start="/plans")
    page.wait_for_selector("#plans-rows td")
    page.check("#source-auto")
    assert page.is_visible("#auto-fields") and page.is_hidden("#file-fields")
    page.check("#auto-by-grids")
    page.fill("#auto-grids", "2")
    page.fill("#create-name", "自动两格")
    page.click("#create-submit")
    page.wait_for_url("**/plans/1")
    page.wait_for_function("() => document.querySelectorAll('#balance-rows tr').length === 2")
    hh = sorted(int(t) for t in page.locator("#balance-rows td.households").all_inner_texts())
    assert sum(hh) == 200 and hh[0] >= 80  # five buildings of 40 households, balanced

    upload = tmp_path / "grids.geojson"
    upload.write_text(json.dumps(REDRAWN), encoding="utf-8")
    page.goto("/plans?lang=en")
    page.wait_for_selector("tr.plan-row")
    assert "自动两格" in page.inner_text("#plans-rows") and "Draft" in page.inner_text(
        "#plans-rows")
    page.check("#source-file")
    page.set_input_files("#create-file", str(upload))
    page.fill("#create-name", "uploaded")
    page.click("#create-submit")
    page.wait_for_url("**/plans/2?lang=en")
    page.wait_for_selector(f'#balance-rows tr[data-code="{GRID_C}"]')
    grids = page.evaluate("() => window.gridmapPlan.state.grids.features.length")
    assert grids == 3
    assert page.inner_text("#balance-title").startswith("Balance")


def in_view(page, selector: str) -> bool:
    return page.evaluate("(s) => { const r = document.querySelector(s).getBoundingClientRect();"
                         " return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; }",
                         selector)


def test_impact_and_publish_open_where_the_planner_looks(editor):
    page = editor
    page.set_viewport_size({"width": 1280, "height": 420})
    page.evaluate("() => document.querySelector('.pe-panel').scrollTop = 0")
    page.click("#impact-open")
    page.wait_for_selector("#impact-grids")
    assert in_view(page, "#impact-title") and page.is_hidden("#publish-confirm")
    page.click("#impact-close")
    assert page.is_hidden("#impact")
    page.evaluate("() => document.querySelector('.pe-panel').scrollTop = 10000")
    page.click("#publish-open")
    page.wait_for_selector("#impact-grids")
    assert in_view(page, "#publish-go") and in_view(page, "#impact-title")
    shot(page, "plan-editor-publish-in-view")
    page.click("#publish-cancel")
    assert page.is_hidden("#impact")


LONG_NAME = "福坊社区第一网格（含东侧商业楼宇、小学与农贸市场）"
NOT_NEIGHBOURS = ("Error: grids 110101001001012 and 110101001001001 do not share an edge, so "
                  "together they are not one polygon; merge neighbours only")


def fits(page) -> dict:
    """How the side panel lays out: sideways overflow, the tallest table row, the name cell."""
    return page.evaluate("""() => {
        const panel = document.querySelector('.pe-panel');
        const rows = [...document.querySelectorAll('.pe-panel tbody tr')];
        const name = document.querySelector('#balance-rows td.pe-name');
        return {over: panel.scrollWidth - panel.clientWidth,
                tallest: Math.max(...rows.map(r => r.getBoundingClientRect().height)),
                ellipsis: getComputedStyle(name).textOverflow, title: name.title,
                clipped: name.scrollWidth > name.clientWidth}; }""")


@pytest.mark.parametrize("size", [(1400, 900), (1280, 800)])
def test_the_side_panel_fits_long_names_in_english_and_chinese(editor, conn, size):
    page = editor
    conn.execute(text("UPDATE plan_grids SET name = :n WHERE code = :c"),
                 {"n": LONG_NAME, "c": GRID_A})
    conn.commit()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    for lang in ("en", "zh"):
        page.goto(f"/plans/1?lang={lang}" if lang == "en" else "/plans/1")
        page.wait_for_selector(f'#balance-rows tr[data-code="{GRID_C}"]')
        page.evaluate("(t) => window.gridmapPlan.notice(t, 'error')", NOT_NEIGHBOURS)
        page.click("#impact-open")
        page.wait_for_selector("#impact-grids")
        got = fits(page)
        assert got["over"] <= 0, (lang, got)
        assert got["tallest"] < 40, (lang, got)  # one line per row
        assert got["ellipsis"] == "ellipsis" and got["clipped"], (lang, got)
        assert LONG_NAME in got["title"] and GRID_A in got["title"]
        status = page.locator(f'#impact-grids tr[data-code="{GRID_A}"] td').nth(1)
        assert status.bounding_box()["height"] < 30
        shot(page, f"plan-editor-panel-{lang}-{size[0]}")
