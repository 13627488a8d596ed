"""The patrol coverage page (/patrols) in headless Chromium: the map coloured by days since
last walked, the workers' table and the idle grids, in Chinese and English, at desktop and
phone size; the map builder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.maps.patrol_map import build_patrol_map
from app.maps.render import render
from tests.field.patrol_support import T0, finish, points, started, walk, worker_headers
from tests.service.test_browser_pages import sign_in

pytestmark = pytest.mark.town("incidents")
SHOTS = Path("/work/shots/patrol")
WEEK = "from=2026-11-30&to=2026-12-07"
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


def test_the_builder_lays_out_an_empty_grids_layer():
    m = build_patrol_map([[39.9, 116.39], [39.902, 116.398]], "网格")
    kinds = [c["name"] for c in m.to_dict()["children"].values()]
    assert kinds == ["FeatureGroup", "PatrolHandles", "FitBounds"]
    parts = render(m, "N0NCE", lambda path: "/static/" + path)
    assert "window.gridmapPatrols" in parts.script and "jquery" not in parts.header
    assert "cdn" not in (parts.header + parts.script).lower()


@pytest.fixture
def walked(client, make_user, make_token, conn, town):
    """张伟 walked A and B on Monday; grids C and D nobody walked."""
    zhang = worker_headers(make_user, make_token, conn, "zhangwei", town["A_full"])
    patrol = started(client, zhang)
    points(client, zhang, patrol, walk([(0.5, 0.5), (1.5, 0.5), (2.5, 0.5), (3.5, 0.5)]))
    finish(client, zhang, patrol, T0 + dt.timedelta(minutes=20))
    return town


def _open(page, make_user, lang: str, size: str):
    page.page_errors = []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    name, password = make_user(f"disp-{lang}-{size}", "dispatcher")
    sign_in(page, name, password, start=f"/patrols?{WEEK}&lang={lang}")
    page.wait_for_selector("#patrols-page[data-loaded]")


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_coverage_page(page, make_user, walked, lang, size):
    _open(page, make_user, lang, size)
    assert page.locator(".leaflet-overlay-pane path").count() == 4  # every grid drawn
    fills = page.eval_on_selector_all(".leaflet-overlay-pane path",
                                      "ps => ps.map(p => p.getAttribute('fill'))")
    assert sorted(fills) == sorted(["#91cf60", "#91cf60", "#d73027", "#d73027"])  # ≤ 7 days
    legend = page.locator("#legend").inner_text()
    workers = page.locator("#workers").inner_text()
    idle = page.locator("#idle").inner_text()
    assert "张伟" in workers and "第三网格" in idle and "第二网格" not in idle
    if lang == "en":
        assert "never walked" in legend and "≤ 7 d" in legend
        assert "Patrol coverage" in page.title() and "Distance (km)" in workers
    else:
        assert "从未巡查" in legend and "7 天内" in legend and "巡查覆盖" in page.title()
    assert page.locator("nav a", has_text="巡查覆盖" if lang == "zh" else "Patrols").count()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow
    assert page.page_errors == [] and [e for e in page.console_errors
                                       if "Content Security Policy" in e] == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"patrols-{lang}-{size}.png"), full_page=True)


def test_a_tooltip_and_a_new_threshold(page, make_user, walked):
    _open(page, make_user, "zh", "desktop")
    page.fill("#f-idle", "3")
    page.click("#f-apply")
    page.wait_for_selector("#patrols-page[data-loaded='2']")
    assert "超过 3 天" in page.locator("#legend").inner_text()
    assert "第二网格" in page.locator("#idle").inner_text()  # B: last walked 7 days ago
    assert "idle_days=3" in page.url
