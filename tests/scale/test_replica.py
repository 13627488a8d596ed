"""Reads on a real streaming standby (issue 24, part 1): the read paths served from it,
read-your-writes, and the fall back to the primary when it is stopped or lagging."""

from __future__ import annotations

import time

import pytest
import scaletools
from sqlalchemy import text

from app.plumbing import readdb
from tests.scale.conftest import replayed, sql
from tests.support.auth import bearer
from tests.support.geometries import COMMUNITY_1, insert_incident, xy

pytestmark = [pytest.mark.commits, pytest.mark.town("incidents")]
LON, LAT = xy(1, 1)  # inside GRID_A
LOOKUP = f"/api/v1/lookup?lon={LON}&lat={LAT}"


@pytest.fixture
def on_replica(make_app, standby, pg_cluster, town):
    """An app reading from the standby (its state asked on every read), the town replayed."""
    def make(**settings):
        app = make_app(READ_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{standby.port}"
                                         "/gridmap_test",
                       READ_CHECK_SECONDS=0, READ_RETRY_SECONDS=0.5, **settings)
        replayed(pg_cluster[0], standby.port)
        return app

    yield make
    sql(standby.port, "SELECT pg_wal_replay_resume()")


def rename_community(conn, name: str) -> None:
    conn.execute(text("UPDATE communities SET name = :n WHERE code = :c"),
                 {"n": name, "c": COMMUNITY_1})


def community_name(client, headers=None) -> str:
    answer = client.get(LOOKUP, headers=headers or {})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["community"]["name"]


def test_the_read_paths_are_served_from_the_replica(on_replica, standby, conn, staff):
    app = on_replica(READ_MAX_LAG_SECONDS=3600)
    dispatcher = staff("disp", "dispatcher")
    before = community_name(app.test_client())
    sql(standby.port, "SELECT pg_wal_replay_pause()")
    rename_community(conn, "改名社区")  # on the primary; the paused standby has not seen it
    insert_incident(conn, 1, 1)
    total = conn.execute(text("SELECT count(*) FROM incidents")).scalar()
    client = app.test_client()
    assert community_name(client) == before  # the anonymous lookup (short path)
    grids = client.get(f"/api/v1/grids?community={COMMUNITY_1}").get_json()
    assert {f["properties"]["community_name"] for f in grids["features"]} == {before}
    box = ",".join(map(str, (*xy(0, 0), *xy(4, 4))))
    for path in (f"/api/v1/outlines/grids?bbox={box}&zoom=16",
                 f"/api/v1/outlines/communities?bbox={box}&zoom=16",
                 f"/api/v1/buildings?bbox={box}"):
        assert client.get(path).status_code == 200, path
    queue = client.get("/api/v1/incidents?limit=1", headers=dispatcher).get_json()
    assert queue["total"] == total - 1  # the standby's queue: without the new incident
    assert client.get("/api/v1/stats/caseload", headers=dispatcher).status_code == 200
    sql(standby.port, "SELECT pg_wal_replay_resume()")


def test_with_the_replica_stopped_every_lookup_still_answers(on_replica, standby, pg_cluster,
                                                           make_user, make_token):
    app = on_replica()
    admin = bearer((make_user("root", "admin"), make_token("root"))[1])
    client = app.test_client()
    assert client.get("/healthz", headers=admin).get_json()["replica"]["state"] == "ok"
    scaletools.stop_server(standby.datadir)
    try:
        started = time.monotonic()
        statuses = [client.get(LOOKUP).status_code for _ in range(10)]
        statuses += [client.get(LOOKUP, headers=admin).status_code for _ in range(10)]
        assert statuses == [200] * 20
        assert time.monotonic() - started < 10  # no connect timeout per request
        health = client.get("/healthz", headers=admin)
        assert health.status_code == 200 and health.get_json()["replica"]["state"] == "down"
        assert "replica" not in client.get("/healthz").get_json()  # operators only
    finally:
        scaletools.start_server(standby.datadir)
    replayed(pg_cluster[0], standby.port)
    time.sleep(0.6)  # READ_RETRY_SECONDS: then the replica is asked again
    assert client.get(LOOKUP).status_code == 200
    assert client.get("/healthz", headers=admin).get_json()["replica"]["state"] == "ok"


def test_an_account_reads_its_own_write_the_public_lookup_stays_on_the_replica(
        on_replica, standby, conn, staff):
    app = on_replica(READ_MAX_LAG_SECONDS=3600)
    dispatcher = staff("disp", "dispatcher")
    writer, other, public = app.test_client(), app.test_client(), app.test_client()
    before = writer.get("/api/v1/incidents?limit=1", headers=dispatcher).get_json()["total"]
    sql(standby.port, "SELECT pg_wal_replay_pause()")
    lon, lat = xy(1, 1)
    made = writer.post("/api/v1/incidents", headers=dispatcher, json={
        "category": "环境卫生", "description": "楼道堆放杂物", "lon": lon, "lat": lat})
    assert made.status_code == 201, made.get_json()
    assert writer.get_cookie("gridmap_lsn") is not None
    # The writer sees its write (the primary), the other client not yet (the replica).
    assert writer.get("/api/v1/incidents?limit=1", headers=dispatcher).get_json()[
        "total"] == before + 1
    assert other.get("/api/v1/incidents?limit=1", headers=dispatcher).get_json()[
        "total"] == before
    rename_community(conn, "改名社区")
    assert community_name(public) != "改名社区"
    sql(standby.port, "SELECT pg_wal_replay_resume()")


def test_a_lagging_replica_sends_reads_to_the_primary(on_replica, standby, conn, make_user,
                                                      make_token):
    app = on_replica(READ_MAX_LAG_SECONDS=1)
    admin = bearer((make_user("root", "admin"), make_token("root"))[1])
    client = app.test_client()
    sql(standby.port, "SELECT pg_wal_replay_pause()")
    rename_community(conn, "改名社区")  # received by the standby, not replayed
    time.sleep(1.5)
    assert community_name(client) == "改名社区"  # from the primary
    replica = client.get("/healthz", headers=admin).get_json()["replica"]
    assert replica["state"] == "lagging" and replica["lag_seconds"] > 1
    assert app.extensions[readdb.REPLICA].status.state == "lagging"
    sql(standby.port, "SELECT pg_wal_replay_resume()")
