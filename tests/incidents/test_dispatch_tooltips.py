"""The console's map keeps a grid's tooltip inside the map and the screen (issue 26: it
was clipped at the edges on a phone), with the shared helper (lib/map.js)."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.incidents.test_dispatch_page import csp_errors
from tests.service.test_browser_pages import sign_in
from tests.support.geometries import xy

pytestmark = pytest.mark.town("incidents")


def sticks_out(page) -> dict:
    """How far the open tooltip sticks out of the map and of the screen (px, 0 = inside)."""
    return page.evaluate("""() => {
        const tip = document.querySelector('.leaflet-tooltip');
        if (!tip) return null;  // closed meanwhile (the grids were drawn again)
        const r = tip.getBoundingClientRect();
        const m = document.querySelector('.folium-map').getBoundingClientRect();
        const out = (inner, outer) => Math.max(0, Math.round(outer - inner));
        return {left: out(r.left, Math.max(m.left, 0)), top: out(r.top, Math.max(m.top, 0)),
                right: out(Math.min(m.right, innerWidth), r.right),
                bottom: out(Math.min(m.bottom, innerHeight), r.bottom), text: tip.innerText};
    }""")


@pytest.mark.parametrize("size", [(390, 844), (1366, 768)])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_grid_tooltip_at_the_maps_edge_stays_on_the_screen(page, town, make_user, size,
                                                             lang, tmp_path):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.page_errors = []
    sign_in(page, *make_user("disp", "dispatcher"), start=f"/dispatch?lang={lang}")
    page.wait_for_selector("#queue-total:not(:empty)")
    page.locator(".folium-map").scroll_into_view_if_needed()
    (w, s), (e, n) = xy(0.8, 0.8), xy(1.2, 1.2)  # inside grid A: it fills the map
    page.evaluate("([w, s, e, n]) => window.gridmapDispatch.map.fitBounds([[s, w], [n, e]],"
                  " {animate: false})", [w, s, e, n])
    page.wait_for_function("() => window.gridmapDispatch.grids.getLayers().length > 0")
    page.wait_for_load_state("networkidle")  # the view's grids drawn once, not again
    page.wait_for_timeout(500)
    box = page.locator(".folium-map").bounding_box()
    for x, y in [(box["x"] + box["width"] / 2 - 8, box["y"] + 4),     # top edge, middle
                 (box["x"] + box["width"] - 4, box["y"] + box["height"] - 4),  # corner
                 (box["x"] + 4, box["y"] + box["height"] / 2)]:         # left edge
        seen = None
        for _ in range(5):  # a redraw of the grids under a loaded machine closes it
            page.mouse.move(x - 5, y)
            page.mouse.move(x, y)
            try:
                page.locator(".leaflet-tooltip").wait_for(timeout=5000)
            except PlaywrightTimeout:
                seen = None
            else:
                seen = sticks_out(page)
            if seen:
                break
            page.mouse.move(1, 1)
        assert seen and "网格" in seen.pop("text")
        assert seen == {"left": 0, "top": 0, "right": 0, "bottom": 0}
        page.mouse.move(1, 1)
    page.screenshot(path=str(tmp_path / "dispatch-tooltip.png"))
    assert not csp_errors(page)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_console_fits_a_phone_and_its_map_hints_wrap_inside_the_map(page, town,
                                                                        make_user, lang):
    """On a 390 px phone the page never scrolls sideways (the assignee filter is as wide as
    its longest choice) and a long hint ('only the 2000 most urgent…') wraps in the map."""
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, *make_user("disp", "dispatcher"), start=f"/dispatch?lang={lang}")
    page.wait_for_selector("#queue-total:not(:empty)")
    page.evaluate("() => { document.getElementById('map-hint-points').textContent ="
                  " 'Showing the 2,000 most urgent incidents only; zoom in for the rest.'; }")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    hint = page.locator("#map-hint-points").bounding_box()
    box = page.locator(".folium-map").bounding_box()
    assert box["x"] <= hint["x"] and hint["x"] + hint["width"] <= box["x"] + box["width"]
    # the signed-in account's role is named in the page's language
    said = page.text_content(".navbar-text.me-3").strip()
    assert said.endswith("调度员" if lang == "zh" else "Dispatcher"), said
