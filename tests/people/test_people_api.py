"""The people API: consent decides the public lookup, a community administrator is
confined to its communities, 双报到 registrations count on the coverage map only once
confirmed, changes need If-Match and are in the person's history, private reads are
audited."""

import pytest
from sqlalchemy import text

from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_D, xy

pytestmark = pytest.mark.town("incidents")
WORKER = {"name": "钱多多", "role": "full_time", "grids": [GRID_A],
          "public_phone": "010-65009999", "private_phone": "13700001111",
          "hours": "周一至周五 9:00-17:30"}


@pytest.fixture
def admin(staff, town):
    return staff("boss", "admin")


@pytest.fixture
def office(staff, town):
    """A community administrator limited to community 1."""
    return staff("office1", "community_admin", [COMMUNITY_1])


def lookup_names(client):
    lon, lat = xy(1, 1.5)
    body = client.get("/api/v1/lookup", query_string={"lon": lon, "lat": lat}).get_json()
    return {w["name"] for w in body["workers"]}


def test_lookup_shows_consented_workers_and_hides_the_others(client, admin):
    hidden = client.post("/api/v1/workers", json={**WORKER, "publish": False}, headers=admin)
    assert hidden.status_code == 201, hidden.get_json()
    shown = client.post("/api/v1/workers", json={**WORKER, "name": "孙小美", "publish": True},
                        headers=admin)
    assert shown.status_code == 201 and shown.get_json()["consent_on"]
    names = lookup_names(client)
    assert "孙小美" in names and "钱多多" not in names and "张伟" in names
    lon, lat = xy(1, 1.5)
    raw = client.get("/api/v1/lookup", query_string={"lon": lon, "lat": lat}).get_data(
        as_text=True)
    assert "13700001111" not in raw and "钱多多" not in raw


def test_a_change_needs_the_current_etag_and_lands_in_the_history(client, admin):
    created = client.post("/api/v1/workers", json=WORKER, headers=admin)
    worker, etag = created.get_json()["id"], created.headers["ETag"]
    path = f"/api/v1/workers/{worker}"
    assert client.patch(path, json={"name": "钱二"}, headers=admin).status_code == 428
    changed = client.patch(path, json={"publish": True}, headers={**admin, "If-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    stale = client.patch(path, json={"name": "钱二"}, headers={**admin, "If-Match": etag})
    assert stale.status_code == 412
    history = client.get(f"{path}/history", headers=admin).get_json()["entries"]
    assert [e["action"] for e in history] == ["worker.update", "worker.create"]
    assert history[0]["actor"] == "boss" and history[0]["after"]["publish"] is True
    assert history[0]["before"] == {"publish": False, "consent_on": None} | {
        k: v for k, v in history[0]["before"].items() if k not in ("publish", "consent_on")}


def test_reading_a_private_phone_is_audited(client, admin, conn):
    worker = client.post("/api/v1/workers", json=WORKER, headers=admin).get_json()["id"]
    assert client.get(f"/api/v1/workers/{worker}", headers=admin).get_json()[
        "private_phone"] == "13700001111"
    assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action ="
                             " 'worker.read_private' AND entity_id = :w"),
                        {"w": str(worker)}).scalar() == 1


@pytest.mark.parametrize(("body", "param"), [
    ({**WORKER, "role": "captain"}, "role"),
    ({**WORKER, "grids": ["12"]}, "grids"),
    ({**WORKER, "grids": []}, "grids"),
    ({**WORKER, "private_phone": "call me"}, "private_phone"),
    ({**WORKER, "duty_hours": "9-5"}, "duty_hours"),
    ({**WORKER, "duty_days": "8"}, "duty_days"),
    ({**WORKER, "name": ""}, "name"),
    ({**WORKER, "unknown": 1}, None),
])
def test_bad_worker_fields_are_400_naming_the_field(client, admin, body, param):
    response = client.post("/api/v1/workers", json=body, headers=admin)
    assert response.status_code == 400, response.get_json()
    if param:
        assert response.get_json()["error"]["details"]["param"] == param


def test_a_community_administrator_is_confined_to_its_communities(client, office, town):
    listed = client.get("/api/v1/workers", headers=office).get_json()
    assert {w["community"] for w in listed["items"]} == {COMMUNITY_1}
    assert town["D_full"] not in {w["id"] for w in listed["items"]}
    assert client.get(f"/api/v1/workers/{town['D_full']}", headers=office).status_code == 404
    other = client.post("/api/v1/workers", json={**WORKER, "grids": [GRID_D]}, headers=office)
    assert other.status_code == 400 and GRID_D in other.get_json()["error"]["message"]
    assert client.post(f"/api/v1/workers/{town['D_full']}/leave", json={
        "from": "2026-12-01"}, headers=office).status_code == 404
    own = client.post(f"/api/v1/workers/{town['A_full']}/leave", json={
        "from": "2026-12-01", "substitute": town["D_full"]}, headers=office)
    assert own.status_code == 400  # a substitute from another community
    export = client.get("/api/v1/people/workers/export", headers=office).get_data(as_text=True)
    assert "张伟" in export and "赵敏" not in export  # 赵敏 serves grid D of community 2
    assert client.put("/api/v1/users/office1/access", json={"role": "admin", "communities": []},
                      headers=office).status_code == 403


