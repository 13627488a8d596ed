# ruff: noqa: F811  (the fixtures come from tests.loop.verify_support and the console's tests)
"""The dispatcher console (1366×768): verifying resolved work (核查通过), then recording a
phone call-back (回访) whose rating the panel shows (issue 21 parts 3–4)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.incidents.test_dispatch_page import console, csp_errors  # noqa: F401
from tests.loop.verify_support import act, report, worker  # noqa: F401

pytestmark = pytest.mark.town("incidents")
SHOTS = Path(os.environ.get("GRIDMAP_SHOTS", "/tmp/gridmap-shots"))


def test_verify_then_record_a_phone_call_back(console, client, staff, worker):
    page = console
    page.set_viewport_size({"width": 1366, "height": 768})
    boss = staff("boss", "dispatcher")
    done = report(client, boss, 1, 1)
    for who, action in ((boss, "accept"), (boss, "dispatch"), (worker, "start")):
        assert act(client, who, done, action).status_code == 200
    page.reload()
    page.locator(f"#queue-rows tr.queue-row[data-id='{done}']").click()
    # The worker's resolution taken by phone: the console records it, then verifies.
    page.click("#action-buttons button[data-action=resolve]")
    page.wait_for_selector("#action-buttons button[data-action=verify]")
    assert "尚无回访评价" in page.inner_text("#panel-body")
    assert not page.is_visible("#callback-form")  # not closed yet
    page.click("#action-buttons button[data-action=verify]")
    page.wait_for_selector("#callback-form")
    assert page.inner_text("#incident-status") == "已结案"
    page.select_option("#callback-rating", "unsatisfied")
    page.fill("#callback-comment", "电话回访：门口仍有杂物")
    page.click("#callback-send")
    page.wait_for_selector("#incident-ratings li")
    ratings = page.inner_text("#incident-ratings")
    assert "不满意" in ratings and "电话回访" in ratings and "已重新办理" in ratings
    assert page.inner_text("#incident-status") == "重新办理"
    assert "回访不满意重新办理" in page.inner_text("#incident-history")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-callback-zh.png"))
    assert csp_errors(page) == []
