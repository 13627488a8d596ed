"""The basemap switcher on every map, and GCJ-02 basemaps handled the same way everywhere.

The settings side (which basemaps are offered, the Content-Security-Policy's tile origins)
runs without a browser. In headless Chromium, on each map page, a place is pointed at
where the *tiles* of the chosen basemap show it: on OpenStreetMap at its WGS-84 position,
on Amap at its GCJ-02 position (shifted by the server's library, prcoords, not by the
page's gcoord). Both must find the same grid, and a split drawn on Amap is stored in
WGS-84 within a metre. Tiles never load here (the tests have no internet), which also
shows the switcher's "unavailable" notice and that the pages do not wait on tiles.
"""

from __future__ import annotations

import pytest

from app.maps import basemaps
from geo.core.crs import from_wgs84
from tests.plans.test_plan_pages import wait_saved
from tests.service.test_browser_pages import sign_in
from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_C, LAT0, LON0, UNIT, xy

METRE_LAT = 1 / 110_574  # degrees of latitude in a metre
METRE_LON = 1 / (111_320 * 0.7672)  # degrees of longitude in a metre at 39.9° N


def settings(**changes) -> dict:
    from app.config import Defaults

    config = {k: getattr(Defaults, k) for k in dir(Defaults) if k.isupper()}
    config.update(changes)
    return config


# ---- settings -----------------------------------------------------------------------

def test_basemaps_offered_follow_the_settings():
    plain = basemaps.offered(settings())
    assert [b.id for b in plain] == ["osm", "amap", "none"]  # no Tianditu key, no intranet
    assert {b.id: b.crs for b in plain} == {"osm": "wgs84", "amap": "gcj02", "none": "wgs84"}
    full = basemaps.offered(settings(TIANDITU_KEY="k3y", TILES_URL="https://tiles.gov.local/"
                                     "{z}/{x}/{y}.png", TILES_CRS="gcj02"), "en")
    assert [b.id for b in full] == ["osm", "tianditu", "amap", "intranet", "none"]
    tianditu, amap, intranet = full[1], full[2], full[3]
    assert "tk=k3y" in tianditu.url and "LAYER=vec" in tianditu.url
    assert "LAYER=eva" in tianditu.labels_url  # English names in English
    assert "lang=en" in amap.url and intranet.crs == "gcj02"
    assert "LAYER=cva" in basemaps.offered(settings(TIANDITU_KEY="k"), "zh")[1].labels_url
    only = basemaps.offered(settings(BASEMAPS="none"))
    assert [b.id for b in only] == ["none"] and only[0].url is None


def test_the_default_is_the_setting_when_offered_else_the_first():
    config = settings(BASEMAP_DEFAULT="amap")
    assert basemaps.default_id(config, basemaps.offered(config)) == "amap"
    config = settings(BASEMAP_DEFAULT="tianditu")  # no key: not offered
    assert basemaps.default_id(config, basemaps.offered(config)) == "osm"


def test_bad_basemap_settings_stop_the_start_with_what_to_set():
    with pytest.raises(ValueError, match="unknown"):
        basemaps.check(settings(BASEMAPS="osm,googlemaps"))
    with pytest.raises(ValueError, match="TILES_CRS"):
        basemaps.check(settings(TILES_URL="https://t/{z}/{x}/{y}.png", TILES_CRS="bd09"))
    with pytest.raises(ValueError, match="nothing"):
        basemaps.check(settings(BASEMAPS=" , "))


def test_every_tile_origin_is_allowed_by_the_content_security_policy():
    from app import create_app

    app = create_app({"TESTING": True, "TIANDITU_KEY": "k",
                      "TILES_URL": "https://tiles.gov.local:8443/{z}/{x}/{y}.png"})
    with app.test_client() as client:
        policy = client.get("/login").headers["Content-Security-Policy"]
    img = next(d for d in policy.split("; ") if d.startswith("img-src")).split()
    assert "https://tile.openstreetmap.org" in img
    assert {f"https://webrd0{n}.is.autonavi.com" for n in "1234"} <= set(img)
    assert {f"https://t{n}.tianditu.gov.cn" for n in range(8)} <= set(img)
    assert "https://tiles.gov.local:8443" in img
    assert not any("{" in origin or "*" in origin for origin in img)


