"""Who may do what: the role table, community limits, private reporter fields."""

import pytest
from sqlalchemy import text

from geo.places.assign import assign_incidents
from tests.support.auth import bearer, csrf_token, login
from tests.support.geometries import (
    COMMUNITY_1,
    COMMUNITY_2,
    insert_community,
    insert_grid,
    insert_incident,
)
from tests.support.towns import add_member

OTHER_STREET = "110101002001"  # a community of another street (110101002)


@pytest.fixture
def city(town, conn):
    """The named town plus a community in another street, one incident in each place."""
    ids = town
    ids["E"] = insert_community(conn, OTHER_STREET, "北新桥社区", (8, 0, 10, 2))
    insert_grid(conn, OTHER_STREET + "001", "北新桥第一网格", ids["E"], (8, 0, 10, 2))
    ids["in_a"] = insert_incident(conn, 1, 1)
    ids["in_d"] = insert_incident(conn, 5, 1)
    ids["in_e"] = insert_incident(conn, 9, 1)
    conn.execute(text("UPDATE incidents SET reporter_name = '举报人', reporter_phone = "
                      "'13900000009'"))
    assign_incidents(conn, snap_meters=50)
    return ids


# role → (GET incidents, PATCH grid, GET audit, GET /admin/users)
EXPECTED = {
    "admin": (200, 200, 200, 200),
    "planner": (200, 200, 403, 403),
    "dispatcher": (200, 403, 403, 403),
    "member": (200, 403, 403, 403),
    "viewer": (200, 403, 403, 403),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_table(client, city, make_user, make_token, role):
    make_user("someone", role)
    auth = bearer(make_token("someone"))
    got = (client.get("/api/v1/incidents", headers=auth).status_code,
           client.patch(f"/api/v1/grids/{city['A']}", json={"name": "改名"},
                        headers=auth).status_code,
           client.get("/api/v1/audit", headers=auth).status_code,
           client.get("/admin/users", headers=auth).status_code)
    assert got == EXPECTED[role]


def test_anonymous_callers_get_401_on_staff_api(client, city):
    for method, url in (("get", "/api/v1/incidents"), ("get", f"/api/v1/incidents/{city['in_a']}"),
                        ("get", "/api/v1/audit"), ("patch", f"/api/v1/grids/{city['A']}")):
        response = getattr(client, method)(url, json={"name": "x"} if method == "patch" else None)
        assert response.status_code == 401, url


def test_a_dispatcher_of_one_street_sees_only_its_incidents(client, city, make_user, make_token):
    from app.extensions import db
    from app.security import accounts

    ids = accounts.community_ids((), ["110101001"])
    accounts.create_user("east", "dispatcher", password="correct-horse-1", communities=ids,
                         min_length=10)
    db.session.commit()
    auth = bearer(make_token("east"))
    listed = client.get("/api/v1/incidents", headers=auth).get_json()
    assert {i["id"] for i in listed["incidents"]} == {city["in_a"], city["in_d"]}
    assert listed["total"] == 2
    assert client.get(f"/api/v1/incidents/{city['in_a']}", headers=auth).status_code == 200
    other = client.get(f"/api/v1/incidents/{city['in_e']}", headers=auth)
    assert other.status_code == 404
    assert "among the communities you may see" in other.get_json()["error"]["message"]
    filtered = client.get(f"/api/v1/incidents?community={OTHER_STREET}", headers=auth)
    assert filtered.get_json()["total"] == 0


def test_a_member_limited_to_a_community_cannot_read_the_next_one(client, city, make_user,
                                                                   make_token, conn):
    make_user("worker", "member", communities=[COMMUNITY_2])
    # A grid worker reads the incidents of their tasks (issue 20): this one serves grid D.
    conn.execute(text("UPDATE users SET grid_member_id = :m WHERE username = 'worker'"),
                 {"m": add_member(conn, "赵敏", "full_time", city["D"])})
    auth = bearer(make_token("worker"))
    assert client.get(f"/api/v1/incidents/{city['in_a']}", headers=auth).status_code == 404
    assert client.get(f"/api/v1/incidents/{city['in_d']}", headers=auth).status_code == 200


def test_reporter_details_only_for_dispatchers_and_admins(client, city, make_user, make_token):
    for role in ("dispatcher", "viewer", "planner", "member"):
        make_user(role, role)
        body = client.get(f"/api/v1/incidents/{city['in_a']}",
                          headers=bearer(make_token(role))).get_data(as_text=True)
        shown = "13900000009" in body and "举报人" in body
        assert shown == (role == "dispatcher"), role


@pytest.mark.parametrize("role, status", [("viewer", 403), ("planner", 403),
                                          ("dispatcher", 200), ("admin", 200)])
def test_acting_on_an_incident_needs_incidents_work(client, city, conn, make_user, make_token,
                                                   role, status):
    """The door is the permission: a role without it is refused before its body is read."""
    make_user("actor", role)
    auth, path = bearer(make_token("actor")), f"/api/v1/incidents/{city['in_a']}/actions"
    assert client.post(path, json={}, headers=auth).status_code == (status if status == 403
                                                                     else 400)
    response = client.post(path, json={"action": "note", "note": "看过了"}, headers=auth)
    assert response.status_code == status, response.get_json()
    notes = conn.execute(text("SELECT count(*) FROM incident_events WHERE action = 'note'"
                              " AND incident_id = :i"), {"i": city["in_a"]}).scalar()
    assert notes == (status == 200)


def test_limited_staff_see_only_their_communities_on_the_map(client, city, make_user):
    name, password = make_user("east", "viewer", communities=[COMMUNITY_1])
    login(client, name, password)
    page = client.get("/maps/grids").get_data(as_text=True)
    assert COMMUNITY_1 in page and COMMUNITY_2 not in page and OTHER_STREET not in page
    assert client.get(f"/maps/grids?community={COMMUNITY_2}").status_code == 404


def test_cookie_writes_need_the_csrf_header(client, city, make_user):
    name, password = make_user("planner", "planner")
    login(client, name, password)
    url = f"/api/v1/grids/{city['A']}"
    refused = client.patch(url, json={"name": "无令牌"})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    accepted = client.patch(url, json={"name": "有令牌"},
                            headers={"X-CSRFToken": csrf_token(client)})
    assert accepted.status_code == 200


@pytest.mark.parametrize("body, status", [
    ({"name": ""}, 400), ({"name": "x" * 201}, 400), ({"name": 5}, 400),
    ({"geom": "POINT(0 0)"}, 400), ({}, 400), ([], 400), ({"name": "a\x00b"}, 400),
])
def test_bad_grid_changes_are_400_and_change_nothing(client, city, conn, make_user, make_token,
                                                    body, status):
    make_user("planner", "planner")
    auth = bearer(make_token("planner"))
    response = client.patch(f"/api/v1/grids/{city['A']}", json=body, headers=auth)
    assert response.status_code == status
    assert conn.execute(text("SELECT name FROM grids WHERE id = :i"),
                        {"i": city["A"]}).scalar() == "第一网格"


def test_past_grid_versions_cannot_change(client, city, conn, make_user, make_token):
    old = insert_grid(conn, "110101001001009", "旧网格", city["C1"], (0, 0, 1, 1),
                      valid_to="2020-01-01")
    make_user("planner", "planner")
    response = client.patch(f"/api/v1/grids/{old}", json={"name": "x"},
                            headers=bearer(make_token("planner")))
    assert response.status_code == 409
