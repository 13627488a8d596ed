"""The application through Debian's PgBouncer in transaction pooling mode (issue 24,
part 2): no startup options (PgBouncer refuses them), no SQL-level prepared statements
(a server connection serves many clients), the session settings still in force."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support.geometries import xy

pytestmark = [pytest.mark.commits, pytest.mark.town("incidents")]


@pytest.fixture
def pooled(make_app, pooler, town):
    return make_app(SQLALCHEMY_DATABASE_URI=pooler.url("gridmap_test"), DATABASE_POOLED=True)


def test_lookup_write_and_queue_work_through_pgbouncer(pooled, staff):
    dispatcher = staff("disp", "dispatcher")
    client = pooled.test_client()
    lon, lat = xy(1, 1)
    # More requests than the pool has server connections, so they are shared.
    for n in range(6):
        found = client.get(f"/api/v1/lookup?lon={lon}&lat={lat}")
        assert found.status_code == 200 and found.get_json()["grid"] is not None
        made = client.post("/api/v1/incidents", headers=dispatcher, json={
            "category": "环境卫生", "description": f"楼道堆放杂物 {n}", "lon": lon, "lat": lat})
        assert made.status_code == 201, made.get_json()
        queue = client.get("/api/v1/incidents?q=楼道堆放杂物", headers=dispatcher)
        assert queue.status_code == 200 and queue.get_json()["total"] == n + 1
        assert client.get("/api/v1/geocode?q=1").status_code == 200


def test_the_role_settings_reach_connections_through_the_pooler(pooled):
    from app.extensions import db

    with pooled.app_context(), db.engine.connect() as conn:
        timeout = conn.execute(text("SHOW statement_timeout")).scalar()
        zone = conn.execute(text("SHOW timezone")).scalar()
    assert (timeout, zone) == ("15s", "UTC")
    assert "options" not in pooled.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
