"""The public map (/map): a place picked from the search is shown at street level, centred
in the map, on a phone and a desktop, in both languages (issue 26: it showed the whole
grid)."""

import os

import pytest

from tests.places.test_public_map_page import clean, open_map, phone  # noqa: F401 (fixture)

pytestmark = pytest.mark.town("incidents", service_hours="周一至周五 9:00-17:30")

SHOTS = "/work/shots/planner"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_picked_place_is_shown_at_street_level(phone, town, size, lang):  # noqa: F811
    page = phone(viewport=SIZES[size])
    open_map(page, "/map?lang=en" if lang == "en" else "/map")
    page.evaluate("() => window.gridmapPublic.map.setZoom(14, {animate: false})")
    page.fill("#search-q", "景山东街")
    page.wait_for_selector("#suggestions button[role=option]")
    page.locator("#suggestions button[role=option]").first.click()
    page.wait_for_selector("#place-grid")
    page.wait_for_timeout(300)  # the panel has grown; the map kept the place in view
    zoom, (x, y), (w, h) = page.evaluate("""() => { const m = window.gridmapPublic.map;
        const p = m.latLngToContainerPoint(window.gridmapPublic.place.getLayers()[0]
            .getLatLng()); const s = m.getSize();
        return [m.getZoom(), [p.x, p.y], [s.x, s.y]]; }""")
    assert zoom >= 18
    assert abs(x - w / 2) < 2 and abs(y - h / 2) < 2  # the place in the middle of the map
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/public-place-{lang}-{size}.png", full_page=True)
    clean(page)
