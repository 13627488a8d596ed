"""The dispatcher console's map keeps its size and its locate box keeps no stale list."""

import pytest

from tests.incidents.test_dispatch_page import console, csp_errors  # noqa: F401 - fixture
from tests.support.geometries import GRID_A, xy

pytestmark = pytest.mark.town("incidents")

FILLS = """() => { const box = document.querySelector('.folium-map');
    const size = window.gridmapDispatch.map.getSize();
    return Math.abs(size.y - box.clientHeight) <= 1 && Math.abs(size.x - box.clientWidth) <= 1; }"""


def test_the_map_fills_its_frame_after_a_locate_and_old_lists_go(console):  # noqa: F811
    page = console
    page.fill("#locate-q", "景山东街12号院")  # two buildings: a list to choose from
    page.press("#locate-q", "Enter")
    page.wait_for_selector("#locate-results .results")
    page.fill("#locate-q", "{},{}".format(*xy(1, 0.5)))
    page.press("#locate-q", "Enter")
    page.wait_for_selector("#located-grid")
    assert GRID_A in page.inner_text("#located-grid")
    assert page.inner_text("#locate-results").strip() == ""  # the earlier list is gone
    page.wait_for_function(FILLS)  # the panels grew; the map was measured again
    page.set_viewport_size({"width": 1000, "height": 700})
    page.wait_for_function(FILLS)
    assert csp_errors(page) == []


def test_search_the_queue_and_find_a_repeat_callers_other_incidents(console):  # noqa: F811
    page = console
    from tests.incidents.test_dispatch_page import api_post

    ids = [api_post(page, "/api/v1/incidents", {
        "category": "环境卫生", "lon": xy(x, 0.5)[0], "lat": xy(x, 0.5)[1],
        "description": words, "reporter_phone": "13812345678"})["body"]["id"]
        for x, words in ((1, "井盖松动"), (3, "垃圾满溢"))]
    page.fill("#f-q", "井盖")
    page.press("#f-q", "Enter")
    page.wait_for_function("(id) => { const rows = document.querySelectorAll('#queue-rows tr');"
                           " return rows.length === 1 && rows[0].dataset.id === String(id); }",
                           arg=ids[0])
    page.click(f'#queue-rows tr[data-id="{ids[0]}"]')
    page.click("#caller-others")
    page.wait_for_function("() => document.querySelectorAll('#queue-rows tr[data-id]').length"
                           " === 2")
    assert page.input_value("#f-q") == "13812345678"
    assert csp_errors(page) == []
