"""The audit log: every write says who, when, what, and before/after where it matters."""

from sqlalchemy import text

from tests.support.auth import bearer, csrf_token, login
from tests.support.geometries import build_town


def _entries(conn):
    return [dict(r._mapping) for r in conn.execute(text(
        "SELECT actor, user_id, token_id, action, entity, entity_id, before, after, ip"
        " FROM audit_log ORDER BY id"))]


def test_grid_change_records_who_and_before_after(client, conn, make_user, make_token):
    ids = build_town(conn)
    make_user("planner", "planner")
    secret = make_token("planner")
    client.patch(f"/api/v1/grids/{ids['A']}", json={"name": "新第一网格"}, headers=bearer(secret))
    entry = _entries(conn)[-1]
    assert entry["action"] == "grid.update" and entry["entity_id"] == str(ids["A"])
    assert entry["before"] == {"name": "第一网格"} and entry["after"] == {"name": "新第一网格"}
    assert entry["actor"] == "planner" and entry["token_id"] is not None
    assert entry["ip"] == "127.0.0.1"


def test_a_refused_change_leaves_no_entry(client, conn, make_user, make_token):
    ids = build_town(conn)
    make_user("planner", "planner")
    secret = make_token("planner")
    before = len(_entries(conn))
    client.patch(f"/api/v1/grids/{ids['A']}", json={"name": ""}, headers=bearer(secret))
    assert len(_entries(conn)) == before


def test_account_changes_and_sign_ins_are_recorded(client, conn, runner, make_user):
    runner.invoke(args=["users", "create", "wang", "--role", "viewer"], input="pass-word-123\n")
    login(client, "wang", "wrong-password")
    login(client, "wang", "pass-word-123")
    runner.invoke(args=["users", "disable", "wang"])
    actions = [(e["actor"], e["action"]) for e in _entries(conn)]
    assert actions[0][1] == "user.create" and actions[0][0].startswith("cli:")
    assert ("login:wang", "login.failed") in actions
    login(client, "nobody", "wrong-password")
    assert ("login:nobody", "login.failed") in [(e["actor"], e["action"]) for e in _entries(conn)]
    assert ("wang", "login") in actions
    assert actions[-1][1] == "user.disable"
    assert "pass-word-123" not in str(_entries(conn))


def test_bulk_commands_are_recorded(runner, conn):
    build_town(conn)
    result = runner.invoke(args=["assign"])
    assert result.exit_code == 0, result.output
    actions = [e["action"] for e in _entries(conn)]
    assert actions == ["incidents.locate", "buildings.assign"]


def test_admins_read_the_log_by_api_and_page_others_cannot(client, conn, make_user,
                                                           make_token):
    make_user("root", "admin")
    make_user("viewer", "viewer")
    admin = bearer(make_token("root"))
    entries = client.get("/api/v1/audit?action=token.create", headers=admin).get_json()
    assert len(entries["entries"]) == 1 and entries["entries"][0]["action"] == "token.create"
    assert client.get("/api/v1/audit", headers=bearer(make_token("viewer"))).status_code == 403
    assert client.get("/api/v1/audit?limit=0", headers=admin).status_code == 400
    assert client.get("/api/v1/audit?colour=red", headers=admin).status_code == 400
    login(client, "root", "correct-horse-1")
    page = client.get("/admin/audit?action=user.create")
    assert page.status_code == 200 and "user.create" in page.get_data(as_text=True)


def test_admin_page_creates_and_disables_accounts(client, conn, make_user):
    name, password = make_user("root", "admin")
    login(client, name, password)
    page = client.post("/admin/users", data={"username": "li", "role": "dispatcher",
                                             "communities": "", "password": "",
                                             "csrf_token": csrf_token(client)})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="new-password"' in body
    bad = client.post("/admin/users", data={"username": "li", "role": "dispatcher",
                                            "csrf_token": csrf_token(client)},
                      follow_redirects=True)
    assert "exists already" in bad.get_data(as_text=True)
    client.post("/admin/users/li/disable", data={"csrf_token": csrf_token(client)})
    assert conn.execute(text("SELECT active FROM users WHERE username = 'li'")).scalar() is False
    assert [e["action"] for e in _entries(conn)][-1] == "user.disable"
