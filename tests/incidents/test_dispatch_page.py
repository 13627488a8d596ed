"""The dispatcher console (/dispatch) as a person uses it, in headless Chromium."""

import datetime as dt
import json
import shutil

import pytest
from sqlalchemy import text

from geo.core.crs import from_wgs84
from tests.service.test_browser_pages import XSS, sign_in
from tests.support.auth import login
from tests.support.geometries import GRID_A, xy

pytestmark = pytest.mark.town("incidents")

SCREENSHOT = "/tmp/dispatch-console.png"


@pytest.fixture
def console(page, town, make_user):
    """A dispatcher signed in at the console, its first lists loaded."""
    page.page_errors = []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    name, password = make_user("disp", "dispatcher")
    sign_in(page, name, password, start="/dispatch")
    assert page.url.endswith("/dispatch")
    page.wait_for_selector("#queue-total:not(:empty)")
    return page


def csp_errors(page) -> list[str]:
    """Refused by the CSP, or thrown by a script: both must never happen."""
    return [e for e in page.console_errors if "Content Security Policy" in e] + [
        f"uncaught: {e}" for e in getattr(page, "page_errors", [])]


def api_post(page, path: str, body: dict) -> dict:
    """POST from inside the page with its session and CSRF token (behind the console's back)."""
    return page.evaluate("""async ([path, body]) => {
        const csrf = document.querySelector('meta[name="csrf-token"]').content;
        const r = await fetch(path, {method: 'POST', body: JSON.stringify(body),
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf}});
        return {status: r.status, body: await r.json()};
    }""", [path, body])


def report(page, x: float, y: float, **fields) -> int:
    lon, lat = xy(x, y)
    answer = api_post(page, "/api/v1/incidents", {"category": "环境卫生", "lon": lon,
                                                  "lat": lat, **fields})
    assert answer["status"] == 201, answer
    return answer["body"]["id"]


def on_screen(page, lon: float, lat: float) -> tuple[float, float]:
    """Where on the page the map draws (lon, lat)."""
    x, y = page.evaluate("([lon, lat]) => { const p = window.gridmapDispatch.map"
                         ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
                         [lon, lat])
    box = page.locator(".folium-map").bounding_box()
    assert 0 < x < box["width"] and 0 < y < box["height"], "point is outside the map view"
    return box["x"] + x, box["y"] + y


def do(page, action: str, status_text: str) -> None:
    page.click(f"#action-buttons button[data-action={action}]")
    page.wait_for_function("([t]) => document.querySelector('#incident-status')"
                           ".textContent === t", arg=[status_text])


def test_locate_create_on_the_map_and_work_an_incident_to_closure(console, town, tmp_path):
    page = console
    page.fill("#locate-q", "景山东街12号院1号楼")
    page.press("#locate-q", "Enter")
    page.wait_for_selector("#located-grid")
    assert GRID_A in page.inner_text("#located-grid")
    workers = page.inner_text("#located-workers")
    assert "张伟" in workers and "专职网格员" in workers and "李娜" in workers

    page.mouse.click(*on_screen(page, *xy(1, 1.5)))  # in grid A, away from the building
    page.wait_for_function("() => document.querySelector('#located-grid') && "
                           "document.querySelector('#create-where').textContent"
                           ".includes('WGS-84')")
    assert GRID_A in page.inner_text("#located-grid")
    page.select_option("#create-category", "环境卫生")
    page.fill("#create-description", "楼道堆放杂物，堵塞消防通道")
    page.select_option("#create-source", "hotline")
    page.fill("#create-reporter", "王先生")
    page.fill("#create-phone", "13800000000")
    page.click("#create-submit")
    page.wait_for_selector("#incident-grid")
    assert GRID_A in page.inner_text("#incident-grid")
    assert "张伟" in page.inner_text("#incident-assignee")
    assert page.inner_text("#incident-status") == "待受理"
    row = page.locator("#queue-rows tr.queue-row").first
    row.wait_for()
    assert "张伟" in row.inner_text() and "第一网格" in row.inner_text()
    page.wait_for_selector(".incident-pin")  # the new point is on the map

    for action, status in (("accept", "已立案"), ("dispatch", "已派遣"),
                           ("start", "处置中"), ("resolve", "已反馈待核查")):
        do(page, action, status)
    page.fill("#action-note", "现场核查，已清理完毕")
    do(page, "close", "已结案")
    assert "现场核查，已清理完毕" in page.inner_text("#incident-history")
    history = page.inner_text("#incident-history")
    for step in ("上报", "立案", "派遣", "开始处置", "处置反馈", "核查结案"):
        assert step in history
    page.wait_for_function("() => !document.querySelector('#queue-rows tr.queue-row')")
    # Other work arrives meanwhile, one of it three days old and overdue.
    three_days_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).isoformat()
    report(page, 0.4, 1.7, category="占道经营", description="早市摊贩占用人行道",
           reported_at=three_days_ago)
    report(page, 1.6, 0.3, category="噪音扰民", description="夜间施工噪音", priority=1)
    report(page, 3, 0.5, description="垃圾桶满溢")
    page.click("#queue-refresh")
    # Wait for the three rows themselves: a refresh that ran between the reports may
    # already show the overdue one alone.
    page.wait_for_function(
        "() => document.querySelectorAll('#queue-rows tr.queue-row').length === 3")
    assert page.locator("#queue-rows tr.queue-row.is-overdue").count() == 1
    page.wait_for_function("() => !document.querySelector('#notice').children.length")
    page.screenshot(path=str(tmp_path / "dispatch-console.png"), full_page=True)
    shutil.copy(tmp_path / "dispatch-console.png", SCREENSHOT)
    assert csp_errors(page) == []


