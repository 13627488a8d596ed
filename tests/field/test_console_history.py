"""The dispatcher sees the field app's evidence in the console's history (issue 20): the
photos sent with an action and a GPS fix far from the incident, in headless Chromium."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.field.conftest import act, at, dispatched
from tests.field.photos import camera_jpeg
from tests.field.test_actions import _form, post_form
from tests.incidents.test_dispatch_page import csp_errors
from tests.service.test_browser_pages import sign_in

pytestmark = pytest.mark.town("incidents")

SHOTS = Path("/work/shots/fapi")


def test_the_history_shows_photos_and_a_far_fix(page, client, dispatcher, worker, make_user):
    incident = dispatched(client, dispatcher)
    act(client, worker, incident, "start", **at(1.2, 1))
    resolved = post_form(client, worker, incident, _form(
        "resolve", [camera_jpeg()], note="已清理", client_id=uuid.uuid4(), **at(4, 1)))
    assert resolved.status_code == 200
    page.page_errors = []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    name, password = make_user("console", "dispatcher")
    sign_in(page, name, password, start="/dispatch")
    page.wait_for_selector("#queue-total:not(:empty)")
    page.select_option("#f-status", "")  # resolved is not open: every status
    row = page.locator(f"#queue-rows tr.queue-row[data-id='{incident}']")
    row.click()
    page.wait_for_selector("#incident-history .fix-far")
    history = page.inner_text("#incident-history")
    assert "偏远" in history and "定位距事件" in history
    photo = page.locator("#incident-history .evidence img")
    assert photo.count() == 1
    page.wait_for_function("() => document.querySelector('#incident-history .evidence img')"
                           ".naturalWidth > 0")
    assert csp_errors(page) == []
    shoot(page, "#incident-history", "console-history-zh")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/dispatch?lang=en")
    page.wait_for_selector("#queue-total:not(:empty)")
    page.select_option("#f-status", "")
    page.locator(f"#queue-rows tr.queue-row[data-id='{incident}']").click()
    page.wait_for_selector("#incident-history .fix-far")
    assert "m from the incident: far" in page.inner_text("#incident-history")
    assert page.get_attribute("#incident-history .evidence img", "alt") == "On-site photo 1"
    shoot(page, "#incident-history", "console-history-en")


def shoot(page, selector: str, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.locator(selector).scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_categories_page_sets_evidence_required(page, make_user, conn, lang):
    name, password = make_user("root", "admin")
    sign_in(page, name, password, start=f"/admin/categories?lang={lang}")
    box = page.locator("#categories tbody tr").first.locator("input[name=evidence_required]")
    box.check()
    page.locator("#categories tbody tr").first.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#categories tbody tr").first.locator(
        "input[name=evidence_required]").is_checked()
    assert conn.execute(text("SELECT count(*) FROM categories WHERE evidence_required")
                        ).scalar() == 1
    shoot(page, "#categories", f"categories-{lang}")
