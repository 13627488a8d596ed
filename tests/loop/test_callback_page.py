# ruff: noqa: F811  (the fixtures come from tests.loop.verify_support and the map's tests)
"""The resident's report page on a phone (390×844), Chinese and English: the progress, the
"is it fixed?" confirmation (a category verified by the reporter) and the call-back rating
that reopens an unsatisfied closure (issue 21 part 4)."""

from __future__ import annotations

import pytest

from tests.loop.verify_support import (  # noqa: F401
    act,
    dispatcher,
    resolved,
    verify_by,
    with_reference,
    worker,
)
from tests.places.test_public_map_page import clean, phone, shot  # noqa: F401

pytestmark = pytest.mark.town("incidents")


def look_up(page, reference: str) -> None:
    page.click("#status-open")
    page.fill("#status-ref", reference)
    page.click("#status-go")
    page.wait_for_selector("#status-timeline")


@pytest.fixture
def reporter_verified(conn):
    """环境卫生 verified by the reporter, for this test only (the live server's tests
    commit)."""
    verify_by(conn, "reporter")
    yield
    verify_by(conn, "dispatcher")


def test_the_resident_confirms_and_rates_on_a_phone(client, conn, dispatcher, worker, phone,
                                                    reporter_verified):
    done = resolved(client, dispatcher, worker)
    ref = with_reference(conn, done)
    page = phone()
    page.goto("/map")
    look_up(page, ref)
    assert "已处理，待核查" in page.inner_text("#status-timeline")
    assert page.is_visible("#confirm-fixed") and not page.is_visible("#rating-form")
    shot(page, "callback-confirm-zh")
    page.click("#confirm-not-fixed")  # without saying what is wrong: refused, in words
    page.wait_for_function("() => document.querySelector('#notice').textContent"
                           ".includes('请简要说明')")
    assert client.get(f"/api/v1/reports/{ref}").get_json()["status"] == "resolved"
    page.click("#confirm-fixed")
    page.wait_for_selector("#rating-form")
    assert page.inner_text("#status-state") == "已办结"
    assert "已办结" in page.inner_text("#status-timeline")
    page.click("#rating-send")  # nothing chosen
    page.wait_for_function("() => document.querySelector('#notice').textContent"
                           ".includes('请选择满意')")
    page.check("#rating-unsatisfied")
    page.fill("#rating-comment", "门口还有垃圾 <b>x</b>")
    shot(page, "callback-rate-zh")
    page.click("#rating-send")
    page.wait_for_function("() => document.querySelector('#status-state').textContent"
                           " === '办理中'")
    assert "重新办理" in page.inner_text("#status-timeline")
    assert not page.is_visible("#rating-form")
    shot(page, "callback-reopened-zh")
    body = client.get(f"/api/v1/incidents/{done}", headers=dispatcher).get_json()
    assert body["status"] == "reopened"
    assert body["ratings"][0]["comment"] == "门口还有垃圾 <b>x</b>"
    assert "张伟" not in page.inner_text("body") and "disp" not in page.inner_text("body")
    clean(page)


def test_the_rating_in_english(client, conn, dispatcher, worker, phone):
    verify_by(conn, "dispatcher")
    done = resolved(client, dispatcher, worker)
    ref = with_reference(conn, done)
    assert act(client, dispatcher, done, "verify").status_code == 200
    page = phone()
    page.goto("/map?lang=en")
    look_up(page, ref)
    assert "Closed" in page.inner_text("#status-timeline")
    assert page.is_visible("#rating-form")
    assert "Are you satisfied" in page.inner_text("#rating-form")
    shot(page, "callback-rate-en")
    page.check("#rating-satisfied")
    page.click("#rating-send")
    page.wait_for_selector("#status-rated")
    assert page.inner_text("#status-rated") == "Your rating: Satisfied. Thank you!"
    assert not page.is_visible("#rating-form")
    shot(page, "callback-rated-en")
    wide = phone(viewport={"width": 1366, "height": 768})
    wide.goto("/map?lang=en")
    look_up(wide, ref)
    shot(wide, "callback-rated-en-wide")
    clean(page)
    clean(wide)
