"""API tokens: made and revoked by admins (CLI and page), stored hashed, acting as their user."""

import pytest
from sqlalchemy import text

from tests.support.auth import bearer, csrf_token, login
from tests.support.geometries import COMMUNITY_1, build_town


def test_cli_prints_the_token_alone_on_its_last_line_and_it_works(app, runner, client,
                                                                  make_user):
    make_user("hotline", "dispatcher")
    result = runner.invoke(args=["tokens", "create", "hotline", "--label", "12345 sync"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("gm_") and " " not in secret
    assert client.get("/api/v1/incidents", headers=bearer(secret)).status_code == 200


def test_only_the_hash_is_stored(app, conn, make_user, make_token):
    make_user("hotline", "dispatcher")
    secret = make_token("hotline")
    stored = conn.execute(text("SELECT token_hash FROM api_tokens")).scalar()
    assert len(stored) == 64 and secret not in stored
    dump = conn.execute(text("SELECT string_agg(t::text, '') FROM api_tokens t")).scalar()
    audit = conn.execute(text("SELECT string_agg(a::text, '') FROM audit_log a")).scalar()
    assert secret not in dump and secret not in audit


@pytest.mark.parametrize("spoil", [
    "UPDATE api_tokens SET revoked_at = now()",
    "UPDATE api_tokens SET expires_at = now() - interval '1 minute'",
    "UPDATE users SET active = false",
])
def test_revoked_expired_or_disabled_tokens_are_401(client, conn, make_user, make_token,
                                                    spoil):
    make_user("hotline", "dispatcher")
    secret = make_token("hotline")
    assert client.get("/api/v1/incidents", headers=bearer(secret)).status_code == 200
    conn.execute(text(spoil))
    response = client.get("/api/v1/incidents", headers=bearer(secret))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("header", ["Bearer gm_not-a-token", "Bearer ", "Basic Zm9vOmJhcg==",
                                    "Bearer " + "x" * 5000])
def test_unknown_tokens_are_refused(client, header):
    response = client.get("/api/v1/incidents", headers={"Authorization": header})
    assert response.status_code == 401


def test_cli_revoke_stops_a_token_at_once(runner, client, make_user, make_token, conn):
    make_user("hotline", "dispatcher")
    secret = make_token("hotline")
    token_id = conn.execute(text("SELECT id FROM api_tokens")).scalar()
    result = runner.invoke(args=["tokens", "revoke", str(token_id)])
    assert result.exit_code == 0 and f"token {token_id} revoked" in result.output
    assert client.get("/api/v1/incidents", headers=bearer(secret)).status_code == 401
    missing = runner.invoke(args=["tokens", "revoke", "999"])
    assert missing.exit_code != 0 and "no token with id 999" in missing.output


def test_a_token_acts_with_its_users_role_and_needs_no_csrf(client, conn, make_user,
                                                            make_token):
    ids = build_town(conn)
    make_user("planner", "planner")
    make_user("viewer", "viewer")
    planner, viewer = make_token("planner"), make_token("viewer")
    url = f"/api/v1/grids/{ids['A']}"
    assert client.patch(url, json={"name": "新名"}, headers=bearer(viewer)).status_code == 403
    response = client.patch(url, json={"name": "新名"}, headers=bearer(planner))
    assert response.status_code == 200 and response.get_json()["name"] == "新名"


def test_a_token_keeps_its_users_community_limits(client, conn, make_user, make_token):
    ids = build_town(conn)
    make_user("planner", "planner", communities=[COMMUNITY_1])
    secret = make_token("planner")
    other = client.patch(f"/api/v1/grids/{ids['D']}", json={"name": "x"}, headers=bearer(secret))
    mine = client.patch(f"/api/v1/grids/{ids['A']}", json={"name": "x"}, headers=bearer(secret))
    assert other.status_code == 404 and mine.status_code == 200


def test_admin_page_creates_shows_once_and_revokes_tokens(client, conn, make_user):
    admin, password = make_user("root", "admin")
    make_user("hotline", "dispatcher")
    login(client, admin, password)
    page = client.post("/admin/tokens", data={"username": "hotline", "name": "sync",
                                               "days": "30", "csrf_token": csrf_token(client)})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    secret = body.split('id="new-token">')[1].split("<")[0]
    assert client.get("/api/v1/incidents", headers=bearer(secret)).status_code == 200
    assert secret not in client.get("/admin/tokens").get_data(as_text=True)
    token_id = conn.execute(text("SELECT id FROM api_tokens")).scalar()
    client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client)})
    assert client.get("/api/v1/incidents", headers=bearer(secret)).status_code == 401


def test_non_admins_cannot_manage_tokens(client, make_user):
    name, password = make_user("wang", "dispatcher")
    login(client, name, password)
    assert client.get("/admin/tokens").status_code == 403
    response = client.post("/admin/tokens", data={"username": "wang", "name": "mine",
                                                   "csrf_token": csrf_token(client)})
    assert response.status_code == 403


def test_lists_say_when_a_token_has_expired(runner, conn, make_user, make_token):
    make_user("hotline", "dispatcher")
    make_token("hotline")
    conn.execute(text("UPDATE api_tokens SET expires_at = now() - interval '1 day'"))
    listed = runner.invoke(args=["tokens", "list"]).output
    assert "\texpired\t" in listed


def test_a_non_bearer_authorization_header_does_not_skip_csrf(client, conn, make_user):
    ids = build_town(conn)
    name, password = make_user("planner", "planner")
    login(client, name, password)
    response = client.patch(f"/api/v1/grids/{ids['A']}", json={"name": "x"},
                            headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"
