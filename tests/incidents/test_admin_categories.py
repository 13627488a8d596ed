"""/admin/categories: admins edit time limits, routing and the holiday calendar."""

from sqlalchemy import text

from tests.support.auth import csrf_token, login

FORM = {"code": "环境卫生", "name_en": "Sanitation", "response_hours": "3",
        "resolve_hours": "30", "clock": "calendar", "route_to": "community_office",
        "active": "on"}


def restore(conn):
    conn.execute(text("UPDATE categories SET response_hours = 2, resolve_hours = 24,"
                      " clock = 'working', route_to = 'grid', active = true, public = true"
                      " WHERE code = '环境卫生'"))


def test_admin_changes_a_category_and_it_is_audited(client, conn, make_user):
    login(client, *make_user("boss", "admin"))
    page = client.get("/admin/categories").get_data(as_text=True)
    assert "消防隐患" in page and "Fire hazard" in page
    try:
        done = client.post("/admin/categories", data={**FORM, "csrf_token": csrf_token(client)},
                           follow_redirects=True)
        assert "已保存" in done.get_data(as_text=True)
        row = conn.execute(text("SELECT response_hours, resolve_hours, clock, route_to"
                                " FROM categories WHERE code = '环境卫生'")).one()
        assert tuple(row) == (3.0, 30.0, "calendar", "community_office")
        assert conn.execute(text("SELECT count(*) FROM audit_log"
                                 " WHERE action = 'category.update'")).scalar() == 1
        bad = client.post("/admin/categories", data={**FORM, "resolve_hours": "1",
                                                     "csrf_token": csrf_token(client)},
                          follow_redirects=True)
        assert "未保存" in bad.get_data(as_text=True)
        assert conn.execute(text("SELECT resolve_hours FROM categories"
                                 " WHERE code = '环境卫生'")).scalar() == 30.0
        no_token = client.post("/admin/categories", data=FORM)
        assert no_token.status_code == 403
    finally:
        restore(conn)


def test_admin_sets_and_clears_holidays(client, conn, make_user):
    login(client, *make_user("boss", "admin"))
    for kind in ("holiday", "clear"):
        page = client.post("/admin/holidays", data={
            "day": "2026-10-01", "kind": kind, "name": "国庆节",
            "csrf_token": csrf_token(client)}, follow_redirects=True)
        assert page.status_code == 200
        count = conn.execute(text("SELECT count(*) FROM holidays")).scalar()
        assert count == (1 if kind == "holiday" else 0)
    bad = client.post("/admin/holidays", data={"day": "tomorrow", "kind": "holiday",
                                               "csrf_token": csrf_token(client)},
                      follow_redirects=True)
    assert "未保存" in bad.get_data(as_text=True)


def test_only_admins(client, make_user):
    login(client, *make_user("disp", "dispatcher"))
    assert client.get("/admin/categories").status_code == 403
    assert client.post("/admin/categories", data={**FORM, "csrf_token": csrf_token(client)}
                       ).status_code == 403
