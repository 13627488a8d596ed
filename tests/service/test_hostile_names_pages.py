"""Names from the database are text on every page that shows them, in headless Chromium.

A grid and a building named with markup (an element with an id, an image whose error
handler would run) show as those literal characters on the plan editor (balance table,
grid and building tooltips), the dispatcher console (search results, located place, queue,
grid tooltip) and the public map (suggestions, place card): no element is created from
them, and no handler runs.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.incidents.test_dispatch_page import api_post, csp_errors
from tests.service.test_browser_pages import sign_in
from tests.support.geometries import COMMUNITY_1, GRID_A, xy
from tests.support.towns import build_incident_town

GRID_NAME = '<b id=injected>x</b><img src=x onerror="window.__xss=1">'
BUILDING_NAME = '<img src=x onerror="window.__xss=1"><b id=injected>y</b>'
# Everything markup in these names would have created; none of it may exist.
NOTHING_MADE = """() => document.getElementById('injected') === null
    && document.querySelector('img[src="x"], b#injected') === null
    && window.__xss === undefined"""


@pytest.fixture
def town(conn):
    ids = build_incident_town(conn)
    conn.execute(text("UPDATE grids SET name = :n WHERE id = :i"), {"n": GRID_NAME, "i": ids["A"]})
    conn.execute(text("UPDATE buildings SET name = :n WHERE id = :i"),
                 {"n": BUILDING_NAME, "i": ids["bA"]})
    return ids


@pytest.fixture
def watched(page):
    """The desktop page, with uncaught errors and dialogs collected."""
    page.page_errors, page.dialogs = [], []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    return page


def hover_at(page, handles: str, container: str, lon: float, lat: float) -> None:
    """Move the mouse to (lon, lat) on the map that window.<handles>.map draws."""
    x, y = page.evaluate(f"([lon, lat]) => {{ const p = window.{handles}.map"
                         ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
                         [lon, lat])
    box = page.locator(container).bounding_box()
    assert 0 < x < box["width"] and 0 < y < box["height"], "point is outside the map view"
    page.mouse.move(box["x"] + x - 3, box["y"] + y - 3)
    page.mouse.move(box["x"] + x, box["y"] + y)


def tooltip_text(page) -> str:
    return page.wait_for_selector(".leaflet-tooltip").inner_text()


def assert_nothing_made(page) -> None:
    page.wait_for_timeout(200)  # an image's error handler would have run by now
    assert page.evaluate(NOTHING_MADE)
    assert page.dialogs == [] and csp_errors(page) == []


def test_plan_editor_shows_hostile_names_as_text(watched, town, make_user):
    page = watched
    name, password = make_user("planner1", "planner")
    sign_in(page, name, password, start="/plans")
    page.wait_for_selector("#plans-rows td")
    answer = api_post(page, "/api/v1/plans", {"community": COMMUNITY_1, "name": "调整",
                                              "source": "current"})
    assert answer["status"] == 201, answer
    page.goto(f"/plans/{answer['body']['id']}")
    page.wait_for_selector(f'#balance-rows tr[data-code="{GRID_A}"]')
    page.wait_for_function("() => window.gridmapPlan.state.buildings.size > 0")
    assert GRID_NAME in page.inner_text(f'#balance-rows tr[data-code="{GRID_A}"]')
    page.evaluate("() => window.gridmapPlan.map.fitBounds("
                  "L.geoJSON(window.gridmapPlan.state.grids).getBounds(), {animate: false})")

    hover_at(page, "gridmapPlan", "#map", *xy(1.6, 0.3))  # grid A, no building there
    assert GRID_NAME in tooltip_text(page)
    hover_at(page, "gridmapPlan", "#map", *xy(0.6, 0.6))  # building bA
    page.wait_for_function("(n) => Array.from(document.querySelectorAll('.leaflet-tooltip'))"
                           ".some((t) => t.textContent.includes(n))", arg=BUILDING_NAME)
    assert_nothing_made(page)


def test_dispatcher_console_shows_hostile_names_as_text(watched, town, make_user):
    page = watched
    name, password = make_user("disp", "dispatcher")
    sign_in(page, name, password, start="/dispatch")
    page.wait_for_selector("#queue-total:not(:empty)")
    lon, lat = xy(1.5, 1.5)
    answer = api_post(page, "/api/v1/incidents", {"category": "环境卫生", "lon": lon,
                                                  "lat": lat})
    assert answer["status"] == 201, answer

    page.fill("#locate-q", "景山东街12号院")  # two buildings: a list to choose from
    page.press("#locate-q", "Enter")
    results = page.wait_for_selector("#locate-results .results")
    assert BUILDING_NAME in results.inner_text()
    page.locator("#locate-results .results button", has_text=BUILDING_NAME).click()
    page.wait_for_selector("#located-grid")
    assert GRID_NAME in page.inner_text("#located-grid")

    page.click("#queue-refresh")
    page.wait_for_function("(n) => document.querySelector('#queue-rows').textContent"
                           ".includes(n)", arg=GRID_NAME)
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive")
    page.wait_for_timeout(500)  # the map has panned to the building and redrawn the grids
    hover_at(page, "gridmapDispatch", ".folium-map", *xy(1.5, 0.3))  # grid A
    assert GRID_NAME in tooltip_text(page)
    assert_nothing_made(page)


def test_public_map_shows_hostile_names_as_text(watched, town):
    page = watched
    page.goto("/map")
    page.wait_for_function("() => window.gridmapPublic && window.gridmapPublic.map")
    page.fill("#search-q", "景山东街12号院")
    page.wait_for_selector("#suggestions button[role=option]")
    assert BUILDING_NAME in page.inner_text("#suggestions")
    assert GRID_NAME in page.inner_text("#suggestions")
    page.locator("#suggestions button[role=option]", has_text=BUILDING_NAME).click()
    page.wait_for_selector("#place-grid")
    assert page.inner_text("#place-grid") == GRID_NAME
    assert BUILDING_NAME in page.inner_text("#place")
    assert_nothing_made(page)
