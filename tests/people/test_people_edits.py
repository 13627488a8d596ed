"""Leave rows and party organisations can be changed and removed: If-Match (428/412),
the checks of a new one, audited, confined to the caller's communities (404 outside),
and an organisation with members or children is refused (409)."""

import pytest
from sqlalchemy import text

from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_B, GRID_D

pytestmark = pytest.mark.town("incidents")


@pytest.fixture
def admin(staff, town):
    return staff("boss", "admin")


@pytest.fixture
def office(staff, town):
    return staff("office1", "community_admin", [COMMUNITY_1])


def audit_actions(conn, entity, ident):
    return [r[0] for r in conn.execute(text(
        "SELECT action FROM audit_log WHERE entity = :e AND entity_id = :i ORDER BY id"),
        {"e": entity, "i": str(ident)})]


def test_a_leave_is_changed_and_removed_with_if_match(client, office, town, conn):
    worker = town["A_full"]
    created = client.post(f"/api/v1/workers/{worker}/leave", json={"from": "2026-12-10"},
                          headers=office)
    assert created.status_code == 201
    leave, etag = created.get_json()["id"], created.headers["ETag"]
    path = f"/api/v1/workers/{worker}/leave/{leave}"
    assert client.patch(path, json={"to": "2026-12-12"}, headers=office).status_code == 428
    changed = client.patch(path, json={"to": "2026-12-12", "substitute": town["A_chief"]},
                           headers={**office, "If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["starts_on"], body["ends_on"], body["substitute_id"]) == (
        "2026-12-10", "2026-12-12", town["A_chief"])
    stale = client.patch(path, json={"note": "x"}, headers={**office, "If-Match": etag})
    assert stale.status_code == 412
    calendar = client.get("/api/v1/workers/leave?month=2026-12-01", headers=office).get_json()
    (row,) = [r for r in calendar["leave"] if r["id"] == leave]
    assert row["etag"] == changed.headers["ETag"]
    assert client.delete(path, headers={**office, "If-Match": etag}).status_code == 412
    gone = client.delete(path, headers={**office, "If-Match": row["etag"]})
    assert gone.status_code == 204
    assert conn.execute(text("SELECT count(*) FROM worker_leave WHERE id = :i"),
                        {"i": leave}).scalar() == 0
    assert audit_actions(conn, "worker", worker)[-3:] == [
        "worker.leave", "worker.leave_update", "worker.leave_delete"]
    assert client.patch(path, json={"note": "x"},
                        headers={**office, "If-Match": "*"}).status_code == 404


@pytest.mark.parametrize(("body", "param"), [
    ({"to": "2026-12-01"}, "to"),              # before from
    ({"from": None}, "from"),
    ({"substitute": "someone"}, "substitute"),
])
def test_a_bad_leave_change_is_400_and_writes_nothing(client, office, town, conn, body,
                                                      param):
    worker = town["A_full"]
    created = client.post(f"/api/v1/workers/{worker}/leave", json={"from": "2026-12-10"},
                          headers=office)
    path = f"/api/v1/workers/{worker}/leave/{created.get_json()['id']}"
    answer = client.patch(path, json=body, headers={**office, "If-Match": created.headers[
        "ETag"]})
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["error"]["details"]["param"] == param
    assert conn.execute(text("SELECT starts_on::text, ends_on FROM worker_leave WHERE id = :i"),
                        {"i": created.get_json()["id"]}).one() == ("2026-12-10", None)


def test_another_communitys_leave_is_404_and_a_foreign_substitute_400(client, office,
                                                                      admin, town):
    other = client.post(f"/api/v1/workers/{town['D_full']}/leave",
                        json={"from": "2026-12-10"}, headers=admin)
    path = f"/api/v1/workers/{town['D_full']}/leave/{other.get_json()['id']}"
    headers = {**office, "If-Match": other.headers["ETag"]}
    assert client.patch(path, json={"note": "x"}, headers=headers).status_code == 404
    assert client.delete(path, headers=headers).status_code == 404
    # The leave id under a worker of one's own community is not found either.
    mixed = f"/api/v1/workers/{town['A_full']}/leave/{other.get_json()['id']}"
    assert client.delete(mixed, headers=headers).status_code == 404
    own = client.post(f"/api/v1/workers/{town['A_full']}/leave",
                      json={"from": "2026-12-10"}, headers=office)
    sub = client.patch(f"/api/v1/workers/{town['A_full']}/leave/{own.get_json()['id']}",
                       json={"substitute": town["D_full"]},
                       headers={**office, "If-Match": own.headers["ETag"]})
    assert sub.status_code == 400 and sub.get_json()["error"]["details"]["param"] == "substitute"


def org(client, headers, **body):
    created = client.post("/api/v1/party/orgs", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"], created.headers["ETag"]


def test_an_organisation_is_changed_and_removed(client, office, conn):
    parent, _ = org(client, office, name="景山社区党委", level="community_committee",
                    community=COMMUNITY_1)
    branch, etag = org(client, office, name="第一支部", level="grid_branch", grid=GRID_A)
    path = f"/api/v1/party/orgs/{branch}"
    assert client.patch(path, json={"name": "x"}, headers=office).status_code == 428
    changed = client.patch(path, json={"name": "第二网格党支部", "grid": GRID_B,
                                       "parent": parent}, headers={**office, "If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["name"], body["grid"], body["parent"], body["community"]) == (
        "第二网格党支部", GRID_B, parent, COMMUNITY_1)
    assert client.patch(path, json={"name": "y"},
                        headers={**office, "If-Match": etag}).status_code == 412
    listed = client.get("/api/v1/party/orgs", headers=office).get_json()["orgs"]
    assert next(o for o in listed if o["id"] == branch)["etag"] == changed.headers["ETag"]
    # The parent has a child now: refused, saying so.
    top = next(o for o in listed if o["id"] == parent)
    refused = client.delete(f"/api/v1/party/orgs/{parent}",
                            headers={**office, "If-Match": top["etag"]})
    assert refused.status_code == 409 and "child" in refused.get_json()["error"]["message"]
    # Its own child cannot become its parent.
    loop = client.patch(f"/api/v1/party/orgs/{parent}", json={"parent": branch},
                        headers={**office, "If-Match": top["etag"]})
    assert loop.status_code == 400 and loop.get_json()["error"]["details"]["param"] == "parent"
    assert client.delete(path, headers={**office, "If-Match": changed.headers["ETag"]}
                         ).status_code == 204
    assert audit_actions(conn, "party_org", branch) == [
        "party_org.create", "party_org.update", "party_org.delete"]
    assert conn.execute(text("SELECT count(*) FROM party_orgs WHERE id = :i"),
                        {"i": branch}).scalar() == 0


def test_an_organisation_with_members_is_409(client, office, conn):
    branch, etag = org(client, office, name="第一支部", level="grid_branch", grid=GRID_A)
    member = client.post("/api/v1/party/members", json={
        "name": "周党员", "kind": "resident", "serving_grid": GRID_A, "org": branch},
        headers=office)
    assert member.status_code == 201, member.get_json()
    refused = client.delete(f"/api/v1/party/orgs/{branch}",
                            headers={**office, "If-Match": etag})
    assert refused.status_code == 409
    assert "1 member" in refused.get_json()["error"]["message"]
    assert conn.execute(text("SELECT count(*) FROM party_orgs WHERE id = :i"),
                        {"i": branch}).scalar() == 1


def test_another_communitys_organisation_is_404(client, office, admin):
    theirs, etag = org(client, admin, name="黄图岗支部", level="grid_branch", grid=GRID_D)
    headers = {**office, "If-Match": etag}
    path = f"/api/v1/party/orgs/{theirs}"
    assert client.patch(path, json={"name": "x"}, headers=headers).status_code == 404
    assert client.delete(path, headers=headers).status_code == 404
    mine, mine_etag = org(client, office, name="第一支部", level="grid_branch", grid=GRID_A)
    moved = client.patch(f"/api/v1/party/orgs/{mine}", json={"grid": GRID_D},
                         headers={**office, "If-Match": mine_etag})
    assert moved.status_code == 400 and moved.get_json()["error"]["details"]["param"] == "grid"