def test_the_map_builder_draws_no_data_and_loads_only_local_assets():
    from app.maps.dispatch_map import DEFAULT_LOCATION, build_dispatch_map
    from app.maps.render import render

    box = [[39.9, 116.39], [39.902, 116.398]]
    m = build_dispatch_map(box, names={"grids": "网格", "incidents": "事件"})
    parts = render(m, "N0NCE", lambda path: "/static/" + path)
    page = parts.header + parts.html + parts.script
    assert "/static/vendor/markercluster/leaflet.markercluster.js" in page
    assert "cdn" not in page.lower() and "jquery" not in page  # nothing from the internet
    assert "L.markerClusterGroup" in page and "window.gridmapDispatch" in page
    assert "fitBounds" in page and "L.geoJson" not in page  # data comes from the API
    assert json.dumps("网格") in parts.script  # the layer switcher's names, as JS strings
    empty = build_dispatch_map(None, names={"grids": "g", "incidents": "i"})
    assert empty.location == DEFAULT_LOCATION


def test_the_first_view_is_the_extent_of_the_callers_communities(town, conn):
    from geo.places.store.reads import communities_extent

    (south, west), (north, east) = communities_extent(conn, None)
    assert (west, south) == pytest.approx(xy(0, 0)) and (east, north) == pytest.approx(xy(8, 2))
    (south, west), (north, east) = communities_extent(conn, frozenset({town["C2"]}))
    assert (west, south) == pytest.approx(xy(4, 0))
    assert communities_extent(conn, frozenset()) is None


def test_anonymous_is_sent_to_sign_in_and_other_roles_are_refused(app, make_user):
    response = app.test_client().get("/dispatch")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for role, status in (("viewer", 403), ("member", 403), ("planner", 403),
                         ("dispatcher", 200), ("admin", 200)):
        client = app.test_client()
        make_user(role, role)
        login(client, role, "correct-horse-1")
        response = client.get("/dispatch")
        assert response.status_code == status, role
        page = response.get_data(as_text=True)
        if status == 403:
            assert "<h1" in page and "403" in page  # the HTML error page, not JSON
        assert ('href="/dispatch"' in page) == (status == 200)  # nav link only if allowed


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_coordinates_from_chinese_map_pickers_are_placed_where_they_belong(console, crs):
    """A GCJ-02 or BD-09 point is looked up by the server and marked at its WGS-84 place."""
    page = console
    lon, lat = xy(1, 1.5)
    shown = from_wgs84(lon, lat, crs)
    page.select_option("#locate-crs", crs)
    page.fill("#locate-q", f"{shown[0]:.7f}, {shown[1]:.7f}")
    page.press("#locate-q", "Enter")
    page.wait_for_selector("#located-grid")
    assert GRID_A in page.inner_text("#located-grid")
    marker = page.evaluate("() => { const m = window.gridmapDispatch.located.getLayers()[0]"
                           ".getLatLng(); return [m.lng, m.lat]; }")
    assert marker == pytest.approx([lon, lat], abs=2e-6)  # about 20 cm
    assert csp_errors(page) == []


