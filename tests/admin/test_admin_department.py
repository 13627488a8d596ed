"""An admin sets, on /admin/users, which department an account of role ``department``
works for (its queue at /department); a community administrator cannot (403), an account
of another role has no department, and a retired department is not offered. In headless
Chromium at 1366×768 (zh) and 390×844 (en)."""

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.service.test_browser_pages import sign_in
from tests.support.auth import bearer

pytestmark = pytest.mark.town("incidents")

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
SHOTS = Path("/work/shots/loop")


def department(conn, name: str, active: bool = True) -> int:
    return conn.execute(text("INSERT INTO departments (name, kind, active)"
                             " VALUES (:n, 'department', :a) RETURNING id"),
                        {"n": name, "a": active}).scalar()


def department_of(conn, username: str) -> int | None:
    return conn.execute(text("SELECT department_id FROM users WHERE username = :u"),
                        {"u": username}).scalar()


@pytest.mark.parametrize("size, lang", [("desktop", "zh"), ("phone", "en")])
def test_an_admin_sets_the_department_of_a_department_account(page, make_user, conn, town,
                                                              tmp_path, size, lang):
    water = department(conn, "区水务局")
    department(conn, "已撤销的局", active=False)
    make_user("dept-staff", "department")
    make_user("plain-viewer", "viewer")
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    name, password = make_user("root-" + size, "admin")
    sign_in(page, name, password, start="/admin/users" + ("?lang=en" if lang == "en" else ""))
    row = page.locator("#users tr[data-user='dept-staff']")
    picker = row.locator("form.department-form select")
    offered = picker.locator("option").all_inner_texts()
    assert "区水务局" in offered and "已撤销的局" not in offered
    assert page.locator("#users tr[data-user='plain-viewer'] form.department-form").count() == 0
    picker.select_option(str(water))
    row.locator("form.department-form button").click()
    page.wait_for_load_state("networkidle")
    assert department_of(conn, "dept-staff") == water
    assert ("dept-staff" in page.inner_text("body"))
    picked = page.locator("#users tr[data-user='dept-staff'] form.department-form select")
    assert picked.input_value() == str(water)
    folder = SHOTS if SHOTS.is_dir() else tmp_path
    page.screenshot(path=str(folder / f"admin-users-department-{size}-{lang}.png"),
                    full_page=True)
    audits = conn.execute(text("SELECT after::text FROM audit_log WHERE action ="
                               " 'user.department'")).scalars().all()
    assert audits and str(water) in audits[-1]


def test_who_may_set_a_department(client, make_user, make_token, conn, town):
    water = department(conn, "区水务局")
    make_user("dept-staff", "department")
    make_user("plain-viewer", "viewer")
    make_user("ca", "community_admin", ["110101001001"])
    refused = client.post("/admin/users/dept-staff/department", data={"department": water},
                          headers=bearer(make_token("ca")))
    assert refused.status_code == 403
    assert department_of(conn, "dept-staff") is None
    make_user("boss", "admin")
    admin = bearer(make_token("boss"))
    answer = client.post("/admin/users/plain-viewer/department",
                         data={"department": water}, headers=admin)
    assert answer.status_code == 302
    assert department_of(conn, "plain-viewer") is None  # not a department account
    answer = client.post("/admin/users/dept-staff/department", data={"department": "x"},
                         headers=admin)
    assert answer.status_code == 302 and department_of(conn, "dept-staff") is None
    client.post("/admin/users/dept-staff/department", data={"department": water},
                headers=admin)
    assert department_of(conn, "dept-staff") == water
    client.post("/admin/users/dept-staff/department", data={"department": ""},
                headers=admin)
    assert department_of(conn, "dept-staff") is None
