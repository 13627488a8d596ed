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
