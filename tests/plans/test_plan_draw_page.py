"""Drawing grids in the plan editor, in headless Chromium: split a grid with a line, undo and
redo it, merge two neighbours, drag a shared corner (and have a bad drag refused), lasso
buildings; publish and find the new grid through the public lookup."""

from tests.incidents.test_dispatch_page import csp_errors
from tests.plans import test_plan_pages
from tests.plans.test_plan_pages import (
    centre,
    households,
    on_screen,
    paint,
    shot,
    wait_households,
    wait_saved,
)
from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_B, GRID_C, LAT0, LON0, UNIT, xy

# The plan pages' fixtures: a town with five buildings, a planner in the editor of plan 1.
town, editor = test_plan_pages.town, test_plan_pages.editor

GRID_NEW = COMMUNITY_1 + "004"


def codes(page) -> list[str]:
    return page.evaluate("() => window.gridmapPlan.state.grids.features"
                         ".map(f => f.properties.code).sort()")


def corners(page, code: str) -> list[list[float]]:
    return page.evaluate("(code) => window.gridmapPlan.state.grids.features"
                         ".find(f => f.properties.code === code).geometry.coordinates[0][0]",
                         code)


def unit(lon: float, lat: float) -> tuple[float, float]:
    return (lon - LON0) / UNIT, (lat - LAT0) / UNIT


def click_at(page, x: float, y: float) -> None:
    page.mouse.click(*on_screen(page, *xy(x, y)))


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*on_screen(page, *start))
    page.mouse.down()
    page.mouse.move(*on_screen(page, *end), steps=8)
    page.mouse.up()


def zoom_out(page) -> None:
    page.evaluate("() => { const m = window.gridmapPlan.map;"
                  " m.setView(m.getCenter(), m.getZoom() - 0.5, {animate: false}); }")


def test_split_undo_redo_merge_drag_a_corner_publish_then_lookup(editor, client):
    page = editor
    zoom_out(page)
    assert households(page, GRID_A) == "120"

    # Split A with a line across it at y = 1.2 (a3 lies above the line).
    page.click(f'#balance-rows tr[data-code="{GRID_A}"]')
    page.click("#split")
    assert page.get_attribute("#split", "aria-pressed") == "true"
    assert "画线穿过网格 001" in page.inner_text("#notice")
    click_at(page, -0.3, 1.2)
    page.mouse.move(*on_screen(page, *xy(2.3, 1.2)), steps=4)
    shot(page, "plan-draw-split-drawing")
    click_at(page, 2.3, 1.2)
    click_at(page, 2.3, 1.2)  # the last point again: finish
    wait_households(page, GRID_NEW, 40)
    wait_saved(page)
    assert households(page, GRID_A) == "80"
    assert codes(page) == [GRID_A, GRID_B, GRID_C, GRID_NEW]
    assert "网格 001 已切分，新网格 004" in page.inner_text("#notice")
    assert page.get_attribute("#split", "aria-pressed") == "false"
    shot(page, "plan-draw-split-done")

    # Undo puts A back whole; redo splits it again.
    page.click("#undo")
    page.wait_for_selector(f'#balance-rows tr[data-code="{GRID_NEW}"]', state="detached")
    wait_saved(page)
    assert households(page, GRID_A) == "120" and codes(page) == [GRID_A, GRID_B, GRID_C]
    page.click("#redo")
    wait_households(page, GRID_NEW, 40)
    wait_saved(page)
    assert codes(page) == [GRID_A, GRID_B, GRID_C, GRID_NEW]

    # Merge C into B.
    page.click(f'#balance-rows tr[data-code="{GRID_B}"]')
    page.click("#merge")
    click_at(page, 3.6, 1.8)
    page.wait_for_selector(f'#balance-rows tr[data-code="{GRID_C}"]', state="detached")
    wait_households(page, GRID_B, 80)
    wait_saved(page)
    assert "网格 003 已并入 002" in page.inner_text("#notice")
    shot(page, "plan-draw-merged")

    # Drag the corner A and 004 share on the west edge up: both grids follow.
    page.click(f'#balance-rows tr[data-code="{GRID_A}"]')
    page.click("#vertices")
    page.wait_for_selector(".pe-vertex")
    west = next(c for c in corners(page, GRID_A) if abs(unit(*c)[0]) < 1e-6
                and 1.0 < unit(*c)[1] < 1.4)
    drag(page, tuple(west), xy(0, 1.45))
    page.wait_for_function("() => /2 个网格/.test(document.querySelector('#notice').textContent)")
    wait_saved(page)
    shared = {tuple(c) for c in corners(page, GRID_A)} & {
        tuple(c) for c in corners(page, GRID_NEW)}
    assert any(abs(unit(*c)[0]) < 0.02 and abs(unit(*c)[1] - 1.45) < 0.02 for c in shared)
    assert not any(c == tuple(west) for c in shared)
    shot(page, "plan-draw-vertex-dragged")

    # A corner dragged across the grid would make it cross itself: refused, handle back.
    drag(page, xy(0, 0), xy(0, 1.9))
    page.wait_for_selector("#notice .msg.error")
    assert "网格 001 的边界会自相交" in page.inner_text("#notice")
    page.wait_for_function("() => !window.gridmapPlan.state.busy")
    assert any(max(map(abs, unit(*c))) < 1e-6 for c in corners(page, GRID_A))
    handle = page.evaluate("(lat) => { let out = null; window.gridmapPlan.map.eachLayer(l => {"
                           " if (l.getLatLng && l.options.pane === 'vertices'"
                           " && Math.abs(l.getLatLng().lat - lat) < 1e-9) out = l; });"
                           " return out !== null; }", LAT0)
    assert handle, "the refused corner's handle is back at (0, 0)"
    shot(page, "plan-draw-vertex-refused")
    page.click("#vertices")
    assert page.locator(".pe-vertex").count() == 0

    # Publish; the public lookup finds the split-off grid and the merged one.
    page.click("#publish-open")
    page.wait_for_selector("#impact-grids")
    assert page.get_attribute(f'#impact-grids tr[data-code="{GRID_NEW}"]',
                              "data-status") == "added"
    # the split-off grid has no worker yet: named, and publishing waits for the tick
    assert page.locator(f'#publish-unstaffed-list li[data-code="{GRID_NEW}"]').count() == 1
    assert page.is_disabled("#publish-go")
    page.check("#publish-unstaffed-ok")
    page.click("#publish-go")
    page.wait_for_selector("#notice .msg.published")
    for key, code in (("a3", GRID_NEW), ("c1", GRID_B), ("a1", GRID_A)):
        lon, lat = centre(key)
        found = client.get("/api/v1/lookup", query_string={"lon": lon, "lat": lat}).get_json()
        assert found["grid"]["code"] == code, key
    assert csp_errors(page) == []


