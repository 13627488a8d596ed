"""An account whose password an admin reset can do nothing but replace it (issue 26): every
page sends it to /account/password, every API call is a 403 saying why, until it has."""

import pytest

from app.extensions import db
from app.security import accounts
from tests.support.auth import bearer, csrf_token, login

pytestmark = pytest.mark.town("incidents")


@pytest.fixture
def reset_dispatcher(client, make_user, town):
    name, _ = make_user("pending", "dispatcher")
    one_time = accounts.reset_password(name)
    db.session.commit()
    assert login(client, name, one_time).headers["Location"].startswith("/account/password")
    return name, one_time


@pytest.mark.parametrize("path", ["/dispatch", "/maps/grids", "/maps/caseload",
                                  "/plans", "/admin/imports"])
def test_every_page_sends_the_account_to_change_its_password(client, reset_dispatcher, path):
    answer = client.get(path + "?x=1")
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/account/password?next=")
    assert "x%3D1" in answer.headers["Location"] or "x=1" in answer.headers["Location"]


@pytest.mark.parametrize("method, path", [("GET", "/api/v1/incidents"),
                                          ("GET", "/api/v1/me/notifications"),
                                          ("POST", "/api/v1/incidents")])
def test_every_api_call_is_refused_with_the_reason(client, reset_dispatcher, method, path):
    headers = {"X-CSRFToken": csrf_token(client)}
    answer = client.open(path, method=method, json={} if method == "POST" else None,
                         headers=headers)
    assert answer.status_code == 403
    assert "/account/password" in answer.get_json()["error"]["message"]


def test_signing_out_stays_open(client, reset_dispatcher):
    answer = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert answer.status_code == 302  # signing out stays open
    assert answer.headers["Location"].endswith("/login")


def test_after_the_change_everything_opens_again(client, reset_dispatcher):
    name, one_time = reset_dispatcher
    assert client.get("/account/password").status_code == 200
    answer = client.post("/account/password", data={
        "current": one_time, "password": "mine-and-only-mine-1",
        "confirm": "mine-and-only-mine-1", "csrf_token": csrf_token(client)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/dispatch"
    assert client.get("/dispatch").status_code == 200
    assert client.get("/api/v1/incidents").status_code == 200


def test_a_token_of_the_account_is_not_held(client, reset_dispatcher, make_token, app):
    secret = make_token(reset_dispatcher[0])
    fresh = app.test_client()
    assert fresh.get("/api/v1/incidents", headers=bearer(secret)).status_code == 200


def test_other_accounts_are_untouched(app, make_user, town):
    name, password = make_user("calm", "dispatcher")
    other = app.test_client()
    login(other, name, password)
    assert other.get("/dispatch").status_code == 200
