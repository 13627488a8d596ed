"""/plans in headless Chromium: a scheduled plan shows its day, and a planner cancels it
with the row's button (it becomes a draft again); in Chinese and English, on a laptop and
a phone."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import text

from geo.boundaries import schedule
from tests.incidents.test_dispatch_page import csp_errors
from tests.plans.test_plan_publish import shrunk_plan
from tests.service.test_browser_pages import sign_in

pytestmark = pytest.mark.town("incidents")
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}


def shot(page, name: str) -> None:
    folder = os.environ.get("GRIDMAP_SHOTS")  # set to keep the screenshots for review
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_a_scheduled_plan_is_shown_and_cancelled_on_the_plans_page(page, client, planner,
                                                                    town, app, conn,
                                                                    make_user):
    page.page_errors = []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    day = schedule.local_today(app.config["TIMEZONE"]) + dt.timedelta(days=3)
    plan_id, etag = shrunk_plan(client, planner)
    scheduled = client.post(f"/api/v1/plans/{plan_id}/publish",
                            query_string={"effective": day.isoformat()},
                            headers={**planner, "If-Match": etag})
    assert scheduled.status_code == 200, scheduled.get_json()
    name, password = make_user("planner2", "planner")
    sign_in(page, name, password, start="/plans")
    row = page.locator(f'tr[data-plan="{plan_id}"]')
    row.locator(".effective").wait_for()
    assert row.locator(".badge").inner_text() == "待生效"
    assert row.locator(".effective").inner_text() == f"{day.isoformat()} 生效"
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"plans-scheduled-zh-{size}")
    page.goto("/plans?lang=en")
    row.locator(".effective").wait_for()
    assert row.locator(".effective").inner_text() == f"in effect from {day.isoformat()}"
    assert row.locator(".cancel-schedule").inner_text() == "Cancel scheduled publish"
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"plans-scheduled-en-{size}")
    page.goto("/plans?lang=zh")
    row.locator(".cancel-schedule").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator(".cancel-schedule").click()
    page.wait_for_selector("#notice .alert-success")
    assert row.locator(".badge").inner_text() == "草案"
    assert row.locator(".cancel-schedule").count() == 0
    shot(page, "plans-cancelled-zh-phone")
    status = conn.execute(text("SELECT status FROM boundary_changes WHERE plan_id = :p"),
                          {"p": plan_id}).scalar()
    assert status == "cancelled"
    assert csp_errors(page) == []
