"""Publishing a plan that moves one building on the demo city leaves every other grid exactly
as it was (issue 26: every grid was marked 调整, compactness fell 0.85 → 0.63 and an
unrelated incident moved), and the publish and the impact give one count of buildings."""

import pytest
from sqlalchemy import text

from tests.support.plans import planner_headers


@pytest.fixture
def demo(runner, conn):
    assert runner.invoke(args=["demo", "--size", "small"]).exit_code == 0
    return conn


def grids_now(conn, community_id):
    return {r.code: r for r in conn.execute(text(
        "SELECT id, code, ST_AsEWKB(geom) AS wkb, valid_from FROM grids"
        " WHERE community_id = :c AND valid_to IS NULL"), {"c": community_id})}


def located(conn, community_id):
    return dict(conn.execute(text(
        "SELECT l.incident_id, l.grid_id FROM incident_locations l JOIN incidents i"
        " ON i.id = l.incident_id WHERE l.community_id = :c"), {"c": community_id}).all())


def building_grids(conn, community_id):
    return dict(conn.execute(text("SELECT id, grid_id FROM buildings WHERE community_id = :c"),
                             {"c": community_id}).all())


def a_building_at_a_border(conn):
    """A building and a neighbouring grid of its community (the nearest other grid)."""
    return conn.execute(text("""
        SELECT b.code AS building, b.community_id, c.code AS community, g.code AS from_grid,
               n.code AS to_grid
          FROM buildings b JOIN grids g ON g.id = b.grid_id JOIN communities c
            ON c.id = b.community_id
          JOIN grids n ON n.community_id = b.community_id AND n.valid_to IS NULL
           AND n.id <> g.id AND ST_DWithin(n.geom, b.geom, 0.0003)
         ORDER BY ST_Distance(n.geom, b.geom), b.code LIMIT 1""")).one()


def test_publishing_one_moved_building_leaves_the_other_grids_as_they_were(
        client, make_user, make_token, demo):
    conn = demo
    planner = planner_headers(make_user, make_token)
    pick = a_building_at_a_border(conn)
    grids_before = grids_now(conn, pick.community_id)
    incidents_before = located(conn, pick.community_id)
    homes_before = building_grids(conn, pick.community_id)
    created = client.post("/api/v1/plans", headers=planner, json={
        "community": pick.community, "name": "一栋楼", "source": "current"})
    assert created.status_code == 201, created.get_json()
    plan_id, etag = created.get_json()["id"], created.headers["ETag"]
    patched = client.patch(f"/api/v1/plans/{plan_id}/assignments", headers={
        **planner, "If-Match": etag}, json={"assignments": [
            {"building": pick.building, "grid": pick.to_grid}]})
    assert patched.status_code == 200, patched.get_json()
    derived = client.post(f"/api/v1/plans/{plan_id}/derive", headers={
        **planner, "If-Match": patched.headers["ETag"]})
    assert derived.status_code == 200, derived.get_json()

    impact = client.get(f"/api/v1/plans/{plan_id}/impact", headers=planner).get_json()
    status = {g["code"]: g["status"] for g in impact["grids"]}
    touched = {pick.from_grid, pick.to_grid}
    assert {c for c, s in status.items() if s != "unchanged"} == touched, status
    assert [m["code"] for m in impact["buildings_moved"]] == [pick.building]

    published = client.post(f"/api/v1/plans/{plan_id}/publish", headers={
        **planner, "If-Match": derived.headers["ETag"]})
    assert published.status_code == 200, published.get_json()
    answer = published.get_json()
    assert sorted(answer["grids"]["redrawn"]) == sorted(touched)
    assert answer["buildings_reassigned"] == len(impact["buildings_moved"]) == 1

    grids_after = grids_now(conn, pick.community_id)
    for code, old in grids_before.items():
        if code in touched:
            continue
        new = grids_after[code]
        assert (new.id, bytes(new.wkb), new.valid_from) == (old.id, bytes(old.wkb),
                                                            old.valid_from), code
    untouched_ids = {g.id for c, g in grids_before.items() if c not in touched}
    incidents_after = located(conn, pick.community_id)
    assert {i: g for i, g in incidents_after.items() if g in untouched_ids} == {
        i: g for i, g in incidents_before.items() if g in untouched_ids}
    homes_after = building_grids(conn, pick.community_id)
    changed = {b for b in homes_before if homes_before[b] != homes_after[b]
               and homes_before[b] in untouched_ids}
    assert not changed
