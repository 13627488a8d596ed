"""The route matrix (issue 18, build item 2): every route of ``app.url_map`` × {anonymous,
each role, each role limited to community 1} answers the status the table below expects,
and no limited caller reads a row or a count of community 2.

A route added later without an entry in :data:`ROUTES` fails
:func:`test_every_route_is_in_the_table`.
Writes are sent with an empty body: the matrix checks who gets past the door (401, 403 or
the handler's own answer), not what the write does; their effects are tested elsewhere.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from app.security.roles import PERMISSIONS
from geo.places.assign import assign_incidents
from tests.support.auth import bearer
from tests.support.geometries import COMMUNITY_1, box_wkt, insert_incident, xy
from tests.support.plans import new_plan

pytestmark = pytest.mark.town("incidents")

PUBLIC, OPEN = "public", "open"  # @public routes; documents open to anyone
# (method, rule) → (the permission it needs, or PUBLIC or OPEN; the status of a caller let
# in: writes get an empty body, so 400, 404 or 428 there means "past the door"). A pair
# of statuses for an open route: (anonymous, signed in).
ROUTES: dict[tuple[str, str], tuple[str, int | tuple[int, int]]] = {
    ("GET", "/"): (OPEN, 200),
    ("GET", "/account/password"): (OPEN, (302, 200)),
    ("POST", "/account/password"): (OPEN, (403, 400)),
    ("GET", "/admin/audit"): ("audit:read", 200),
    ("GET", "/admin/categories"): ("users:admin", 200),
    ("GET", "/admin/imports"): ("incidents:write", 200),
    ("POST", "/admin/categories"): ("users:admin", 302),
    ("POST", "/admin/holidays"): ("users:admin", 302),
    ("POST", "/admin/dispatch-catalogue"): ("users:admin", 302),
    ("POST", "/admin/dispatch-catalogue/<int:entry_id>/delete"): ("users:admin", 302),
    ("GET", "/admin/people"): ("people:manage", 302),
    ("GET", "/admin/people/departments"): ("people:manage", 200),
    ("GET", "/admin/people/party"): ("people:manage", 200),
    ("GET", "/admin/people/workers"): ("people:manage", 200),
    ("GET", "/admin/tokens"): ("users:admin", 200),
    ("POST", "/admin/tokens"): ("users:admin", 302),
    ("POST", "/admin/tokens/<int:token_id>/revoke"): ("users:admin", 404),
    ("GET", "/admin/users"): ("users:admin", 200),
    ("POST", "/admin/users"): ("users:admin", 302),
    ("POST", "/admin/users/<username>/<any(disable, enable):change>"): ("users:admin", 404),
    ("POST", "/admin/users/<username>/signout"): ("users:admin", 404),
    ("POST", "/admin/users/<username>/access"): ("users:admin", 302),
    ("POST", "/admin/users/<username>/password"): ("users:admin", 404),
    ("POST", "/admin/users/<username>/worker"): ("users:admin", 302),
    ("GET", "/api/v1/audit"): ("audit:read", 200),
    ("GET", "/api/v1/webhooks"): ("users:admin", 200),
    ("POST", "/api/v1/webhooks"): ("users:admin", 400),
    ("GET", "/api/v1/webhooks/<int:endpoint_id>"): ("users:admin", 404),
    ("PATCH", "/api/v1/webhooks/<int:endpoint_id>"): ("users:admin", 400),
    ("DELETE", "/api/v1/webhooks/<int:endpoint_id>"): ("users:admin", 404),
    ("GET", "/api/v1/webhooks/<int:endpoint_id>/deliveries"): ("users:admin", 404),
    ("GET", "/api/v1/buildings"): (PUBLIC, 200),
    ("GET", "/api/v1/department/incidents"): ("department:work", 200),
    ("GET", "/api/v1/department/incidents/<int:incident_id>"): ("department:work", 404),
    ("GET", "/api/v1/dispatch-catalogue"): ("users:admin", 200),
    ("PUT", "/api/v1/dispatch-catalogue"): ("users:admin", 400),
    ("DELETE", "/api/v1/dispatch-catalogue/<int:entry_id>"): ("users:admin", 404),
    ("GET", "/api/v1/departments"): ("people:manage", 200),
    ("POST", "/api/v1/departments"): ("people:manage", 400),
    ("DELETE", "/api/v1/departments/<int:dept_id>"): ("people:manage", 404),
    ("GET", "/api/v1/departments/<int:dept_id>"): ("people:manage", 404),
    ("PATCH", "/api/v1/departments/<int:dept_id>"): ("people:manage", 400),
    ("GET", "/api/v1/departments/<int:dept_id>/history"): ("people:manage", 404),
    ("GET", "/api/v1/buildings.<ext>"): ("grids:read", 200),
    ("GET", "/api/v1/buildings/assignment.csv"): ("grids:read", 200),
    ("GET", "/api/v1/categories"): (PUBLIC, 200),
    ("PUT", "/api/v1/categories/<code>"): ("users:admin", 400),
    ("GET", "/api/v1/communities"): (PUBLIC, 200),
    ("GET", "/api/v1/communities.<ext>"): (PUBLIC, 200),
    ("GET", "/api/v1/docs"): (OPEN, 200),
    ("GET", "/api/v1/geocode"): (PUBLIC, 200),
    ("GET", "/api/v1/grids"): (PUBLIC, 200),
    ("GET", "/api/v1/grids.<ext>"): (PUBLIC, 200),
    ("GET", "/api/v1/grids/<int:grid_id>"): (PUBLIC, 200),
    ("PATCH", "/api/v1/grids/<int:grid_id>"): ("grids:write", 400),
    ("GET", "/api/v1/holidays"): ("incidents:read", 200),
    ("DELETE", "/api/v1/holidays/<day>"): ("users:admin", 404),
    ("PUT", "/api/v1/holidays/<day>"): ("users:admin", 400),
    ("GET", "/api/v1/incidents"): ("incidents:read", 200),
    ("POST", "/api/v1/incidents"): ("incidents:write", 400),
    ("GET", "/api/v1/incidents/<int:incident_id>"): ("incidents:read", 200),
    ("POST", "/api/v1/incidents/<int:incident_id>/actions"): ("incidents:work", 400),
    ("GET", "/api/v1/incidents/<int:incident_id>/candidates"): ("incidents:write", 200),
    ("POST", "/api/v1/incidents/bulk-actions"): ("incidents:write", 400),
    ("GET", "/api/v1/incidents/assignees"): ("incidents:write", 400),
    ("GET", "/api/v1/incidents/<int:incident_id>/photo"): ("incidents:read", 404),
    ("GET", "/api/v1/incidents/<int:incident_id>/photos/<int:photo_id>"):
        ("incidents:read", 404),
    ("PUT", "/api/v1/incidents/<int:incident_id>/public-note"): ("incidents:write", 400),
    ("POST", "/api/v1/incidents/<int:incident_id>/callbacks"): ("incidents:write", 400),
    ("GET", "/api/v1/incidents/counts"): ("incidents:read", 200),
    ("POST", "/api/v1/incidents/import"): ("incidents:write", 400),
    ("GET", "/api/v1/incidents/import/jobs/<int:job_id>"): ("incidents:write", 404),
    ("GET", "/api/v1/incidents/import/presets"): ("incidents:write", 200),
    ("POST", "/api/v1/incidents/import/presets"): ("incidents:write", 400),
    ("DELETE", "/api/v1/incidents/import/presets/<int:preset_id>"): ("incidents:write", 404),
    ("GET", "/api/v1/incidents/points"): ("incidents:read", 200),
    ("GET", "/api/v1/lookup"): (PUBLIC, 200),
    ("GET", "/api/v1/map/buildings"): ("stats:read", 200),
    ("GET", "/api/v1/me/grids"): ("field:work", 200),
    ("GET", "/api/v1/me/notifications"): ("field:work", 200),
    ("POST", "/api/v1/me/notifications/read"): ("field:work", 400),
    ("GET", "/api/v1/me/tasks"): ("field:work", 200),
    ("GET", "/api/v1/map/caseload"): ("stats:read", 200),
    ("GET", "/api/v1/map/coverage"): ("stats:read", 200),
    ("GET", "/api/v1/map/grids"): ("grids:read", 200),
    ("GET", "/api/v1/map/grids/<int:grid_id>"): ("grids:read", 200),
    ("GET", "/api/v1/map/heat"): ("stats:read", 200),
    ("GET", "/api/v1/map/open"): ("incidents:read", 200),
    ("GET", "/api/v1/openapi.json"): (OPEN, 200),
    ("GET", "/api/v1/outlines/communities"): (PUBLIC, 200),
    ("GET", "/api/v1/overlays"): ("grids:read", 200),
    ("POST", "/api/v1/overlays"): ("grids:write", 400),
    ("DELETE", "/api/v1/overlays/<int:overlay_id>"): ("grids:write", 404),
    ("GET", "/api/v1/overlays/<int:overlay_id>"): ("grids:read", 404),
    ("PATCH", "/api/v1/overlays/<int:overlay_id>"): ("grids:write", 400),
    ("GET", "/api/v1/party/members"): ("people:manage", 200),
    ("POST", "/api/v1/party/members"): ("people:manage", 400),
    ("GET", "/api/v1/party/members/<int:member_id>"): ("people:manage", 404),
    ("PATCH", "/api/v1/party/members/<int:member_id>"): ("people:manage", 400),
    ("GET", "/api/v1/party/members/<int:member_id>/history"): ("people:manage", 404),
    ("POST", "/api/v1/party/members/<int:member_id>/registration"): ("people:manage", 400),
    ("GET", "/api/v1/party/orgs"): ("people:manage", 200),
    ("POST", "/api/v1/party/orgs"): ("people:manage", 400),
    ("PATCH", "/api/v1/party/orgs/<int:org_id>"): ("people:manage", 400),
    ("DELETE", "/api/v1/party/orgs/<int:org_id>"): ("people:manage", 404),
    ("POST", "/api/v1/party/registrations"): (PUBLIC, (403, 400)),
    ("POST", "/api/v1/people/<kind>/import"):
        ("people:manage", 400),
    ("GET", "/api/v1/people/<kind>/export"):
        ("people:manage", 200),
    ("GET", "/api/v1/outlines/grids"): (PUBLIC, 200),
    # Patrols: a worker's own (its members are grid workers; writes with an empty body are
    # refused as such, an unknown patrol is 404); their effects: tests/field.
    ("POST", "/api/v1/patrols"): ("field:work", 400),
    ("GET", "/api/v1/patrols/coverage"): ("patrols:supervise", 200),
    ("GET", "/api/v1/patrols/<int:patrol_id>"): ("incidents:read", 404),
    ("POST", "/api/v1/patrols/<int:patrol_id>/points"): ("field:work", 400),
    ("POST", "/api/v1/patrols/<int:patrol_id>/finish"): ("field:work", 400),
    ("POST", "/api/v1/patrols/<int:patrol_id>/reports"): ("field:work", 400),
    ("GET", "/api/v1/me/patrols"): ("field:work", 200),
    ("GET", "/api/v1/plans"): ("grids:read", 200),
    ("POST", "/api/v1/plans"): ("plans:write", 400),
    ("DELETE", "/api/v1/plans/<int:plan_id>"): ("plans:write", 428),
    ("GET", "/api/v1/plans/<int:plan_id>"): ("grids:read", 200),
    ("PATCH", "/api/v1/plans/<int:plan_id>"): ("plans:write", 400),
    ("GET", "/api/v1/plans/<int:plan_id>/assignments"): ("grids:read", 200),
    ("PATCH", "/api/v1/plans/<int:plan_id>/assignments"): ("plans:write", 400),
    ("PUT", "/api/v1/plans/<int:plan_id>/assignments"): ("plans:write", 400),
    ("POST", "/api/v1/plans/<int:plan_id>/cancel"): ("plans:write", 428),
    ("GET", "/api/v1/plans/<int:plan_id>/changeset"): ("grids:read", 200),
    ("GET", "/api/v1/plans/<int:plan_id>/check"): ("grids:read", 200),
    ("POST", "/api/v1/plans/<int:plan_id>/derive"): ("plans:write", 428),
    ("PATCH", "/api/v1/plans/<int:plan_id>/grids"): ("plans:write", 400),
    ("PUT", "/api/v1/plans/<int:plan_id>/grids"): ("plans:write", 400),
    ("POST", "/api/v1/plans/<int:plan_id>/grids/merge"): ("plans:write", 400),
    ("POST", "/api/v1/plans/<int:plan_id>/grids/move_vertex"): ("plans:write", 400),
    ("POST", "/api/v1/plans/<int:plan_id>/grids/split"): ("plans:write", 400),
    ("GET", "/api/v1/plans/<int:plan_id>/impact"): ("grids:read", 200),
    ("POST", "/api/v1/plans/<int:plan_id>/publish"): ("plans:write", 428),
    ("POST", "/api/v1/plans/auto"): ("plans:write", 400),
    ("POST", "/api/v1/reports"): (PUBLIC, (403, 415)),
    ("GET", "/api/v1/reports/<reference>"): (PUBLIC, 404),
    ("POST", "/api/v1/reports/<reference>/confirmation"): (PUBLIC, (403, 400)),
    ("POST", "/api/v1/reports/<reference>/rating"): (PUBLIC, (403, 400)),
    ("GET", "/api/v1/reports/form"): (PUBLIC, 200),
    ("GET", "/api/v1/stats/caseload"): ("stats:read", 200),
    ("GET", "/api/v1/stats/caseload.csv"): ("stats:read", 200),
    ("GET", "/api/v1/stats/coverage"): ("stats:read", 200),
    ("GET", "/api/v1/stats/evaluation"): ("stats:read", 200),
    ("GET", "/api/v1/stats/evaluation/incidents"): ("stats:read", 400),  # unit, indicator
    ("GET", "/api/v1/stats/evaluation/ranking"): ("stats:read", 200),
    ("GET", "/api/v1/stats/evaluation/trend"): ("stats:read", 200),
    ("GET", "/api/v1/stats/coverage.csv"): ("stats:read", 200),
    ("PUT", "/api/v1/users/<username>/access"): ("users:admin", 400),
    ("GET", "/api/v1/workers"): ("people:manage", 200),
    ("POST", "/api/v1/workers"): ("people:manage", 400),
    ("GET", "/api/v1/workers/<int:worker_id>"): ("people:manage", 404),
    ("PATCH", "/api/v1/workers/<int:worker_id>"): ("people:manage", 400),
    ("DELETE", "/api/v1/workers/<int:worker_id>"): ("people:manage", 404),
    ("GET", "/api/v1/workers/<int:worker_id>/history"): ("people:manage", 404),
    ("POST", "/api/v1/workers/<int:worker_id>/leave"): ("people:manage", 400),
    ("PATCH", "/api/v1/workers/<int:worker_id>/leave/<int:leave_id>"): ("people:manage", 400),
    ("DELETE", "/api/v1/workers/<int:worker_id>/leave/<int:leave_id>"):
        ("people:manage", 404),
    ("GET", "/api/v1/workers/leave"): ("people:manage", 200),
    ("GET", "/department"): ("department:work", 200),
    ("GET", "/dispatch"): ("incidents:write", 200),
    ("GET", "/healthz"): (OPEN, 200),
    ("GET", "/login"): (OPEN, (200, 302)),
    ("POST", "/login"): (OPEN, 403),
    ("POST", "/logout"): (OPEN, (403, 302)),
    ("GET", "/map"): (PUBLIC, 200),
    ("GET", "/map/b/<code>"): (PUBLIC, 200),
    ("GET", "/maps/caseload"): ("stats:read", 200),
    ("GET", "/maps/coverage"): ("stats:read", 200),
    ("GET", "/maps/grids"): ("grids:read", 200),
    ("GET", "/maps/qr"): ("grids:read", 200),
    ("GET", "/ogc/"): (PUBLIC, 200),
    ("GET", "/ogc/api"): (PUBLIC, 200),
    ("GET", "/ogc/collections"): (PUBLIC, 200),
    ("GET", "/ogc/collections/<collection_id>"): (PUBLIC, 200),
    ("GET", "/ogc/collections/<collection_id>/items"): (PUBLIC, 200),
    ("GET", "/ogc/collections/<collection_id>/items/<feature_id>"): (PUBLIC, 200),
    ("GET", "/ogc/collections/<collection_id>/queryables"): (PUBLIC, 200),
    ("GET", "/ogc/conformance"): (PUBLIC, 200),
    ("GET", "/open311/v2/discovery.<fmt>"): (PUBLIC, 200),
    ("GET", "/open311/v2/requests.<fmt>"): (PUBLIC, 200),
    ("POST", "/open311/v2/requests.<fmt>"): (PUBLIC, 403),
    ("GET", "/open311/v2/requests/<request_id>.<fmt>"): (PUBLIC, 200),
    ("GET", "/open311/v2/servicerequestupdates.<fmt>"): (PUBLIC, 200),
    ("GET", "/open311/v2/services.<fmt>"): (PUBLIC, 200),
    ("GET", "/open311/v2/services/<service_code>.<fmt>"): (PUBLIC, 200),
    ("GET", "/open311/v2/tokens/<token_id>.<fmt>"): (PUBLIC, 404),
    ("GET", "/party/register"): (PUBLIC, 200),
    ("GET", "/patrols"): ("patrols:supervise", 200),
    ("GET", "/plans"): ("grids:read", 200),
    ("GET", "/plans/<int:plan_id>"): ("grids:read", 200),
    ("GET", "/static/<path:filename>"): (OPEN, 200),
    ("GET", "/work"): ("grids:read", 200),
    ("GET", "/work/manifest.webmanifest"): (OPEN, 200),
    ("GET", "/work/sw.js"): (OPEN, 200),
}

MARK = "MARK2"  # in every private row of community 2
ROLES = list(PERMISSIONS)
PRINCIPALS = ["anonymous", *ROLES, *(f"{r}@1" for r in ROLES)]


@pytest.fixture
def town(town, conn):
    """The incident town with marked rows in community 2: an incident (address,
    description, reporter), a building's name and address, a worker, a party member, a
    responsibility overlay."""
    ids = town
    ids["in_1"] = insert_incident(conn, 1, 1)
    ids["in_2"] = insert_incident(conn, 5, 1)
    conn.execute(text(
        "UPDATE incidents SET address = :m || '-addr', description = :m || '-desc',"
        " reporter_name = :m || '-name', reporter_phone = '13900000222' WHERE id = :i"),
        {"m": MARK, "i": ids["in_2"]})
    conn.execute(text("UPDATE buildings SET name = :m || '-bldg', address = :m || '-baddr'"
                      " WHERE id = :b"), {"m": MARK, "b": ids["bD"]})
    conn.execute(text("UPDATE grid_members SET name = :m || '-worker' WHERE id = :w"),
                 {"m": MARK, "w": ids["D_full"]})
    conn.execute(text("INSERT INTO party_members (name, kind, home_building_id,"
                      " serving_grid_id, households_linked) VALUES (:n, 'resident', :b, :g, 3)"),
                 {"n": MARK + "-party", "b": ids["bD"], "g": ids["D"]})
    conn.execute(text(
        "INSERT INTO overlays (name, kind, unit, company_name, company_phone, categories,"
        " geom, reach, area_m2, created_by) SELECT :m || '-overlay', 'compound', 'company',"
        " :m || '-company', '13900000333', ARRAY['环境卫生'], g, g, 1, 'test' FROM"
        " (SELECT ST_GeomFromText(:wkt, 4326) AS g) w"),
        {"m": MARK, "wkt": box_wkt(5, 0.5, 7, 1.5)})
    assign_incidents(conn, snap_meters=50)
    return ids


@pytest.fixture
def headers(town, make_user, make_token, client, conn):
    """Headers per principal, and a plan of community 1 (made by an unlimited admin). The
    members are grid workers of grid A (community 1): they read their tasks there only."""
    out = {"anonymous": {}}
    for role in ROLES:
        make_user(f"all-{role}", role)
        out[role] = bearer(make_token(f"all-{role}"))
        make_user(f"one-{role}", role, [COMMUNITY_1])
        out[f"{role}@1"] = bearer(make_token(f"one-{role}"))
    for user, member in (("all-member", town["A_full"]), ("one-member", town["A_chief"])):
        conn.execute(text("UPDATE users SET grid_member_id = :m WHERE username = :u"),
                     {"m": member, "u": user})
    plan, _ = new_plan(client, out["admin"])
    town["plan"] = plan["id"]
    return out


def _fill(rule: str, town: dict) -> str:
    box = "{},{},{},{}".format(*xy(0, 0), *xy(8, 2))
    lon, lat = xy(1, 1)
    filled = {"grid_id": town["A"], "incident_id": town["in_1"], "token_id": 999999,
              "plan_id": town["plan"], "username": "nobody", "change": "disable",
              "filename": "css/gridmap.css", "collection_id": "grids", "feature_id": town["A"],
              "fmt": "json", "service_code": "环境卫生", "request_id": town["in_1"],
              "ext": "csv", "reference": "ABCD-EFGH", "code": "1101010010010010001",
              "day": "2030-01-01", "worker_id": 999999, "member_id": 999999,
              "dept_id": 999999, "kind": "workers", "job_id": 999999, "preset_id": 999999,
              "leave_id": 999999, "org_id": 999999, "photo_id": 999999,
              "patrol_id": 999999, "overlay_id": 999999, "entry_id": 999999,
              "endpoint_id": 999999}
    path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", lambda m: str(filled[m.group(1)]), rule)
    query = {"/api/v1/lookup": f"lon={lon}&lat={lat}", "/api/v1/buildings": f"bbox={box}",
             "/api/v1/geocode": "q=1号楼", "/api/v1/outlines/grids": f"bbox={box}&zoom=16",
             "/api/v1/outlines/communities": f"bbox={box}&zoom=12",
             "/api/v1/map/grids": f"bbox={box}&zoom=16", "/api/v1/map/heat": f"bbox={box}&zoom=16",
             "/api/v1/map/buildings": f"bbox={box}", "/api/v1/map/open": f"bbox={box}"}
    return path + ("?" + query[rule] if rule in query else "")


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, str(rule), app.view_functions[rule.endpoint]


def _expected(method: str, rule: str, who: str) -> int:
    need, ok = ROUTES[(method, rule)]
    if need in (PUBLIC, OPEN):
        return ok if isinstance(ok, int) else ok[who != "anonymous"]
    if who == "anonymous":
        if method != "GET":
            return 403  # a cookie-less write has no CSRF token: refused before sign-in
        return 401 if rule.startswith("/api/") else 302  # pages send you to sign in
    return ok if need in PERMISSIONS[who.split("@")[0]] else 403


def test_every_route_is_in_the_table(app):
    routes = {(method, rule) for method, rule, _ in _routes(app)}
    assert sorted(routes - set(ROUTES)) == [], "add the new routes to ROUTES"
    assert sorted(set(ROUTES) - routes) == [], "remove the routes that are gone"


def test_the_table_agrees_with_the_decorators(app):
    for method, rule, view in _routes(app):
        need, _ = ROUTES[(method, rule)]
        if need == PUBLIC:
            assert getattr(view, "gridmap_public", False), (method, rule)
        elif need != OPEN:
            assert getattr(view, "gridmap_permission", None) == need, (method, rule)


@pytest.mark.parametrize("who", PRINCIPALS)
def test_route_matrix(app, client, town, headers, who):
    """Each route answers ``who`` as the table says; a caller limited to community 1 reads
    nothing of community 2 on any route that is not public."""
    wrong, leaks = [], []
    for method, rule, _ in sorted(_routes(app), key=lambda x: (x[1], x[0])):
        response = client.open(_fill(rule, town), method=method, headers=headers[who])
        body = response.get_data(as_text=True)
        response.close()  # static files are streamed from an open file
        if response.status_code != _expected(method, rule, who):
            wrong.append((method, rule, response.status_code, _expected(method, rule, who)))
        private = ROUTES[(method, rule)][0] not in (PUBLIC, OPEN)
        if who.endswith("@1") and private and (MARK in body or "13900000222" in body):
            leaks.append((method, rule))
    assert wrong == []
    assert leaks == []


def test_the_marks_are_there_to_be_seen(client, town, headers):
    """The unlimited see community 2's marked rows, so the matrix's leak check bites."""
    for path in ("/api/v1/incidents", "/api/v1/buildings.csv",
                 "/api/v1/buildings/assignment.csv", f"/api/v1/incidents/{town['in_2']}"):
        assert MARK in client.get(path, headers=headers["admin"]).get_data(as_text=True), path


@pytest.mark.parametrize("role", [r for r in ROLES if "incidents:read" in PERMISSIONS[r]])
def test_limited_counts_cover_only_their_community(client, town, headers, role):
    auth = headers[f"{role}@1"]
    counts = client.get("/api/v1/incidents/counts", headers=auth).get_json()
    assert counts["open"] == 1, counts  # in_1; in_2 is community 2's
    listed = client.get("/api/v1/incidents", headers=auth).get_json()
    assert listed["total"] == 1
    points = client.get("/api/v1/incidents/points", headers=auth).get_json()
    assert [p[0] for p in points["points"]] == [town["in_1"]]
    requests = client.get("/open311/v2/requests.json?api_key="
                          + auth["Authorization"].split()[1]).get_json()
    assert [r["service_request_id"] for r in requests] == [str(town["in_1"])]