def serving(client, headers, grid):
    rows = client.get("/api/v1/stats/coverage", headers=headers).get_json()["rows"]
    return next(r["serving"] for r in rows if r["grid_code"] == grid)


def test_coverage_counts_a_registration_only_once_confirmed(client, office, admin):
    assert serving(client, admin, GRID_A) == 0
    form = client.get("/api/v1/reports/form").get_json()["form_token"]
    sent = client.post("/api/v1/party/registrations", json={
        "name": "周在职", "work_unit": "区卫生健康委员会", "phone": "13600002222",
        "community": COMMUNITY_1, "serving_grid": GRID_A, "form_token": form})
    assert sent.status_code == 202, sent.get_json()
    assert "周在职" not in sent.get_data(as_text=True)
    assert serving(client, admin, GRID_A) == 0  # pending: not counted
    pending = client.get("/api/v1/party/members?status=pending", headers=office).get_json()
    (member,) = pending["items"]
    assert (member["name"], member["kind"], member["status"]) == ("周在职", "in_service",
                                                                   "pending")
    path = f"/api/v1/party/members/{member['id']}"
    etag = client.get(path, headers=office).headers["ETag"]
    decided = client.post(f"{path}/registration", json={"action": "confirm"},
                          headers={**office, "If-Match": etag})
    assert decided.status_code == 200 and decided.get_json()["decided_by"] == "office1"
    assert serving(client, admin, GRID_A) == 1
    again = client.post(f"{path}/registration", json={"action": "decline"},
                        headers={**office, "If-Match": decided.headers["ETag"]})
    assert again.status_code == 409


def test_a_declined_registration_never_counts(client, office, admin):
    created = client.post("/api/v1/party/members", json={
        "name": "吴在职", "kind": "in_service", "work_unit": "区税务局",
        "serving_grid": GRID_A}, headers=office)
    assert created.status_code == 201 and created.get_json()["status"] == "confirmed"
    assert serving(client, admin, GRID_A) == 1
    etag = created.headers["ETag"]
    left = client.patch(f"/api/v1/party/members/{created.get_json()['id']}",
                        json={"left_on": "2026-01-01"}, headers={**office, "If-Match": etag})
    assert left.status_code == 200
    assert serving(client, admin, GRID_A) == 0  # left: no longer counted


def test_changing_an_accounts_role_and_limits_ends_its_sessions(client, admin, make_user,
                                                               conn):
    from tests.support.auth import login

    name, password = make_user("li", "viewer")
    assert login(client, name, password).status_code == 302
    changed = client.put("/api/v1/users/li/access", json={
        "role": "community_admin", "communities": [COMMUNITY_1]}, headers=admin)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json() == {"username": "li", "role": "community_admin",
                                  "communities": [COMMUNITY_1], "sessions_ended": 1}
    assert client.get("/api/v1/workers").status_code == 401  # the old session is over
    entry = conn.execute(text("SELECT before, after FROM audit_log WHERE action ="
                              " 'user.access'")).one()
    assert entry.before == {"role": "viewer", "communities": []}
    bad = client.put("/api/v1/users/li/access", json={"role": "boss", "communities": []},
                     headers=admin)
    assert bad.status_code == 400


def test_the_users_page_changes_an_accounts_access(client, make_user, conn, town):
    from tests.support.auth import csrf_token, login

    name, password = make_user("root", "admin")
    make_user("li", "viewer")
    assert login(client, name, password).status_code == 302
    page = client.get("/admin/users").get_data(as_text=True)
    assert "/admin/users/li/access" in page
    answer = client.post("/admin/users/li/access", data={
        "role": "community_admin", "communities": COMMUNITY_1,
        "csrf_token": csrf_token(client)})
    assert answer.status_code == 302
    assert conn.execute(text("SELECT u.role, c.code FROM users u JOIN user_communities uc"
                             " ON uc.user_id = u.id JOIN communities c ON c.id ="
                             " uc.community_id WHERE u.username = 'li'")).one() == (
        "community_admin", COMMUNITY_1)


def test_unpublished_workers_are_not_on_the_public_grid_either(client, admin, town):
    client.post("/api/v1/workers", json={**WORKER, "publish": False}, headers=admin)
    body = client.get(f"/api/v1/grids/{town['A']}").get_data(as_text=True)
    assert "张伟" in body and "钱多多" not in body and "13700001111" not in body
