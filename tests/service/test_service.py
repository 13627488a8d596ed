"""Service-level behaviour: health and recovery, migrations, OpenAPI, error format, JSON."""

import json
import re
import tempfile
from pathlib import Path

import pgcluster
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import request
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.plumbing.jsonprovider import MAX_DEPTH


def test_healthz_is_503_while_the_database_is_down_and_recovers_by_itself():
    datadir = Path(tempfile.mkdtemp(prefix="gridmap-health-pg-"))
    try:
        url = pgcluster.start(datadir, db="health", fast=True)
        client = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"}).test_client()
        assert client.get("/healthz").status_code == 200
        pgcluster.stop(datadir)
        down = client.get("/healthz")
        assert down.status_code == 503
        assert down.get_json()["database"] == "unreachable" and down.get_json()["reason"]
        assert down.headers["Retry-After"]
        pgcluster.start(datadir, db="health", fast=True)
        assert client.get("/healthz").status_code == 200  # pool_pre_ping: no restart needed
    finally:
        pgcluster.destroy(datadir)


def test_reads_recover_after_a_database_restart_without_pre_ping():
    from flask_migrate import upgrade

    datadir = Path(tempfile.mkdtemp(prefix="gridmap-read-pg-"))
    try:
        url = pgcluster.start(datadir, db="reads", fast=True)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})
        with app.app_context():
            upgrade()
        client = app.test_client()
        lookup = "/api/v1/lookup?lon=116.4&lat=39.9"
        assert client.get(lookup).status_code == 404  # empty city: the query ran
        pgcluster.stop(datadir)
        assert client.get(lookup).status_code == 503
        pgcluster.start(datadir, db="reads", fast=True)
        # The pooled connections are dead; the first read retries on a fresh one.
        assert client.get(lookup).status_code == 404
        assert client.get(lookup).status_code == 404
    finally:
        pgcluster.destroy(datadir)


def test_api_is_503_json_when_the_database_is_unreachable():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg2://postgres@127.0.0.1:1/x",
                      "SECRET_KEY": "t"})
    response = app.test_client().get("/api/v1/lookup?lon=116.4&lat=39.9")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"


def test_migrations_upgrade_downgrade_upgrade(pg_cluster):
    from flask_migrate import downgrade, upgrade

    port, _ = pg_cluster
    pgcluster.create_database(port, "gridmap_migrations")
    url = pgcluster.url(port, "gridmap_migrations")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})
    engine = create_engine(url)
    try:
        with app.app_context():
            upgrade()
            tables = set(inspect(engine).get_table_names())
            assert {"grids", "incident_locations", "users"} <= tables
            downgrade(revision="base")
            tables = set(inspect(engine).get_table_names())
            assert tables <= {"alembic_version", "spatial_ref_sys"}
            upgrade()
            assert "grids" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_models_and_migrations_agree(app):
    """Autogenerate against the migrated schema finds nothing: no model change lacks a revision."""
    from app.extensions import db

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "include_object": alembic_helpers.include_object, "compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_polygon_columns_refuse_invalid_geometry(conn):
    bowtie = "MULTIPOLYGON(((116.39 39.9,116.4 39.91,116.4 39.9,116.39 39.91,116.39 39.9)))"
    with pytest.raises(Exception, match="ck_communities_geom_valid"):
        conn.execute(text("INSERT INTO communities (code, name, geom) VALUES"
                          " ('110101001001', 'x', ST_GeomFromText(:w, 4326))"), {"w": bowtie})


def test_current_grid_codes_are_unique_but_old_versions_may_repeat_them(conn):
    from tests.support.geometries import COMMUNITY_1, insert_community, insert_grid

    cid = insert_community(conn, COMMUNITY_1, "景山社区", (0, 0, 4, 2))
    insert_grid(conn, COMMUNITY_1 + "001", "旧", cid, (0, 0, 2, 2), valid_to="2022-01-01")
    insert_grid(conn, COMMUNITY_1 + "001", "新", cid, (0, 0, 2, 2))
    with pytest.raises(Exception, match="uq_grids_current_code"):
        insert_grid(conn, COMMUNITY_1 + "001", "重复", cid, (2, 0, 4, 2))


def test_openapi_describes_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = set(spec["paths"])
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(rule))
              for rule in app.url_map.iter_rules()
              if str(rule).startswith("/api/v1/")
              and str(rule) not in ("/api/v1/openapi.json", "/api/v1/docs")}  # the document
    assert routes and routes <= documented
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method == "parameters":  # path-level parameters, e.g. {grid_id}
                continue
            assert op.get("summary") and op.get("responses"), path


def test_errors_are_json_with_allow_on_405(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong_method = client.post("/api/v1/lookup", json={})
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["Allow"]
    assert wrong_method.get_json()["error"]["code"] == "method_not_allowed"


@pytest.fixture(scope="module")
def echo_client(database_url):
    """An app with one extra route that parses a JSON body, to test the JSON rules."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "t",
                      "MAX_CONTENT_LENGTH": 1024})

    @app.post("/api/v1/echo")  # under /api/ and cookie-less: no CSRF token needed
    def echo():
        return {"got": request.get_json()}

    return app.test_client()


@pytest.mark.parametrize("body", [
    '{"lon": 116.4,',                       # malformed
    '{"lon": NaN}', '{"lon": Infinity}', '{"lon": -Infinity}',
    "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
    "[" * 100_000,                          # would be a RecursionError (500) unguarded
])
def test_bad_json_is_400(echo_client, body):
    response = echo_client.post("/api/v1/echo", data=body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert "error" in response.get_json()


def test_oversized_body_is_413(echo_client):
    response = echo_client.post("/api/v1/echo", data=json.dumps({"x": "a" * 5000}),
                                content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_good_json_passes_and_output_keeps_chinese(echo_client):
    response = echo_client.post("/api/v1/echo", json={"name": "网格"})
    assert response.status_code == 200
    assert "网格" in response.get_data(as_text=True)


def test_plain_postgresql_urls_use_the_installed_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1:1/a")
    monkeypatch.setenv("GRIDMAP_READ_DATABASE_URL", "postgresql://u@127.0.0.1:1/b")
    app = create_app({"SECRET_KEY": "t"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg2://")
    assert str(app.extensions["gridmap_read_engine"].url).startswith("postgresql+psycopg2://")
