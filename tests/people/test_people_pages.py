"""The people pages as a community administrator uses them, in headless Chromium, on a
desktop and a phone; the public 双报到 form. Screenshots go to /work/shots/people when
that folder exists (they are looked at by a person, not compared)."""

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import text

from tests.service.test_browser_pages import XSS, sign_in
from tests.support.geometries import COMMUNITY_1, GRID_A

pytestmark = pytest.mark.town("incidents")
SHOTS = Path("/work/shots/people")
PHONE = {"width": 390, "height": 844}


def shot(page, name: str) -> None:
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def errors(page) -> list[str]:
    """Also waits for the page's last requests: the list reads write audit entries, which
    must be done before the test's tables are emptied."""
    page.wait_for_load_state("networkidle")
    return [e for e in page.console_errors if "Content Security Policy" in e
            or "Uncaught" in e] + getattr(page, "page_errors", [])


@pytest.fixture
def office(page, town, make_user):
    """A community administrator of community 1, signed in on the workers page."""
    page.page_errors = []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    name, password = make_user("office1", "community_admin", [COMMUNITY_1])
    sign_in(page, name, password, start="/admin/people/workers")
    page.wait_for_selector("#rows tr[data-id]")
    return page


def test_workers_add_leave_calendar_history(office, conn, town):
    page = office
    names = page.locator("#rows tr[data-id] td:first-child").all_inner_texts()
    assert "张伟" in names and "赵敏" not in names  # 赵敏 is community 2's
    page.click("#add")
    page.fill("#f-name", XSS)
    page.select_option("#f-role", "part_time")
    page.fill("#f-grids", GRID_A)
    page.fill("#f-private_phone", "13700001111")
    page.check("#f-publish")
    page.click("#editor-form button[type=submit]")
    page.wait_for_selector("#notice .alert-success")
    row = page.locator("#rows tr", has_text=XSS)
    assert row.locator("td").nth(4).inner_text() == "137****1111"  # masked in the list
    assert page.evaluate("() => document.querySelectorAll('img[src=x]').length") == 0
    # 张伟 on leave today, 李娜 stands in: the calendar shows it, the list says 请假.
    page.locator("#rows tr", has_text="张伟").get_by_role("button", name="请假").click()
    page.fill("#l-from", "2026-12-01")
    page.select_option("#l-substitute", label=page.locator(
        "#l-substitute option", has_text="李娜").inner_text())
    page.click("#leave-form button[type=submit]")
    page.wait_for_selector("#calendar :text('张伟 请假，李娜 代班')")
    assert page.locator("#rows tr", has_text="张伟").locator("td").nth(6).inner_text() == "请假"
    page.locator("#rows tr", has_text="张伟").get_by_role("button", name="变更记录").click()
    page.wait_for_selector("#history-body table")
    assert "worker.leave" in page.inner_text("#history-body")
    shot(page, "workers-desktop-zh")
    page.click("#history-dialog button")
    page.set_viewport_size(PHONE)
    page.goto("/admin/people/workers?lang=en")
    page.wait_for_selector("#rows tr[data-id]")
    assert page.inner_text("h1") == "Grid workers"
    shot(page, "workers-phone-en")
    assert errors(page) == []


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_dry_run_reports_bad_rows_by_number(office, conn):
    page = office
    data = xlsx([["姓名", "角色", "网格"], ["甲", "专职网格员", GRID_A], ["乙", "队长", GRID_A]])
    page.set_input_files("#import-file", files=[{"name": "w.xlsx", "buffer": data,
                                                 "mimeType": "application/octet-stream"}])
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-report .text-danger")
    report = page.inner_text("#import-report")
    assert "2 行：1 行正确，1 行有误，已写入 0 行（仅检查）" in report
    assert "第 3 行: “role”须为以下之一：" in report
    assert conn.execute(text("SELECT count(*) FROM grid_members WHERE name = '甲'")).scalar() == 0
    page.uncheck("#import-dry")
    page.check("#import-good")
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-report :text('已写入 1 行')")
    page.wait_for_selector("#rows tr:has-text('甲')")  # the list is read again
    assert errors(page) == []


def test_a_public_registration_is_confirmed_on_the_party_page(office, conn, browser,
                                                            live_server):
    # tests/conftest.py lets a form be sent at once (REPORT_MIN_SECONDS 0)
    phone = browser.new_context(viewport=PHONE, base_url=live_server, locale="zh-CN")
    public = phone.new_page()
    public.goto("/party/register")
    public.fill("#r-name", "周在职")
    public.fill("#r-work_unit", "区卫生健康委员会")
    public.select_option("#r-community", COMMUNITY_1)
    public.fill("#r-serving_grid", GRID_A)
    shot(public, "register-form-phone-zh")
    public.click("#r-submit")
    public.wait_for_selector("#notice .alert-success")
    shot(public, "register-phone-zh")
    phone.close()
    page = office
    page.goto("/admin/people/party")
    page.wait_for_selector("#rows tr[data-id]")
    row = page.locator("#rows tr", has_text="周在职")
    assert row.locator("td").nth(5).inner_text() == "待确认"
    row.get_by_role("button", name="确认").click()
    page.wait_for_selector("#rows tr:has-text('周在职') :text('已确认')")
    assert conn.execute(text("SELECT status, decided_by FROM party_members WHERE name ="
                             " '周在职'")).one() == ("confirmed", "office1")
    shot(page, "party-desktop-zh")
    page.goto("/admin/people/departments")
    page.click("#add")
    page.fill("#f-name", "区城管执法局")
    page.fill("#f-communities", COMMUNITY_1)
    page.fill("#f-categories", "环境卫生")
    page.click("#editor-form button[type=submit]")
    page.wait_for_selector("#rows tr:has-text('区城管执法局')")
    shot(page, "departments-desktop-zh")
    page.set_viewport_size(PHONE)
    page.goto("/admin/people/party?lang=en")
    page.wait_for_selector("#rows tr[data-id]")
    shot(page, "party-phone-en")
    assert errors(page) == []
