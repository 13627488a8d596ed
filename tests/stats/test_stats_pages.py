"""The caseload and coverage maps: the builder (pure) and the pages in headless Chromium."""

import shutil

import pytest

from app.maps.render import render
from app.maps.stats_map import build_stats_map
from tests.service.test_browser_pages import sign_in
from tests.support.geometries import GRID_A, GRID_C, xy
from tests.support.towns import add_party

pytestmark = pytest.mark.town("stats")

NAMES = {"grids": "网格", "heat": "事件热力", "open": "未办结事件", "buildings": "楼栋",
         "legend": "</script><b>事件数"}
SHOTS = "/work/shots-5"


def _children(m) -> dict[str, str]:
    return {c["name"]: c["id"] for c in m.to_dict()["children"].values()}


def test_caseload_builder_lays_out_layers_and_an_empty_legend():
    box = [[39.9, 116.39], [39.902, 116.398]]
    m = build_stats_map("caseload", box, names=NAMES)
    kinds = [c["name"] for c in m.to_dict()["children"].values()]
    assert kinds == ["FeatureGroup", "HeatLayer", "MarkerCluster", "Legend",
                     "StatsHandles", "FitBounds"]
    parts = render(m, "N0NCE", lambda path: "/static/" + path)
    page = parts.header + parts.html + parts.script
    assert "/static/vendor/leaflet-heat/leaflet-heat.js" in page
    assert "/static/vendor/markercluster/leaflet.markercluster.js" in page
    assert "cdn" not in page.lower() and "jquery" not in page
    assert "L.heatLayer([]" in parts.script and "window.gridmapStats" in parts.script
    assert "<b>" not in parts.script and "\\u003c/script\\u003e" in parts.script  # escaped
    assert '<script nonce="N0NCE"' in parts.header


def test_coverage_builder_has_buildings_and_no_heat():
    m = build_stats_map("coverage", None, names=NAMES)
    kinds = [c["name"] for c in m.to_dict()["children"].values()]
    assert kinds == ["FeatureGroup", "FeatureGroup", "Legend", "StatsHandles"]
    parts = render(m, "n", lambda path: "/static/" + path)
    assert "leaflet-heat" not in parts.header + parts.script
    assert "buildings:" in parts.script and "tile" not in parts.script.lower()
    with pytest.raises(ValueError):
        build_stats_map("heat", None, names=NAMES)


def page_errors(page) -> list[str]:
    return [e for e in page.console_errors if "Content Security Policy" in e] + [
        f"uncaught: {e}" for e in page.page_errors]


def open_page(page, make_user, path: str):
    page.page_errors = []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    name, password = make_user("viewer", "viewer")
    sign_in(page, name, password, start=path)
    page.wait_for_selector("body[data-grids-drawn]")
    page.wait_for_selector("#legend .legend-row")


def screen_point(page, x: float, y: float) -> tuple[float, float]:
    lon, lat = xy(x, y)
    px, py = page.evaluate("([lon, lat]) => { const p = window.gridmapStats.map"
                           ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }", [lon, lat])
    box = page.locator(".folium-map").bounding_box()
    return box["x"] + px, box["y"] + py


def tooltip_of(page, x: float, y: float, wanted: str) -> str:
    page.mouse.move(*screen_point(page, x, y))
    page.mouse.move(*screen_point(page, x + 0.05, y + 0.05))
    tip = page.locator(".leaflet-tooltip .stats-tip", has_text=wanted)
    tip.wait_for()
    assert page.locator(".leaflet-tooltip .stats-tip").count() == 1
    return tip.inner_text()


def save(page, tmp_path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name))
    try:
        shutil.copy(tmp_path / name, f"{SHOTS}/{name}")
    except OSError:
        pass  # the folder is a developer's; the test does not need it


def test_caseload_page_legend_tooltip_period_and_indicators(page, town, make_user, tmp_path):
    open_page(page, make_user, "/maps/caseload?from=2025-05-01&to=2025-06-01")
    assert page.get_attribute("body", "data-grids-drawn") == "4"
    assert "4" in page.inner_text("#grid-count")
    legend = page.inner_text("#legend")
    assert "事件数" in legend and "0 – 0 (1)" in legend and "> 1 – 3 (1)" in legend
    tip = tooltip_of(page, 1, 1.5, "张伟")
    assert GRID_A in tip and "第一网格" in tip and "景山社区" in tip and "李娜" in tip
    assert "事件数\n3" in tip and "每千户事件数\n37.5" in tip and "超期\n1" in tip
    save(page, tmp_path, "caseload-test.png")

    page.check("text=事件热力")  # the heatmap of the period, off at first
    page.wait_for_function("() => window.gridmapStats.heat._latlngs.length > 0")
    assert page.evaluate("window.gridmapStats.heat._latlngs.reduce((a, p) => a + p[2], 0)") == 6

    page.mouse.click(*screen_point(page, 1, 1.5))  # the grid's indicators in the panel
    page.wait_for_selector("#grid-panel [data-indicator=on_time_rate]")
    assert page.inner_text("#grid-panel [data-indicator=on_time_rate]").startswith("33.3%")
    assert "返工率" in page.inner_text("#grid-panel")
    page.wait_for_selector("#communities td")
    assert "景山社区" in page.inner_text("#communities")

    page.select_option("#f-measure", "per_1000")
    page.wait_for_function("() => document.querySelector('#legend').textContent"
                           ".includes('每千户事件数')")
    assert "无数据" in page.inner_text("#legend")

    page.select_option("#f-measure", "count")
    page.fill("#f-from", "2024-01-01")
    page.fill("#f-to", "2024-02-01")
    page.click("#f-apply")
    page.wait_for_function("() => document.querySelector('#legend').textContent"
                           ".includes('0 – 0 (4)')")
    assert "from=2024-01-01" in page.url
    page.mouse.move(10, 10)
    assert "事件数\n0" in tooltip_of(page, 3, 0.5, "孙丽")
    assert page_errors(page) == []


def test_coverage_page_grids_stand_out_and_buildings_at_high_zoom(page, town, conn,
                                                                  make_user, tmp_path):
    add_party(conn, town)
    open_page(page, make_user, "/maps/coverage?distance=150&lang=en")
    assert page.get_attribute("body", "data-grids-drawn") == "4"
    legend = page.inner_text("#legend")
    assert "Households per serving member" in legend and "No serving member" in legend
    tip = tooltip_of(page, 3, 1.5, GRID_C)
    assert "Serving party members\n0" in tip and "Grid party branch\nno" in tip
    assert "far from members' homes 1" in tip
    summary = page.inner_text("#summary")
    assert "Grids without a serving member\n1" in summary
    lon, lat = xy(2.6, 1.3)
    page.evaluate("([lat, lon]) => window.gridmapStats.map.setView([lat, lon], 18)",
                  [lat, lon])
    page.wait_for_function("() => window.gridmapStats.buildings.getLayers().length > 0")
    page.mouse.move(10, 10)
    tip = tooltip_of(page, 2.6, 1.3, "1101010010010030001")
    assert "Building party group\nno" in tip and "far from members' homes\nyes" in tip
    save(page, tmp_path, "coverage-test.png")
    content = page.content()
    assert not any(n in content for n in ("党员甲", "党员乙", "党员丙", "党员丁"))
    assert page_errors(page) == []


def test_pages_need_statistics(page, town, make_user):
    name, password = make_user("worker", "member")
    sign_in(page, name, password, start="/maps/grids")
    assert page.goto("/maps/caseload").status == 403