def test_lasso_paints_the_buildings_inside_the_outline(editor):
    page = editor
    page.click(f'#balance-rows tr[data-code="{GRID_B}"]')
    page.click("#lasso")
    assert page.get_attribute("#lasso", "aria-pressed") == "true"
    outline = [xy(1.3, 1.3), xy(1.7, 1.3), xy(1.7, 1.7), xy(1.3, 1.7), xy(1.3, 1.35)]
    page.mouse.move(*on_screen(page, *outline[0]))
    page.mouse.down()
    for point in outline[1:]:
        page.mouse.move(*on_screen(page, *point), steps=4)
    page.mouse.up()
    wait_households(page, GRID_B, 80)  # a3 moved from A to B; a1, a2 stay
    assert households(page, GRID_A) == "80"
    wait_saved(page)
    page.keyboard.press("Escape")
    assert page.get_attribute("#lasso", "aria-pressed") == "false"
    assert csp_errors(page) == []


def test_english_texts_and_a_split_refused_by_the_server(editor):
    page = editor
    page.goto("/plans/1?lang=en")
    page.wait_for_selector(f'#balance-rows tr[data-code="{GRID_C}"]')
    assert page.inner_text("#split") == "Split" and page.inner_text("#vertices") == "Vertices"
    page.click("#split")
    assert "Pick a grid first" in page.inner_text("#notice")
    page.click(f'#balance-rows tr[data-code="{GRID_A}"]')
    page.click("#split")
    click_at(page, 0.5, 1.0)  # starts and ends inside A: does not cross it
    click_at(page, 1.5, 1.0)
    click_at(page, 1.5, 1.0)
    page.wait_for_selector("#notice .msg.error")
    assert "does not cross grid" in page.inner_text("#notice")
    assert codes(page) == [GRID_A, GRID_B, GRID_C] and page.is_disabled("#undo")
    assert csp_errors(page) == []


def grids_json(page) -> str:
    return page.evaluate("() => JSON.stringify(window.gridmapPlan.state.grids.features.map("
                         "f => [f.properties.code, f.geometry]))")


