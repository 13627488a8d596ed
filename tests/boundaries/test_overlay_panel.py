"""The dispatcher sees why an overlay took an incident (/dispatch panel), in Chromium,
in Chinese and English, on a desktop and a phone."""

import pytest
from sqlalchemy import text

from tests.incidents.test_dispatch_page import api_post, console, csp_errors  # noqa: F401
from tests.support.geometries import box_wkt, xy

pytestmark = pytest.mark.town("incidents")
SHOTS = "/work/shots/bounds"


@pytest.fixture
def compound(conn, town):
    """A property company's compound in grid A, owner first for 设施损坏 (committed by
    these browser tests: the category is put back afterwards)."""
    conn.execute(text("UPDATE categories SET precedence = 'owner' WHERE code = '设施损坏'"))
    yield conn.execute(text(
        "INSERT INTO overlays (name, kind, unit, company_name, company_phone, categories,"
        " geom, reach, area_m2, valid_from, created_by) SELECT '阳光花园', 'compound',"
        " 'company', '阳光物业', '010-65550000', ARRAY['设施损坏'], g, g, 1, '2026-01-01',"
        " 'test' FROM (SELECT ST_GeomFromText(:wkt, 4326) AS g) w RETURNING id"),
        {"wkt": box_wkt(0.5, 0.5, 1.5, 1.5)}).scalar_one()
    conn.execute(text("UPDATE categories SET precedence = 'place' WHERE code = '设施损坏'"))


def open_incident(page, incident_id: int) -> str:
    page.click("#queue-refresh")
    page.click(f"#queue-rows tr[data-id='{incident_id}']")
    page.wait_for_selector("#incident-why")
    return page.inner_text("#incident-why")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_panel_says_which_overlay_routed_it_and_why(console, compound, lang):  # noqa: F811
    page = console
    lon, lat = xy(1, 1)
    made = api_post(page, "/api/v1/incidents", {"category": "设施损坏", "lon": lon,
                                                "lat": lat, "description": "单元门禁损坏"})
    assert made["status"] == 201 and made["body"]["routed_to"] == "overlay", made
    if lang == "en":
        page.goto("/dispatch?lang=en")
        page.wait_for_selector("#queue-total:not(:empty)")
    why = open_incident(page, made["body"]["id"])
    if lang == "zh":
        assert why == "按责任区“阳光花园”派给 阳光物业 010-65550000（设施损坏：部件先属主）"
    else:
        assert why == ("routed to 阳光物业 010-65550000 by overlay 阳光花园 "
                       "(owner first for Damaged facility)")
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.locator("#incident-why").scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/dispatch-why-{lang}-{width}.png")
    assert csp_errors(page) == []


def test_an_incident_the_grid_took_has_no_why_line(console, compound):  # noqa: F811
    page = console
    lon, lat = xy(1, 1)
    made = api_post(page, "/api/v1/incidents", {"category": "环境卫生", "lon": lon,
                                                "lat": lat})
    page.click("#queue-refresh")
    page.click(f"#queue-rows tr[data-id='{made['body']['id']}']")
    page.wait_for_selector("#incident-grid")
    assert page.locator("#incident-why").count() == 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_grid_map_shows_the_overlays_in_force(page, compound, make_user, lang):
    from tests.service.test_browser_pages import sign_in

    name, password = make_user("planner", "planner")
    sign_in(page, name, password, start="/maps/grids" + ("?lang=en" if lang == "en" else ""))
    page.wait_for_selector(".leaflet-control-layers-overlays label")
    label = page.inner_text(".leaflet-control-layers-overlays label").strip()
    assert label == ("责任区" if lang == "zh" else "Responsibility overlays")
    page.wait_for_selector("path[stroke='#d35400']")
    assert page.locator("path[stroke='#d35400']").count() == 1
    page.uncheck(".leaflet-control-layers-overlays input")
    assert page.locator("path[stroke='#d35400']").count() == 0
    page.check(".leaflet-control-layers-overlays input")
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{SHOTS}/grid-map-overlays-{lang}-{width}.png")
    assert not page.query_selector("#overlays-failed")
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
