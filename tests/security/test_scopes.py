"""Community limits on the routes that once ignored them (issue 18, findings 1–3): a
caller limited to community 1 of the incident town sees no row, and no count, of
community 2."""

import pytest
from sqlalchemy import text

from geo.places.assign import assign_incidents
from tests.support.geometries import COMMUNITY_1, insert_incident

pytestmark = pytest.mark.town("incidents")


@pytest.fixture
def town(town, conn):
    """The incident town with one incident in each community (A in 1, D in 2)."""
    ids = town
    ids["in_1"] = insert_incident(conn, 1, 1)
    ids["in_2"] = insert_incident(conn, 5, 1)
    conn.execute(text("UPDATE incidents SET description = 'desc-' || id"))
    assign_incidents(conn, snap_meters=50)
    return ids


@pytest.mark.parametrize("role", ["viewer", "member", "dispatcher", "admin"])
def test_open311_requests_stay_in_the_key_holders_communities(client, town, staff, make_token,
                                                              role):
    staff("limited", role, [COMMUNITY_1])
    key = make_token("limited")
    listed = client.get(f"/open311/v2/requests.json?api_key={key}").get_json()
    assert {r["service_request_id"] for r in listed} == {str(town["in_1"])}
    both = f"{town['in_1']},{town['in_2']}"
    by_id = client.get(f"/open311/v2/requests.json?api_key={key}&service_request_id={both}")
    assert [r["service_request_id"] for r in by_id.get_json()] == [str(town["in_1"])]
    assert client.get(f"/open311/v2/requests/{town['in_2']}.json?api_key={key}"
                      ).status_code == 404
    assert client.get(f"/open311/v2/requests/{town['in_1']}.json?api_key={key}"
                      ).status_code == 200


def test_open311_unlimited_key_sees_every_community(client, town, staff, make_token):
    staff("everyone", "dispatcher")
    key = make_token("everyone")
    listed = client.get(f"/open311/v2/requests.json?api_key={key}").get_json()
    assert {r["service_request_id"] for r in listed} == {str(town["in_1"]), str(town["in_2"])}


@pytest.mark.parametrize("path", ["/api/v1/buildings/assignment.csv", "/api/v1/buildings.csv",
                                  "/api/v1/buildings.geojson"])
def test_building_downloads_stay_in_the_callers_communities(client, town, staff, path):
    limited = client.get(path, headers=staff("limited", "member", [COMMUNITY_1]))
    assert limited.status_code == 200
    body = limited.get_data(as_text=True)
    assert "1101010010010010001" in body and "1101010010010010002" in body
    assert "1101010010020010001" not in body  # the building of community 2
    everyone = client.get(path, headers=staff("everyone", "member")).get_data(as_text=True)
    assert "1101010010020010001" in everyone


def test_building_geopackage_stays_in_the_callers_communities(client, town, staff, tmp_path):
    import pyogrio

    limited = client.get("/api/v1/buildings.gpkg",
                         headers=staff("limited", "member", [COMMUNITY_1]))
    path = tmp_path / "b.gpkg"
    path.write_bytes(limited.get_data())
    codes = set(pyogrio.read_dataframe(path)["code"])
    assert codes == {"1101010010010010001", "1101010010010010002"}


def test_plan_impact_counts_only_the_plans_community(client, town, make_user, make_token):
    from tests.support.geometries import GRID_A, GRID_B, GRID_C
    from tests.support.plans import box, collection, feature, new_plan, planner_headers, put_grids

    headers = planner_headers(make_user, make_token, [COMMUNITY_1])
    plan, etag = new_plan(client, headers)
    # Grid A drawn over the whole town, community 2 included.
    city = collection(feature(GRID_A, "第一网格", box(0, 0, 8, 2)),
                      feature(GRID_B, "第二网格", box(2, 0, 4, 1)),
                      feature(GRID_C, "第三网格", box(2, 1, 4, 2)))
    assert put_grids(client, headers, plan["id"], etag, city).status_code == 200
    base = f"/api/v1/plans/{plan['id']}"
    impact = client.get(base + "/impact", headers=headers).get_json()
    after = {g["code"]: g["after"] for g in impact["grids"]}
    assert after[GRID_A]["open_incidents"] == 1  # in_1 only; in_2 lies in community 2
    assert after[GRID_A]["incidents_90d"] == 1
    assert after[GRID_A]["buildings"] == 2
    assert impact["totals"]["after"]["open_incidents"] == 1
    assert {m["id"] for m in impact["incidents_moved"]} <= {town["in_1"]}
    changeset = client.get(base + "/changeset?format=csv", headers=headers)
    assert "1101010010020010001" not in changeset.get_data(as_text=True)
    kinds = {f["kind"] for f in client.get(base + "/check", headers=headers)
             .get_json()["findings"]}
    assert "outside" in kinds  # an error: such a plan cannot be published
