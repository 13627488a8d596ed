"""No anonymous caller gets private data: every GET route is called without credentials.

Routes marked public (``app.security.limits.public``) must answer 200 without any private value;
every other route must refuse (401, or a redirect to the sign-in page), apart from the
few documents listed in OPEN.
"""

import re

import pytest
from sqlalchemy import text

from tests.support.geometries import box_wkt, insert_incident, xy

PRIVATE = ["13900000001", "举报人王某", "13900000002", "党员李某", "secret-hash",
           "隐私描述：三楼住户"]
REFERENCE = "ABCD-EFGH"


@pytest.fixture
def town(town, conn):
    """The plain town with one of every private field in it (the PRIVATE values)."""
    ids = town
    conn.execute(text(
        "WITH m AS (INSERT INTO grid_members (name, role, public_phone, private_phone, active,"
        " publish) VALUES ('张伟', 'full_time', '010-65001111', :p, true, true) RETURNING id)"
        " INSERT INTO worker_grids (worker_id, grid_id) SELECT id, :g FROM m"),
        {"p": PRIVATE[0], "g": ids["A"]})
    incident = insert_incident(conn, 1, 1)
    conn.execute(text("UPDATE incidents SET reporter_name = :n, reporter_phone = :p,"
                      " description = :d, source = 'resident' WHERE id = :i"),
                 {"n": PRIVATE[1], "p": PRIVATE[2], "d": PRIVATE[5], "i": incident})
    conn.execute(text("INSERT INTO resident_reports (reference, incident_id, photo, photo_type)"
                      " VALUES (:r, :i, '\\xffd8', 'image/jpeg')"),
                 {"r": REFERENCE, "i": incident})
    conn.execute(text(
        "INSERT INTO buildings (code, name, geom, households, residents, grid_id)"
        " VALUES ('1101010010010010001', '1号楼', ST_GeomFromText(:w, 4326), 20, 50, :g)"),
        {"w": box_wkt(0.5, 0.5, 0.7, 0.7), "g": ids["A"]})
    building = conn.execute(text("SELECT id FROM buildings")).scalar()
    conn.execute(text("INSERT INTO party_members (name, kind, home_building_id,"
                      " serving_grid_id, households_linked) VALUES (:n, 'resident', :b, :g, 3)"),
                 {"n": PRIVATE[3], "b": building, "g": ids["A"]})
    conn.execute(text("INSERT INTO users (username, password_hash, role, active, session_key)"
                      " VALUES ('admin', :h, 'admin', true, 'k')"), {"h": PRIVATE[4]})
    ids["incident"] = incident
    return ids


OPEN = {"/", "/healthz", "/api/v1/openapi.json", "/api/v1/docs", "/login",
        "/static/<path:filename>", "/work/manifest.webmanifest", "/work/sw.js"}


def test_no_route_returns_private_fields(app, client, town):
    box = "{},{},{},{}".format(*xy(0, 0), *xy(8, 2))
    lon, lat = xy(1, 1)
    incident = str(town["incident"])  # ids of rolled-back rows are not reused
    filled = {"grid_id": str(town["A"]), "incident_id": incident, "token_id": incident,
              "plan_id": "1",
              "username": "admin", "filename": "css/gridmap.css",
              "collection_id": "grids", "feature_id": str(town["A"]), "fmt": "json",
              "service_code": "环境卫生", "request_id": incident, "ext": "csv",
              "reference": REFERENCE, "code": "1101010010010010001", "worker_id": "1",
              "member_id": "1", "dept_id": "1", "kind": "workers", "job_id": incident,
              "photo_id": "1", "patrol_id": "1", "overlay_id": "1", "endpoint_id": "1",
              "month": "2030-01"}
    query = {"/api/v1/lookup": f"?lon={lon}&lat={lat}", "/api/v1/buildings": f"?bbox={box}",
             "/api/v1/geocode": "?q=1号楼", "/api/v1/outlines/grids": f"?bbox={box}&zoom=16",
             "/api/v1/outlines/communities": f"?bbox={box}&zoom=12"}
    public = refused = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: filled[m.group(1)], str(rule))
        response = client.get(path + query.get(str(rule), ""))
        body = response.get_data(as_text=True)
        response.close()  # static files are streamed from an open file
        view = app.view_functions[rule.endpoint]
        if getattr(view, "gridmap_public", False) or str(rule) in OPEN:
            assert response.status_code == 200, (path, body[:200])
            public += getattr(view, "gridmap_public", False)
        else:
            assert response.status_code in (302, 401), (path, response.status_code)
            refused += 1
        for value in PRIVATE:
            assert value not in body, f"{path} leaks {value}"
        if path != "/api/v1/openapi.json":  # the schema names fields; it holds no data
            assert "private_phone" not in body and "reporter" not in body, path
    # lookup, geocode, communities, grids, grid, buildings, categories; OGC API: landing,
    # conformance, api, collections, collection, queryables, items, item; Open311:
    # discovery, services, service, requests, request, token, updates; downloads of communities and
    # grids; the public map, a building's page, the report form token, a report's status,
    # grid and community outlines, the 双报到 registration form
    assert public == 31 and refused >= 8
