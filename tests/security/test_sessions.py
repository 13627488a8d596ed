"""Sessions the server can end: a copied cookie stops working after sign-out, password
change, disable, an admin's "sign out everywhere" and the idle and absolute limits."""

import pytest
from sqlalchemy import text

from tests.support.auth import csrf_token, login


def _signed_in(app, make_user, role="viewer", name="wang"):
    """A client signed in, and a second client holding a copy of its cookie."""
    name, password = make_user(name, role)
    browser = app.test_client()
    assert login(browser, name, password).status_code == 302
    thief = app.test_client()
    cookie = browser.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief.set_cookie(cookie.key, cookie.value)
    assert thief.get("/maps/grids").status_code == 200
    return name, browser, thief


def _signed_out(client) -> bool:
    response = client.get("/maps/grids")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_sign_out_ends_the_session_for_a_copied_cookie(app, make_user):
    _, browser, thief = _signed_in(app, make_user)
    browser.post("/logout", data={"csrf_token": csrf_token(browser)})
    assert _signed_out(thief)


def test_password_change_and_disable_end_every_session(app, make_user):
    from app.extensions import db
    from app.security import accounts

    name, _, thief = _signed_in(app, make_user)
    accounts.set_password(name, "another-horse-2", 10)
    db.session.commit()
    assert _signed_out(thief)

    _, browser, thief = _signed_in(app, make_user, name="li")
    accounts.set_active("li", False)
    db.session.commit()
    accounts.set_active("li", True)  # enabling again does not bring the sessions back
    db.session.commit()
    assert _signed_out(thief) and _signed_out(browser)


def test_an_admin_signs_an_account_out_everywhere_and_it_is_audited(app, make_user, conn):
    name, browser, thief = _signed_in(app, make_user)
    other = app.test_client()
    login(other, name, "correct-horse-1")
    admin, password = make_user("boss", "admin")
    desk = app.test_client()
    login(desk, admin, password)
    assert "全部退出" in desk.get("/admin/users").get_data(as_text=True)
    response = desk.post(f"/admin/users/{name}/signout", data={"csrf_token": csrf_token(desk)})
    assert response.status_code == 302
    assert _signed_out(thief) and _signed_out(browser) and _signed_out(other)
    assert not _signed_out(desk)
    entry = conn.execute(text("SELECT actor, after FROM audit_log"
                              " WHERE action = 'user.signout_all'")).one()
    assert entry.actor == "boss" and entry.after == {"sessions_ended": 2}


def test_sign_out_everywhere_needs_the_admin_role(app, make_user):
    name, browser, _ = _signed_in(app, make_user, role="planner")
    response = browser.post(f"/admin/users/{name}/signout",
                            data={"csrf_token": csrf_token(browser)})
    assert response.status_code == 403
    assert not _signed_out(browser)


@pytest.mark.parametrize("column, age", [
    ("last_seen_at", "61 minutes"),   # idle past SESSION_IDLE_MINUTES
    ("created_at", "8 hours 1 minute"),  # older than SESSION_MAX_HOURS, though in use
])
def test_sessions_end_by_themselves(app, make_user, conn, column, age):
    _, browser, thief = _signed_in(app, make_user)
    conn.execute(text(f"UPDATE sessions SET {column} = now() - interval '{age}'"))
    assert _signed_out(thief) and _signed_out(browser)


def test_a_session_in_use_stays_and_the_idle_clock_moves(app, make_user, conn):
    _, browser, _ = _signed_in(app, make_user)
    conn.execute(text("UPDATE sessions SET last_seen_at = now() - interval '59 minutes'"))
    assert not _signed_out(browser)
    seen = conn.execute(text("SELECT now() - last_seen_at FROM sessions")).scalar()
    assert seen.total_seconds() < 60


def test_the_cookie_carries_a_token_the_table_stores_only_hashed(app, make_user, conn):
    _, browser, _ = _signed_in(app, make_user)
    stored = conn.execute(text("SELECT id FROM sessions")).scalar()
    cookie = browser.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert len(stored) == 64 and stored not in cookie
