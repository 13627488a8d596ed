"""The plan editor on a desktop (1366×768) and a phone (390×844), Chinese and English: the
publish confirmation, with the grids that have no worker, opens where the planner looks;
nothing runs off the side; screenshots for a person to look at."""

import os

import pytest

from tests.plans.test_plan_pages import editor, in_view, town  # noqa: F401 (fixtures)
from tests.support.geometries import GRID_A, GRID_C

SHOTS = "/work/shots/planner"
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_publish_confirmation_in_view_on_desktop_and_phone(editor, size, lang):  # noqa: F811
    page = editor
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.goto("/plans/1?lang=en" if lang == "en" else "/plans/1")
    page.wait_for_selector(f'#balance-rows tr[data-code="{GRID_C}"]')
    page.wait_for_selector('#findings li[data-kind="no_worker"]')
    below = page.locator('#findings li[data-kind="households"]').first.inner_text()
    assert ("户数低于标准" in below) if lang == "zh" else ("below the band" in below)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/plan-editor-{lang}-{size}.png")
    page.evaluate("() => document.querySelector('.pe-panel').scrollTop = 10000")
    page.click("#publish-open")
    page.wait_for_selector("#impact-grids")
    assert in_view(page, "#publish-go") and in_view(page, "#publish-unstaffed-ok")
    listed = page.eval_on_selector_all("#publish-unstaffed-list li", "ls => ls.length")
    assert listed == 3 and GRID_A in page.get_attribute("#publish-unstaffed-list li", "data-code")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"{SHOTS}/plan-publish-{lang}-{size}.png")
