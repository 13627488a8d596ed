"""Signing in and out: cookies, lock-out, CSRF, redirects, disabled accounts."""

import datetime as dt

import pytest
from sqlalchemy import text

from tests.support.auth import CSRF_META, csrf_token, login


def test_sign_in_sets_a_hardened_session_cookie_and_opens_staff_pages(client, make_user):
    name, password = make_user("wang", "viewer")
    response = login(client, name, password)
    assert response.status_code == 302 and response.headers["Location"] == "/maps/grids"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/maps/grids").status_code == 200


def test_the_cookie_is_secure_over_https(app, make_user):
    name, password = make_user("wang", "viewer")
    client = app.test_client()
    page = client.get("/login", base_url="https://gridmap.example")
    token = CSRF_META.search(page.get_data(as_text=True)).group(1)
    # Over HTTPS Flask-WTF also wants a same-site Referer, as browsers send.
    response = client.post("/login", base_url="https://gridmap.example",
                           headers={"Referer": "https://gridmap.example/login"},
                           data={"username": name, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert "Secure" in response.headers["Set-Cookie"]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_wrong_password_is_401_and_says_nothing_about_the_account(client, make_user):
    name, _ = make_user("wang", "viewer")
    wrong = login(client, name, "not-the-password")
    unknown = login(client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.get_data(as_text=True)
    assert "用户名或密码错误" in unknown.get_data(as_text=True)
    assert client.get("/maps/grids").status_code == 302


def test_repeated_failures_lock_the_account_even_for_the_right_password(app, client,
                                                                        make_user, conn):
    name, password = make_user("wang", "viewer")
    statuses = [login(client, name, "wrong-password").status_code
                for _ in range(app.config["LOGIN_MAX_FAILURES"])]
    assert statuses[:-1] == [401] * (len(statuses) - 1) and statuses[-1] == 429
    locked = login(client, name, password)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= app.config["LOGIN_LOCK_SECONDS"] + 1
    assert "Too many failed sign-ins" in locked.get_data(as_text=True)
    # Once the lock has passed, the right password works and the count starts again.
    conn.execute(text("UPDATE login_throttle SET blocked_until = now() - interval '1 second'"))
    assert login(client, name, password).status_code == 302
    assert conn.execute(text("SELECT count(*) FROM login_throttle")).scalar() == 0


def test_sign_in_without_csrf_token_is_403(client, make_user):
    name, password = make_user("wang", "viewer")
    response = client.post("/login", data={"username": name, "password": password})
    assert response.status_code == 403
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/maps/grids").status_code == 302


def test_sign_out_is_post_only_with_csrf(client, make_user):
    name, password = make_user("wang", "viewer")
    login(client, name, password)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 403  # no CSRF token: still signed in
    assert client.get("/maps/grids").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert client.get("/maps/grids").status_code == 302


def test_disabling_an_account_ends_its_session(app, client, make_user):
    from app.extensions import db
    from app.security import accounts

    name, password = make_user("wang", "viewer")
    login(client, name, password)
    accounts.set_active(name, False)
    db.session.commit()
    assert client.get("/maps/grids").status_code == 302
    assert login(client, name, password).status_code == 401


@pytest.mark.parametrize("target, lands", [
    ("/admin/audit", "/admin/audit"),
    ("//evil.example/x", "/admin/users"),  # the admin's own landing page instead
    ("https://evil.example/", "/admin/users"),
    ("/\\evil.example", "/admin/users"),
])
def test_after_sign_in_only_local_pages_are_followed(client, make_user, target, lands):
    name, password = make_user("wang", "admin")
    response = client.post(
        "/login?next=" + target, data={"username": name, "password": password,
                                       "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == lands


def test_a_staff_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/admin/users"


def test_passwords_are_stored_as_argon2_hashes(app, make_user, conn):
    make_user("wang", "viewer", password="correct-horse-1")
    stored = conn.execute(text("SELECT password_hash FROM users")).scalar()
    assert stored.startswith("$argon2id$") and "correct-horse-1" not in stored


def test_session_lifetime_is_bounded(app, client, make_user):
    name, password = make_user("wang", "viewer")
    response = login(client, name, password)
    expires = response.headers["Set-Cookie"].split("Expires=")[1].split(";")[0]
    when = dt.datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=dt.UTC)
    hours = (when - dt.datetime.now(dt.UTC)).total_seconds() / 3600
    assert 7 < hours <= 8
