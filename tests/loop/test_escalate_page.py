"""A department's queue (/department) in headless Chromium, Chinese and English: the
escalated incident listed, opened in the panel, started and resolved with its buttons;
another department's incident is not there. Screenshots at 1366×768 and 390×844."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.loop.conftest import act, dispatched
from tests.service.test_browser_pages import sign_in

pytestmark = pytest.mark.town("incidents")
SHOTS = Path("/work/shots/escalate")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_department_works_its_queue(page, client, dispatcher, departments, catalogue,
                                      make_user, conn, lang):
    page.page_errors = []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    ours = dispatched(client, dispatcher)
    act(client, dispatcher, ours, "escalate", to="department", note="需城管执法")
    theirs = dispatched(client, dispatcher, 1.5, 1)
    act(client, dispatcher, theirs, "escalate", to="department",
        department=departments["water"], note="管线")
    name, password = make_user("cityops", "department")
    conn.execute(text("UPDATE users SET department_id = :d WHERE username = 'cityops'"),
                 {"d": departments["cityops"]})
    suffix = "?lang=en" if lang == "en" else ""
    sign_in(page, name, password, start="/department" + suffix)
    page.goto("/department" + suffix)
    page.wait_for_selector("#queue-rows tr.queue-row")
    rows = page.locator("#queue-rows tr.queue-row")
    assert rows.count() == 1 and rows.first.get_attribute("data-id") == str(ours)
    assert (page.locator("h1").text_content() == "Department queue") == (lang == "en")
    category = page.locator("#queue-rows tr.queue-row td").nth(1).text_content()
    assert category == ("Sanitation" if lang == "en" else "环境卫生")
    page.set_viewport_size({"width": 1366, "height": 768})
    rows.first.click()
    page.wait_for_selector("#action-buttons button[data-action=start]")
    department = page.locator("#incident-department").text_content()
    assert department == "街道城管执法队"
    escalate = page.locator("#action-escalate-to")
    assert escalate.count() == 1 and page.locator("#action-department").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"department-{lang}-1366.png"), full_page=True)
    page.click("#action-buttons button[data-action=start]")
    page.wait_for_selector("#action-buttons button[data-action=resolve]")
    page.click("#action-buttons button[data-action=resolve]")
    resolved = "Resolved" if lang == "en" else "已反馈待核查"
    page.wait_for_function("([t]) => document.querySelector('#incident-status')"
                           ".textContent === t", arg=[resolved])
    status = conn.execute(text("SELECT status FROM incidents WHERE id = :i"),
                          {"i": ours}).scalar()
    assert status == "resolved"
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"department-{lang}-390.png"), full_page=True)
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
    assert page.page_errors == []
