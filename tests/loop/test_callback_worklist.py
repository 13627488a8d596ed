# ruff: noqa: F811  (the fixtures come from tests.loop.verify_support and the console's tests)
"""The call-back worklist (回访, issue 21): ``GET /api/v1/incidents?callback=due`` lists the
incidents closed in the last CALLBACK_DAYS days that nobody has rated since that closure,
within the caller's communities; the console's 待回访 filter shows it and a call-back
recorded from the panel takes the incident off it (1366×768, zh and en)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.incidents.test_dispatch_page import console, csp_errors  # noqa: F401
from tests.loop.verify_support import act, dispatcher, resolved, worker  # noqa: F401

pytestmark = pytest.mark.town("incidents")
SHOTS = Path(os.environ.get("GRIDMAP_SHOTS", "/work/shots/loop"))


def worklist(client, headers) -> list[int]:
    answer = client.get("/api/v1/incidents?callback=due", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return [i["id"] for i in answer.get_json()["incidents"]]


def closed(client, dispatcher, worker, x: float = 1, y: float = 1) -> int:
    done = resolved(client, dispatcher, worker, x, y)
    assert act(client, dispatcher, done, "verify").status_code == 200
    return done


def test_the_worklist_holds_recent_unrated_closures(client, conn, dispatcher, worker, staff):
    fresh = closed(client, dispatcher, worker)
    rated = closed(client, dispatcher, worker)
    old = closed(client, dispatcher, worker)
    still_open = resolved(client, dispatcher, worker)
    conn.execute(text("UPDATE incidents SET closed_at = closed_at - interval '8 days'"
                      " WHERE id = :i"), {"i": old})
    assert client.post(f"/api/v1/incidents/{rated}/callbacks", json={"rating": "fair"},
                       headers=dispatcher).status_code == 201
    listed = worklist(client, dispatcher)
    assert fresh in listed and rated not in listed and old not in listed
    assert still_open not in listed
    outsider = staff("disp2", "dispatcher", ["110101001002"])
    assert worklist(client, outsider) == []
    # A rating of an earlier closure does not count for a later one.
    conn.execute(text("UPDATE incident_ratings SET at = at - interval '1 day'"
                      " WHERE incident_id = :i"), {"i": rated})
    assert rated in worklist(client, dispatcher)
    bad = client.get("/api/v1/incidents?callback=yes", headers=dispatcher)
    assert bad.status_code == 400


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_console_works_the_worklist(console, client, staff, worker, lang):
    page = console
    page.set_viewport_size({"width": 1366, "height": 768})
    boss = staff("boss", "dispatcher")
    done = closed(client, boss, worker)
    waiting = resolved(client, boss, worker)
    if lang == "en":
        page.goto("/dispatch?lang=en")
        page.wait_for_selector("#queue-total:not(:empty)")
    page.check("#f-callback")
    page.wait_for_selector(f"#queue-rows tr.queue-row[data-id='{done}']")
    assert page.locator(f"#queue-rows tr.queue-row[data-id='{waiting}']").count() == 0
    assert page.is_disabled("#f-status")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"console-callback-worklist-{lang}.png"), full_page=True)
    page.locator(f"#queue-rows tr.queue-row[data-id='{done}']").click()
    page.wait_for_selector("#callback-form")
    page.select_option("#callback-rating", "satisfied")
    page.fill("#callback-comment", "电话回访：满意")
    page.click("#callback-send")
    page.wait_for_selector("#incident-ratings li")
    page.wait_for_selector(f"#queue-rows tr.queue-row[data-id='{done}']", state="detached")
    assert page.locator("#callback-form").count() == 0  # rated: one rating per closure
    page.screenshot(path=str(SHOTS / f"console-callback-recorded-{lang}.png"))
    page.uncheck("#f-callback")
    assert page.is_enabled("#f-status")
    assert csp_errors(page) == []
