"""``flask users ...``: provisioning accounts from scripts."""

import pytest
from sqlalchemy import text

from tests.support.auth import login
from tests.support.geometries import COMMUNITY_1, build_town
from tests.support.towns import add_member


def test_create_reads_the_password_from_stdin(runner, client, conn):
    result = runner.invoke(args=["users", "create", "wang", "--role", "dispatcher"],
                           input="a-long-password\n")
    assert result.exit_code == 0, result.output
    assert "password:" not in result.output
    assert login(client, "wang", "a-long-password").status_code == 302


def test_create_generates_and_prints_a_password_when_none_is_given(runner, client):
    result = runner.invoke(args=["users", "create", "wang", "--role", "viewer"], input="")
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].strip()
    assert len(password) >= 12
    assert login(client, "wang", password).status_code == 302


def test_create_limits_to_communities_and_streets(runner, conn):
    build_town(conn)
    one = runner.invoke(args=["users", "create", "aa", "--role", "viewer", "--community",
                              COMMUNITY_1], input="")
    street = runner.invoke(args=["users", "create", "bb", "--role", "viewer", "--street",
                                 "110101001"], input="")
    assert one.exit_code == street.exit_code == 0
    counts = dict(conn.execute(text(
        "SELECT u.username, count(*) FROM user_communities uc JOIN users u ON u.id = uc.user_id"
        " GROUP BY u.username")).all())
    assert counts == {"aa": 1, "bb": 2}


@pytest.mark.parametrize("args, stdin, message", [
    (["users", "create", "x", "--role", "boss"], "", "Invalid value for '--role'"),
    (["users", "create", "xy", "--role", "viewer", "--community", "999999999999"], "",
     "no community with code 999999999999"),
    (["users", "create", "a b", "--role", "viewer"], "", "is not allowed"),
    (["users", "create", "xy", "--role", "viewer"], "short\n", "10 to 256 characters"),
    (["users", "disable", "nobody"], "", "no user named 'nobody'"),
])
def test_bad_requests_are_cli_errors_and_write_nothing(runner, conn, args, stdin, message):
    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
    assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 0


def test_duplicate_username_is_refused(runner, make_user):
    make_user("wang", "viewer")
    result = runner.invoke(args=["users", "create", "wang", "--role", "admin"], input="")
    assert result.exit_code != 0 and "exists already" in result.output


def test_disable_stops_sign_in(runner, client, make_user):
    name, password = make_user("wang", "viewer")
    assert runner.invoke(args=["users", "disable", name]).exit_code == 0
    assert login(client, name, password).status_code == 401
    assert runner.invoke(args=["users", "enable", name]).exit_code == 0
    assert login(client, name, password).status_code == 302


def test_demo_accounts_one_per_role_printed_once(app, runner, conn, client):
    build_town(conn)
    add_member(conn, "张伟", "full_time", conn.execute(text("SELECT min(id) FROM grids")).scalar())
    result = runner.invoke(args=["users", "demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines() if "demo-" in line]
    assert [line[2] for line in lines] == ["admin", "planner", "dispatcher", "member", "viewer",
                                           "community_admin", "department"]
    name, password = lines[0][0], lines[0][1]
    assert login(client, name, password).status_code == 302
    again = runner.invoke(args=["users", "demo", "--if-empty"])
    assert again.exit_code == 0 and again.output == ""


def test_demo_accounts_are_refused_in_production(app, runner, conn):
    app.config["ENV"] = "production"
    try:
        result = runner.invoke(args=["users", "demo"])
    finally:
        app.config["ENV"] = "development"
    assert result.exit_code != 0 and "production" in result.output
    assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0


def test_production_needs_a_secret_key(monkeypatch):
    from app import create_app

    monkeypatch.delenv("GRIDMAP_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="GRIDMAP_SECRET_KEY"):
        create_app({"ENV": "production", "SECRET_KEY": None})


def test_replacing_the_demo_city_keeps_accounts_and_disables_limited_ones(runner, conn,
                                                                         make_user):
    runner.invoke(args=["demo", "--size", "small"])
    make_user("free", "viewer")
    make_user("tied", "viewer", communities=[COMMUNITY_1])
    result = runner.invoke(args=["demo", "--size", "small", "--replace"])
    assert result.exit_code == 0, result.output
    states = dict(conn.execute(text("SELECT username, active FROM users")).all())
    assert states == {"free": True, "tied": False}
    assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'demo.load'"
                             )).scalar() == 2
