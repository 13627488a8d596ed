"""Changing and removing a leave and a party organisation on the people pages (desktop,
headless Chromium): the remove asks first, an organisation with a child is refused
with the reason shown. Screenshots go to /work/shots/people2 when that folder exists."""

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.people.test_people_pages import errors, office  # noqa: F401 (fixture)
from tests.support.geometries import COMMUNITY_1, GRID_A

pytestmark = pytest.mark.town("incidents")
SHOTS = Path("/work/shots/people2")
PHONE = {"width": 390, "height": 844}


def shot(page, name: str) -> None:
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def confirms(page) -> list[str]:
    """The confirmation texts asked, each accepted."""
    asked: list[str] = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    return asked


def test_a_leave_row_is_edited_and_removed(office, conn, town):  # noqa: F811
    page = office
    asked = confirms(page)
    page.locator("#rows tr", has_text="张伟").get_by_role("button", name="请假").click()
    page.fill("#l-from", "2026-12-01")
    page.fill("#l-to", "2026-12-03")
    page.click("#leave-form button[type=submit]")
    row = page.locator("#leave-list tr", has_text="张伟")
    row.wait_for()
    assert row.locator("td").nth(3).inner_text() == "无（由网格长接手）"
    row.get_by_role("button", name="编辑").click()
    assert page.inner_text("#leave-title") == "修改请假 · 张伟"
    assert page.input_value("#l-to") == "2026-12-03"
    page.fill("#l-to", "2026-12-20")
    page.select_option("#l-substitute", label=page.locator(
        "#l-substitute option", has_text="李娜").inner_text())
    page.fill("#l-note", "病假")
    page.click("#leave-form button[type=submit]")
    page.wait_for_selector("#leave-list tr:has-text('2026-12-20'):has-text('李娜')")
    assert conn.execute(text("SELECT ends_on::text, note FROM worker_leave WHERE worker_id"
                             " = :w"), {"w": town["A_full"]}).one() == ("2026-12-20", "病假")
    shot(page, "leave-edited-desktop-zh")
    page.locator("#leave-list tr", has_text="张伟").get_by_role("button", name="删除").click()
    page.wait_for_selector("#leave-list tr:has-text('张伟')", state="detached")
    assert asked == ["确定删除这条请假记录？"]
    assert conn.execute(text("SELECT count(*) FROM worker_leave WHERE worker_id = :w"),
                        {"w": town["A_full"]}).scalar() == 0
    page.goto("/admin/people/workers?lang=en")
    page.wait_for_selector("#rows tr[data-id]")
    shot(page, "workers-desktop-en")
    assert errors(page) == []


def add_org(page, name: str, level: str, *, community="", grid="", parent=None) -> None:
    page.fill("#o-name", name)
    page.select_option("#o-level", level)
    if parent:
        page.select_option("#o-parent", label=page.locator("#o-parent option",
                                                           has_text=parent).inner_text())
    page.fill("#o-community", community)
    page.fill("#o-grid", grid)
    page.click("#org-submit")
    page.wait_for_selector(f"#orgs tr:has-text('{name}')")


def test_an_organisation_is_edited_and_removed(office, conn):  # noqa: F811
    page = office
    asked = confirms(page)
    page.goto("/admin/people/party")
    page.wait_for_selector("#org-form")
    add_org(page, "景山社区党委", "community_committee", community=COMMUNITY_1)
    add_org(page, "第一网格支部", "grid_branch", grid=GRID_A, parent="景山社区党委")
    top = page.locator("#orgs tr", has_text="景山社区党委")
    top.get_by_role("button", name="删除").click()
    page.wait_for_selector("#notice .alert-danger")
    assert "child" in page.inner_text("#notice")  # the API's reason, shown as sent
    page.locator("#orgs tr", has_text="第一网格支部").get_by_role("button", name="编辑").click()
    assert page.input_value("#o-grid") == GRID_A
    page.fill("#o-name", "第一网格党支部")
    page.click("#org-submit")
    page.wait_for_selector("#orgs tr:has-text('第一网格党支部')")
    assert page.inner_text("#org-submit") == "新增"
    shot(page, "party-org-edited-desktop-zh")
    page.locator("#orgs tr", has_text="第一网格党支部").get_by_role(
        "button", name="删除").click()
    page.wait_for_selector("#orgs tr:has-text('第一网格党支部')", state="detached")
    page.locator("#orgs tr", has_text="景山社区党委").get_by_role("button", name="删除").click()
    page.wait_for_selector("#orgs tr:has-text('景山社区党委')", state="detached")
    assert conn.execute(text("SELECT count(*) FROM party_orgs")).scalar() == 0
    assert len(asked) == 3 and asked[0].startswith("确定删除该党组织")
    page.set_viewport_size(PHONE)
    page.goto("/admin/people/party?lang=en")
    page.wait_for_selector("#org-form")
    shot(page, "party-phone-en")
    assert errors(page) == []
