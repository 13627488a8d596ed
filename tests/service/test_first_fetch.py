"""What a map page asks gridmap for on its first load, by basemap (the page weights of
docs/benchmarks.md): opened on a kept GCJ-02 basemap (Amap) it asks for what it asks on
OpenStreetMap plus gcoord (and lib/crs.js where only a GCJ-02 map needs it), and nothing
twice — its data waits for the map's re-projection instead of coming before it and again
after. On OpenStreetMap gcoord never loads.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import pytest

from tests.service.test_basemaps import open_caseload, open_dispatch, open_public

CRS_JS = "/static/js/lib/crs.js"
GCOORD = "/static/vendor/gcoord/gcoord.esm-browser.prod.js"
PAGES = {"public": open_public, "dispatch": open_dispatch, "caseload": open_caseload}


def asked_on(browser, base: str, basemap: str, opened, make_user) -> Counter:
    """The paths of every request to gridmap while ``opened`` loads its page in a fresh
    browser whose kept basemap is ``basemap``, until the page is idle."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=base,
                                  locale="zh-CN")
    context.route("**/*", lambda route: route.abort() if not route.request.url.startswith(
        base) else route.continue_())
    context.add_init_script(f"localStorage.setItem('gridmap.basemap', '{basemap}')")
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    opened(page, make_user)
    page.wait_for_function("(id) => document.querySelector('.leaflet-container[data-basemap]')"
                           "?.dataset.basemap === id", arg=basemap)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(600)  # past the pages' moveend debounce (≤ 200 ms)
    context.close()
    return Counter(urlsplit(url).path for url in asked if url.startswith(base))


@pytest.mark.parametrize("name", list(PAGES))
def test_a_gcj02_basemap_costs_gcoord_and_no_second_fetch(browser, live_server, town,
                                                          make_user, name):
    users: dict[str, tuple[str, str]] = {}

    def once(user: str, role: str, *args):  # both loads sign in as the same user
        if user not in users:
            users[user] = make_user(user, role, *args)
        return users[user]

    osm = asked_on(browser, live_server, "osm", PAGES[name], once)
    amap = asked_on(browser, live_server, "amap", PAGES[name], once)
    assert GCOORD not in osm
    assert amap[GCOORD] == 1
    extra = amap - osm
    assert set(extra) <= {GCOORD, CRS_JS} and set(extra.values()) == {1}, extra
    assert not osm - amap  # the same requests otherwise, each as often
    if name != "dispatch":  # dispatch converts typed GCJ-02/BD-09 input: crs.js always
        assert CRS_JS not in osm
