"""The application through Debian's PgBouncer in transaction pooling mode (issue 24,
part 2): no startup options (PgBouncer refuses them), no SQL-level prepared statements
(a server connection serves many clients), the session settings still in force."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.scale.conftest import sql
from tests.support.geometries import xy

pytestmark = [pytest.mark.commits, pytest.mark.town("incidents")]


@pytest.fixture
def pooled(make_app, pooler, town, pg_cluster):
    """The app through the pooler, after its `flask db upgrade` (through the pooler too:
    the role's session defaults are made then); the defaults removed afterwards."""
    from flask_migrate import upgrade

    app = make_app(SQLALCHEMY_DATABASE_URI=pooler.url("gridmap_test"), DATABASE_POOLED=True)
    with app.app_context():
        upgrade()
    # Role defaults apply to sessions started later: the pooler's open server
    # connections are renewed (PgBouncer's RECONNECT, as an operator would after the
    # first upgrade with DATABASE_POOLED).
    sql(pooler.port, "RECONNECT", db="pgbouncer")
    yield app
    sql(pg_cluster[0], "ALTER ROLE CURRENT_USER IN DATABASE gridmap_test RESET ALL")


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
    # No SELECT 1 at each checkout behind the pooler (it checks its server connections).
    with pooled.app_context():
        assert db.engine.pool._pre_ping is False


def test_direct_connections_carry_the_settings_as_startup_options(app):
    from app.extensions import db

    assert "statement_timeout=15000" in (
        app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"])
    assert db.engine.pool._pre_ping  # connected directly: a restart is found at checkout
    with db.engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "15s"