def test_undoing_a_paint_puts_back_the_boundaries_drawn_before_it(editor):
    page = editor
    zoom_out(page)
    page.click(f'#balance-rows tr[data-code="{GRID_A}"]')
    page.click("#split")
    click_at(page, -0.3, 1.2)
    click_at(page, 2.3, 1.2)
    click_at(page, 2.3, 1.2)
    wait_households(page, GRID_NEW, 40)
    wait_saved(page)
    drawn = grids_json(page)

    # Painting c1 into B derives every grid from the buildings: the split line is gone.
    page.click(f'#balance-rows tr[data-code="{GRID_B}"]')
    paint(page, "c1")
    wait_households(page, GRID_B, 80)
    wait_saved(page)
    derived = grids_json(page)
    assert derived != drawn

    # Undo: c1 back in C and the grids exactly as drawn, on the page and on the server.
    page.click("#undo")
    wait_households(page, GRID_B, 40)
    wait_saved(page)
    assert grids_json(page) == drawn
    assert "已撤销：1 栋楼划入网格 002" in page.inner_text("#notice")
    served = page.evaluate("() => fetch('/api/v1/plans/1').then(r => r.json()).then(p =>"
                           " JSON.stringify(p.grids.features.map(f => [f.properties.code,"
                           " f.geometry])))")
    assert served == drawn
    assert households(page, GRID_NEW) == "40" and households(page, GRID_C) == "40"
    shot(page, "plan-draw-paint-undone")

    # Redo: the derived grids again. Undo twice more: the split is undone too.
    page.click("#redo")
    wait_households(page, GRID_B, 80)
    wait_saved(page)
    assert grids_json(page) == derived
    assert "已重做：1 栋楼划入网格 002" in page.inner_text("#notice")
    page.click("#undo")
    wait_households(page, GRID_B, 40)
    wait_saved(page)
    page.click("#undo")
    page.wait_for_selector(f'#balance-rows tr[data-code="{GRID_NEW}"]', state="detached")
    wait_saved(page)
    assert "已撤销：切分网格 001（新网格 004）" in page.inner_text("#notice")
    assert codes(page) == [GRID_A, GRID_B, GRID_C]
    assert csp_errors(page) == []


def test_a_click_on_a_building_picks_its_grid_in_merge_and_vertex_modes(editor):
    page = editor
    page.click(f'#balance-rows tr[data-code="{GRID_B}"]')
    page.click("#merge")
    paint(page, "c1")  # a click on c1, a building of C
    page.wait_for_selector(f'#balance-rows tr[data-code="{GRID_C}"]', state="detached")
    wait_households(page, GRID_B, 80)
    wait_saved(page)
    assert "网格 003 已并入 002" in page.inner_text("#notice")
    assert codes(page) == [GRID_A, GRID_B]

    # Clicking a building of the picked grid itself says so, and merges nothing.
    page.click("#merge")
    paint(page, "b1")
    page.wait_for_function("() => /另一个/.test(document.querySelector('#notice').textContent)")
    assert page.get_attribute("#merge", "aria-pressed") == "true"
    page.keyboard.press("Escape")

    # Vertex mode: a click on a building of A edits A's corners.
    page.click("#vertices")
    page.wait_for_selector(".pe-vertex")
    paint(page, "a2")
    page.wait_for_function(f"() => window.gridmapPlan.state.selected === '{GRID_A}'")
    assert page.locator(".pe-vertex").count() == 4
    assert page.evaluate("() => window.gridmapPlan.state.buildings.get('1101010010010010002')"
                         ".grid") == GRID_A  # not painted
    assert csp_errors(page) == []


def test_no_grid_tooltips_while_drawing_and_distinct_colours(editor):
    page = editor
    pane = "() => getComputedStyle(document.querySelector('.leaflet-tooltip-pane')).display"
    assert page.evaluate(pane) != "none"
    page.click(f'#balance-rows tr[data-code="{GRID_A}"]')
    for tool in ("#split", "#merge", "#vertices", "#lasso"):
        page.click(tool)
        page.mouse.move(*on_screen(page, *xy(1.0, 1.0)))
        assert page.evaluate(pane) == "none", tool
        page.keyboard.press("Escape")
    assert page.evaluate(pane) != "none"

    # Codes up to 020: two colours with hues under 40° apart differ in lightness.
    colours = page.evaluate("() => Array.from({length: 20}, (_, i) => window.gridmapPlan"
                            f".colour('{COMMUNITY_1}' + String(i + 1).padStart(3, '0')))")
    hsl = [tuple(float(v.rstrip("%")) for v in c[4:-1].split(",")) for c in colours]
    for i, (h1, _, l1) in enumerate(hsl):
        for j, (h2, _, l2) in enumerate(hsl[i + 1:], i + 1):
            near = min(abs(h1 - h2), 360 - abs(h1 - h2)) < 40
            assert not near or abs(l1 - l2) >= 10, (i + 1, j + 1, colours[i], colours[j])