# ---- in the browser -------------------------------------------------------------------

def choose(page, basemap: str) -> None:
    page.wait_for_selector(".basemap-select")
    page.select_option(".basemap-select", basemap)
    page.wait_for_function("(id) => document.querySelector('[data-basemap]')"
                           ".dataset.basemap === id", arg=basemap)


MAP = "document.querySelector('[data-basemap]')?.gridmapMap"


def where_tiles_show(page, lon: float, lat: float, crs: str) -> tuple[float, float]:
    """The screen point where the chosen basemap's tiles show the WGS-84 place (lon, lat):
    tiles are laid out in plain Web Mercator pixels of their own coordinate system."""
    tile_lon, tile_lat = from_wgs84(lon, lat, crs)
    x, y = page.evaluate(f"""([lon, lat]) => {{ const m = {MAP};
        const p = L.CRS.EPSG3857.latLngToPoint(L.latLng(lat, lon), m.getZoom());
        const c = m.layerPointToContainerPoint(p.subtract(m.getPixelOrigin()));
        return [c.x, c.y]; }}""", [float(tile_lon), float(tile_lat)])
    box = page.locator("[data-basemap]").bounding_box()
    assert 0 < x < box["width"] and 0 < y < box["height"], "the place is outside the view"
    return box["x"] + x, box["y"] + y


def look_at(page, lon: float, lat: float, zoom: int) -> None:
    page.evaluate(f"([lon, lat, z]) => {MAP}.setView([lat, lon], z, {{animate: false}})",
                  [lon, lat, zoom])
    page.wait_for_timeout(300)  # the page fetches what the view holds


def point(page, lon: float, lat: float, crs: str, how: str) -> None:
    x, y = where_tiles_show(page, lon, lat, crs)
    if how == "click":
        page.mouse.click(x, y)
    else:
        page.mouse.move(x - 4, y - 4)
        page.mouse.move(x, y)


def open_public(page, make_user):
    page.goto("/map")


def open_dispatch(page, make_user):
    sign_in(page, *make_user("disp", "dispatcher"), start="/dispatch")


def open_caseload(page, make_user):
    sign_in(page, *make_user("viewer1", "viewer"), start="/maps/caseload")


def open_grids(page, make_user):
    sign_in(page, *make_user("viewer1", "viewer"), start=f"/maps/grids?community={COMMUNITY_1}")


def open_ogc(page, make_user):
    page.goto("/ogc/collections/grids/items?f=html")
    page.wait_for_selector("#ogc-map[data-drawn]")


def open_plan(page, make_user):
    sign_in(page, *make_user("planner1", "planner"), start="/plans")
    page.fill("#create-name", "底图测试")
    page.click("#create-submit")
    page.wait_for_url("**/plans/1")
    page.wait_for_selector(f'#balance-rows tr[data-code="{GRID_A}"]')


# page → (open it, click or hover, the element that names what was found, by code or name)
PAGES = {
    "public": (open_public, "click", "#place", "code"),
    "dispatch": (open_dispatch, "click", "#located-grid", "code"),
    "caseload": (open_caseload, "hover", ".stats-tip", "code"),
    "grids": (open_grids, "hover", ".leaflet-tooltip", "code"),
    "ogc": (open_ogc, "hover", ".leaflet-tooltip", "name"),
    "plan": (open_plan, "hover", ".leaflet-tooltip", "code"),
}
# The middles of grids A and C. Amap's shift here (≈ 520 m east, 150 m north: 6 town
# units) is wider than the town's first community, so pointing at the wrong spot finds
# another grid or none.
PLACES = ((GRID_A, "第一网格", xy(1, 1.2)), (GRID_C, "第三网格", xy(3, 1.6)))


