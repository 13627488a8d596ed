"""The statistics maps on a desktop (1366×768) and a phone (390×844), Chinese and English
(issue 26): the coverage map's clicked-grid panel, tooltips inside the screen, the tables'
columns whole and names unbroken (scrolling sideways on a phone)."""

import os

import pytest

from tests.stats.test_stats_pages import open_page, page_errors, screen_point
from tests.support.geometries import GRID_C
from tests.support.towns import add_party

pytestmark = pytest.mark.town("stats")

SHOTS = "/work/shots/planner"
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def inside_screen(page, selector: str) -> dict:
    """How far the element sticks out of the viewport on each side (px; 0 = inside)."""
    return page.evaluate("""(s) => { const r = document.querySelector(s).getBoundingClientRect();
        return {left: Math.max(0, -r.left), top: Math.max(0, -r.top),
                right: Math.max(0, r.right - innerWidth),
                bottom: Math.max(0, r.bottom - innerHeight)}; }""", selector)


def cells_whole(page, selector: str) -> list[str]:
    """Texts of the table's cells that are cut (wider than their cell), and of body cells
    broken onto a second line (a name split inside a word: 福坊社/区). Heads may wrap
    between words."""
    return page.evaluate("""(s) => [...document.querySelectorAll(s + ' th, ' + s + ' td')]
        .filter(c => c.scrollWidth > c.clientWidth + 1 || (c.tagName === 'TD'
                && c.getBoundingClientRect().height
                   > 1.9 * parseFloat(getComputedStyle(c).fontSize) + 8))
        .map(c => c.textContent)""", selector)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_caseload_tables_and_tooltip_fit(page, town, make_user, size, lang):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    suffix = "&lang=en" if lang == "en" else ""
    open_page(page, make_user, f"/maps/caseload?from=2025-05-01&to=2025-06-01{suffix}")
    page.wait_for_selector("#communities td")
    assert cells_whole(page, "#communities table") == []
    wrap = page.evaluate("() => getComputedStyle(document.querySelector('#communities'))"
                         ".overflowX")
    assert wrap == "auto"  # a phone scrolls the table sideways; a desktop needs not
    if size == "desktop":
        assert page.evaluate("() => { const w = document.querySelector('#communities');"
                             " return w.scrollWidth - w.clientWidth; }") <= 0
    shot(page, f"caseload-{lang}-{size}")
    assert page_errors(page) == []


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_coverage_clicked_grid_panel_and_tooltips_inside_the_screen(page, town, conn,
                                                                     make_user, size, lang):
    add_party(conn, town)
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    suffix = "&lang=en" if lang == "en" else ""
    open_page(page, make_user, f"/maps/coverage?distance=150{suffix}")
    # a grid near the map's right edge: its tooltip stays inside the screen
    box = page.locator(".folium-map").bounding_box()
    page.evaluate("() => window.gridmapStats.map.fitBounds(window.gridmapStats.grids"
                  ".getBounds(), {animate: false})")
    x, y = screen_point(page, 3.9, 1.5)
    x = min(x, box["x"] + box["width"] - 4)
    page.mouse.move(x - 6, y)
    page.mouse.move(x, y)
    page.locator(".leaflet-tooltip .stats-tip").wait_for()
    assert inside_screen(page, ".leaflet-tooltip") == {"left": 0, "top": 0, "right": 0,
                                                       "bottom": 0}
    assert page.evaluate("""() => { const tip = document.querySelector('.leaflet-tooltip')
        .getBoundingClientRect(); return [...document.querySelectorAll('.stats-tip dd')]
        .filter(d => d.getBoundingClientRect().right > tip.right + 1
                || d.scrollWidth > d.clientWidth + 1).length; }""") == 0
    shot(page, f"coverage-tooltip-{lang}-{size}")
    page.mouse.click(x, y)
    page.wait_for_selector(f"#grid-panel [data-grid-code='{GRID_C}']")
    panel = page.inner_text("#grid-panel")
    assert GRID_C in panel
    assert ("服务党员数" if lang == "zh" else "Serving party members") in panel
    assert cells_whole(page, "#communities table") == []
    shot(page, f"coverage-panel-{lang}-{size}")
    assert page_errors(page) == []
