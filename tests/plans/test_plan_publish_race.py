"""A manual dispatch committed while a plan is being published is kept (issue 18, "likely"
list): publishing locks the community's open incidents before working out their moves."""

import threading

import pytest
from sqlalchemy import text

from tests.support.auth import bearer
from tests.support.geometries import GRID_A, GRID_B, GRID_C, xy
from tests.support.plans import box, collection, feature, new_plan, put_grids

pytestmark = pytest.mark.town("incidents")

# A shrinks to x 0..1, B and C widen: an incident at (1.5, 0.5) moves from A to B.
SHRUNK = collection(feature(GRID_A, "第一网格", box(0, 0, 1, 2)),
                    feature(GRID_B, "第二网格", box(1, 0, 4, 1)),
                    feature(GRID_C, "第三网格", box(1, 1, 4, 2)))


@pytest.mark.commits
def test_a_dispatch_committed_during_a_publish_is_not_lost(app, client, planner, town,
                                                         make_user, make_token):
    from app.extensions import db

    make_user("race-disp", "dispatcher")
    lon, lat = xy(1.5, 0.5)
    created = client.post("/api/v1/incidents", headers=bearer(make_token("race-disp")),
                          json={"category": "环境卫生", "lon": lon, "lat": lat})
    assert created.status_code == 201
    incident = created.get_json()["id"]
    plan, etag = new_plan(client, planner)
    response = put_grids(client, planner, plan["id"], etag, SHRUNK)
    assert response.status_code == 200
    etag, results = response.headers["ETag"], {}

    def publisher():
        results["publish"] = app.test_client().post(
            f"/api/v1/plans/{plan['id']}/publish", headers={**planner, "If-Match": etag})

    with db.engine.connect() as dispatcher:
        tx = dispatcher.begin()  # a dispatcher moves the incident to grid C by hand
        dispatcher.execute(text("UPDATE incident_locations SET grid_id = :g, state = 'moved'"
                                " WHERE incident_id = :i"), {"g": town["C"], "i": incident})
        dispatcher.execute(text("UPDATE incidents SET assignee_id = :w WHERE id = :i"),
                           {"w": town["C_chief"], "i": incident})
        thread = threading.Thread(target=publisher)
        thread.start()
        thread.join(1.0)
        tx.commit()
    thread.join(60)
    assert results["publish"].status_code == 200, results["publish"].get_json()
    with db.engine.connect() as c:
        code, state, assignee = c.execute(text(
            "SELECT g.code, l.state, i.assignee_id FROM incidents i"
            " JOIN incident_locations l ON l.incident_id = i.id JOIN grids g ON g.id = l.grid_id"
            " WHERE i.id = :i"), {"i": incident}).one()
    assert (code, state, assignee) == (GRID_C, "moved", town["C_chief"])