def test_the_page_carries_no_incidents_and_its_first_load_stays_small(console, conn):
    """Incidents reach the page through bounded API calls only (≤ 2000 points, 50 rows),
    so the first load's size does not grow with the table."""
    page = console
    conn.execute(text("""
        WITH new AS (
            INSERT INTO incidents (category, description, geom, source, reported_at, status,
                                   priority, due_at)
            SELECT '环境卫生', repeat('描述', 40),
                   ST_SetSRID(ST_MakePoint(116.39 + (n % 100) * 0.000019,
                                           39.90 + (n / 100) * 0.00005), 4326),
                   'patrol', now(), 'reported', 2, now() + interval '1 day'
              FROM generate_series(1, 3000) n RETURNING id)
        INSERT INTO incident_locations (incident_id, grid_id, community_id, state)
        SELECT id, (SELECT id FROM grids WHERE code = :a), (SELECT community_id FROM grids
               WHERE code = :a), 'covered' FROM new"""), {"a": GRID_A})
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    sizes = []
    page.on("requestfinished", lambda r: sizes.append(
        (r.url, r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"])))
    html = page.goto("/dispatch").text()
    page.wait_for_load_state("networkidle")
    assert "描述描述" not in html and "FeatureCollection" not in html
    assert page.locator("#queue-rows tr.queue-row").count() == 50
    assert "2000" in page.inner_text("#map-hint-points")  # truncated, and it says so
    total = sum(size for _, size in sizes)
    assert total < 1_000_000, sorted(sizes, key=lambda s: -s[1])[:5]
    assert csp_errors(page) == []


def test_hostile_text_shows_as_text_and_never_runs(console, town, conn):
    page = console
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    conn.execute(text("UPDATE grids SET name = :n WHERE id = :i"), {"n": XSS, "i": town["A"]})
    incident_id = report(page, 1, 1.5, description=XSS, reporter_name=XSS, address=XSS)
    page.reload()
    row = page.locator(f"#queue-rows tr[data-id='{incident_id}']")
    row.wait_for()
    assert XSS in row.inner_text()
    row.click()
    page.wait_for_selector("#incident-description")
    assert page.inner_text("#incident-description") == XSS
    assert XSS in page.inner_text("#incident-grid")
    page.fill("#locate-q", "{},{}".format(*xy(1, 0.5)))
    page.press("#locate-q", "Enter")
    page.wait_for_selector("#located-grid")
    assert XSS in page.inner_text("#located-grid")
    page.wait_for_timeout(500)  # the map has panned to the located point
    x, y = on_screen(page, *xy(1.5, 0.3))  # over grid A's boundary layer
    page.mouse.move(x, y)
    page.mouse.move(x + 2, y + 2)
    tooltip = page.locator(".leaflet-tooltip", has_text="onerror")
    tooltip.wait_for()
    assert XSS in tooltip.inner_text()
    page.wait_for_timeout(300)
    assert page.locator("#dispatch img[src='x']").count() == 0
    assert dialogs == []
    assert csp_errors(page) == []


def test_a_stale_action_is_answered_with_a_message_and_the_current_state(console):
    page = console
    incident_id = report(page, 1, 1.5, description="井盖缺失")
    page.click("#queue-refresh")
    page.click(f"#queue-rows tr[data-id='{incident_id}']")
    page.wait_for_selector("#action-buttons button[data-action=accept]")
    # Another dispatcher accepts it meanwhile.
    other = api_post(page, f"/api/v1/incidents/{incident_id}/actions", {"action": "accept"})
    assert other["status"] == 200
    page.click("#action-buttons button[data-action=accept]")
    alert = page.wait_for_selector("#panel-alert.alert-warning")
    assert "已被他人更改" in alert.inner_text() and "已立案" in alert.inner_text()
    assert "accept" in alert.inner_text()  # the server's own words, as detail
    assert page.inner_text("#incident-status") == "已立案"
    buttons = page.locator("#action-buttons button")
    assert "dispatch" in [buttons.nth(i).get_attribute("data-action")
                          for i in range(buttons.count())]
    assert page.locator("#action-buttons button[data-action=accept]").count() == 0
    assert csp_errors(page) == []


def test_the_queue_works_from_the_keyboard(console):
    page = console
    first = report(page, 1, 1.5, description="第一件", priority=1)
    second = report(page, 3, 0.5, description="第二件")
    page.click("#queue-refresh")
    page.wait_for_selector(f"#queue-rows tr[data-id='{second}']")
    page.focus("#queue-refresh")
    page.keyboard.press("Tab")  # the queue's "select all" box (bulk assigning), then the rows
    assert page.evaluate("() => document.activeElement.id") == "queue-all"
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.dataset.id")
    assert focused in (str(first), str(second))
    page.keyboard.press("ArrowDown")
    moved = page.evaluate("() => document.activeElement.dataset.id")
    assert moved in (str(first), str(second)) and moved != focused
    page.keyboard.press("Enter")
    page.wait_for_function("([id]) => document.querySelector('#panel-title')"
                           ".textContent.endsWith('#' + id)", arg=[moved])
    assert page.evaluate("() => document.activeElement.id") == "panel-body"
    page.keyboard.press("Tab")  # into the panel: the note, then the action buttons
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.dataset.action") == "accept"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#incident-status')"
                           ".textContent === '已立案'")
    page.click("#panel-title")
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "locate-q"
