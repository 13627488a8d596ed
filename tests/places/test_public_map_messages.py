"""What a resident is told on the public map, on a phone: every message where they are
looking and in their language; a category they must choose; the report button in sight."""

import json

import pytest

from tests.places.test_public_map_page import clean, open_map, phone, tap_at  # noqa: F401
from tests.support.geometries import xy
from tests.support.towns import add_member

pytestmark = pytest.mark.town("incidents", service_hours="周一至周五 9:00-17:30")

IN_VIEW = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }"""


def open_report(page) -> None:
    open_map(page)
    page.wait_for_selector(".leaflet-overlay-pane path")
    tap_at(page, *xy(1, 1.5))
    page.wait_for_selector("#place-grid")
    page.click("#report-open")
    page.wait_for_selector("#report-form:not([hidden])")


def test_messages_show_where_the_resident_looks_in_their_language(phone, town):  # noqa: F811
    page = phone()
    # A form token the server refuses (as when sent too fast or too late).
    page.route("**/api/v1/reports/form", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps({"form_token": "x.y"})))
    open_report(page)
    page.click("#report-submit")  # nothing chosen: the category first
    page.wait_for_function(IN_VIEW, arg="#notice")
    assert page.inner_text("#notice") == "请选择问题类别。"
    page.select_option("#report-category", "环境卫生")
    page.click("#report-submit")  # no description
    page.wait_for_function("() => document.querySelector('#notice').textContent"
                           ".startsWith('简要描述问题')")
    assert page.evaluate(IN_VIEW, "#notice")
    page.fill("#report-description", "楼道堆放杂物")
    page.click("#report-submit")  # the server refuses the token: said in Chinese, not its English
    page.wait_for_function("() => document.querySelector('#notice').textContent"
                           ".includes('表单')")
    shown = page.inner_text("#notice")
    assert shown.startswith("提交得太快或表单已过期") and not any(c.isascii() and c.isalpha()
                                                                  for c in shown)
    assert page.evaluate(IN_VIEW, "#notice")
    clean(page)


def test_the_report_button_stays_in_sight_with_many_workers(phone, town, conn):  # noqa: F811
    for n in range(5):
        add_member(conn, f"志愿者{n}", "part_time", town["A"],
                   service_hours="周一至周日 8:00-20:00")
    page = phone()
    open_map(page)
    page.wait_for_selector(".leaflet-overlay-pane path")
    tap_at(page, *xy(1, 1.5))
    page.wait_for_function("() => document.querySelectorAll('#place-workers li').length >= 6")
    assert page.evaluate(IN_VIEW, "#report-open")
    clean(page)