@pytest.mark.parametrize("name", list(PAGES))
def test_the_same_place_on_amap_and_openstreetmap_finds_the_same_grid(page, town, make_user,
                                                                      name):
    opened, how, found, by = PAGES[name]
    opened(page, make_user)
    for basemap, crs in (("osm", "wgs84"), ("amap", "gcj02"), ("osm", "wgs84")):
        choose(page, basemap)
        for code, grid_name, (lon, lat) in PLACES:
            look_at(page, lon, lat, 16)
            point(page, lon, lat, crs, how)
            page.wait_for_function("([sel, text]) => Array.from(document.querySelectorAll(sel))"
                                   ".some((e) => e.textContent.includes(text))",
                                   arg=[found, code if by == "code" else grid_name])
            page.mouse.move(1, 1)  # close tooltips before the next place


def test_the_first_choice_is_kept_and_a_basemap_that_fails_says_so(page, town):
    page.goto("/map")
    choose(page, "amap")
    assert page.evaluate(f"() => {MAP}.options.crs.code") == "GCJ02"
    # Tile requests are refused in these tests: the switcher says the basemap is down,
    # and the page finished loading regardless.
    page.wait_for_selector(".basemap-down:not([hidden])")
    assert page.evaluate("() => document.readyState") == "complete"
    attribution = page.inner_text(".leaflet-control-attribution")
    assert attribution.startswith("Leaflet") and "AutoNavi" in attribution
    assert page.locator(".leaflet-control-attribution svg").count() == 0  # no flag

    page.goto("/map")  # the choice is kept in this browser
    page.wait_for_function(f"() => {MAP} && {MAP}.options.crs.code === 'GCJ02'")
    assert page.input_value(".basemap-select") == "amap"
    choose(page, "none")
    assert page.evaluate(f"() => {MAP}.options.crs.code") == "EPSG:3857"
    assert page.locator(".leaflet-tile").count() == 0
    assert page.locator(".basemap-down:not([hidden])").count() == 0


def test_the_switcher_speaks_the_pages_language(page, town):
    page.goto("/map?lang=en")
    page.wait_for_selector(".basemap-select")
    options = page.locator(".basemap-select option").all_inner_texts()
    assert options == ["OpenStreetMap", "Amap", "No basemap"]
    assert page.get_attribute(".basemap-select", "aria-label") == "Basemap"


def test_a_split_drawn_on_amap_is_stored_in_wgs84_within_a_metre(page, town, make_user):
    open_plan(page, make_user)
    page.evaluate("() => window.gridmapPlan.state.buildings")  # the editor is up
    choose(page, "amap")
    look_at(page, *xy(1, 1.2), 18)
    page.click(f'#balance-rows tr[data-code="{GRID_A}"]')
    page.click("#split")
    # Where Amap's tiles show the line y = 1.2 across grid A (x from -0.3 to 2.3).
    page.mouse.click(*where_tiles_show(page, *xy(-0.3, 1.2), "gcj02"))
    page.mouse.move(*where_tiles_show(page, *xy(2.3, 1.2), "gcj02"), steps=4)
    for _ in range(2):  # the last point twice: finish
        page.mouse.click(*where_tiles_show(page, *xy(2.3, 1.2), "gcj02"))
    new = COMMUNITY_1 + "004"
    page.wait_for_selector(f'#balance-rows tr[data-code="{new}"]')
    wait_saved(page)
    stored = page.evaluate("""async () => {
        const r = await fetch('/api/v1/plans/1', {headers: {Accept: 'application/json'}});
        return r.json(); }""")
    geometry = next(f for f in stored["grids"]["features"]
                    if f["properties"]["code"] == new)["geometry"]
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [
        geometry["coordinates"]]
    corners = [c for polygon in polygons for c in polygon[0]]
    on_line = [c for c in corners if abs(c[1] - (LAT0 + 1.2 * UNIT)) < 5 * METRE_LAT]
    assert len(on_line) >= 2, corners  # the cut runs along y = 1.2 ...
    for lon, lat in on_line:
        assert abs(lat - (LAT0 + 1.2 * UNIT)) < METRE_LAT  # ... within a metre
        assert min(abs(lon - LON0), abs(lon - (LON0 + 2 * UNIT))) < METRE_LON  # A's edges
