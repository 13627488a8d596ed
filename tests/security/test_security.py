"""Headers, escaping of user-entered text, hostile filter values, size limits, rate limits."""

import re
from html import escape

import pytest
from sqlalchemy import text

from tests.support.auth import bearer, login
from tests.support.geometries import COMMUNITY_1, build_town, insert_incident, xy
from tests.support.towns import add_member

XSS = ['<img src=x onerror=alert(1)>', '"><script>alert(1)</script>', "';alert(1)//",
       '<svg/onload=alert(1)>']


def test_every_kind_of_response_carries_the_security_headers(client, make_user):
    name, password = make_user("wang", "viewer")
    responses = [client.get("/healthz"), client.get("/api/v1/lookup?lon=x"),
                 client.get("/login"), client.get("/nowhere")]
    login(client, name, password)
    responses.append(client.get("/maps/grids"))
    for response in responses:
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["X-Frame-Options"] == "DENY"
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_map_page_inline_code_carries_this_requests_nonce(client, conn, make_user):
    build_town(conn)
    name, password = make_user("wang", "viewer")
    login(client, name, password)
    first, second = client.get("/maps/grids"), client.get("/maps/grids")
    nonce = re.search(r"'nonce-([^']+)'", first.headers["Content-Security-Policy"]).group(1)
    other = re.search(r"'nonce-([^']+)'", second.headers["Content-Security-Policy"]).group(1)
    assert nonce != other
    page = first.get_data(as_text=True)
    inline = re.findall(r"<(script|style)(?![^>]*\ssrc=)([^>]*)>", page)
    assert inline and all(f'nonce="{nonce}"' in attrs for _, attrs in inline)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    assert "/static/vendor/leaflet/leaflet.js" in assets


@pytest.mark.parametrize("payload", XSS)
def test_user_entered_text_is_escaped_on_every_page(client, conn, make_user, make_token,
                                                    payload):
    ids = build_town(conn)
    conn.execute(text("UPDATE communities SET name = :p, street_name = :p"), {"p": payload})
    add_member(conn, payload, "full_time", ids["A"])
    admin, password = make_user("root", "admin")
    client.patch(f"/api/v1/grids/{ids['A']}", json={"name": payload},
                 headers=bearer(make_token("root")))
    from app.extensions import db
    from app.security import accounts

    accounts.create_token("root", payload, 5)  # a token name, shown on the tokens page
    db.session.commit()
    login(client, admin, password)
    for path in ("/maps/grids", "/admin/users", "/admin/tokens", "/admin/audit",
                 f"/admin/audit?actor={payload}"):
        page = client.get(path).get_data(as_text=True)
        assert payload not in page, path
    grid_map = client.get(f"/maps/grids?community={COMMUNITY_1}").get_data(as_text=True)
    # Escaped before Folium (which writes & as \u0026 inside its JSON).
    assert escape(payload).replace("&", "\\u0026") in grid_map


SQL = ["' OR '1'='1", "1; DROP TABLE grids; --", "110101001001' --", "%", "_", "\\",
       "1)) UNION SELECT password_hash FROM users --", "\x00"]
FILTERS = {
    "/api/v1/grids": ("community", "bbox", "at", "limit", "offset"),
    "/api/v1/communities": ("bbox", "limit", "offset"),
    "/api/v1/buildings": ("bbox", "limit"),
    "/api/v1/lookup": ("lon", "lat", "crs"),
    "/api/v1/incidents": ("status", "category", "community", "grid", "from", "to", "limit",
                          "offset"),
    "/api/v1/audit": ("entity", "entity_id", "actor", "action", "limit", "offset"),
}


@pytest.mark.parametrize("path", list(FILTERS))
def test_sql_metacharacters_in_every_filter_are_refused_or_harmless(client, conn, make_user,
                                                                    make_token, path):
    build_town(conn)
    insert_incident(conn, 1, 1)
    make_user("root", "admin")
    auth = bearer(make_token("root"))
    lon, lat = xy(1, 1)
    base = {"lon": str(lon), "lat": str(lat), "bbox": "116,39,117,40"}
    for name in FILTERS[path]:
        for value in SQL:
            query = {**{k: v for k, v in base.items() if k in FILTERS[path]}, name: value}
            response = client.get(path, query_string=query, headers=auth)
            assert response.status_code in (200, 400, 404), (path, name, value)
            assert response.is_json
    assert conn.execute(text("SELECT count(*) FROM grids")).scalar() == 4
    assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 1


def test_oversized_bodies_are_413_before_any_work(app, client, make_user, make_token):
    make_user("root", "admin")
    auth = bearer(make_token("root"))
    body = b'{"name": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1) + b'"}'
    response = client.patch("/api/v1/grids/1", data=body, headers={
        **auth, "Content-Type": "application/json"})
    assert response.status_code == 413 and response.is_json


def test_deeply_nested_json_is_400(client, make_user, make_token):
    make_user("root", "admin")
    body = "[" * 100 + "]" * 100
    response = client.patch("/api/v1/grids/1", data=body, headers={
        **bearer(make_token("root")), "Content-Type": "application/json"})
    assert response.status_code == 400 and response.is_json


def test_public_routes_are_rate_limited_per_client_with_retry_after(app, client):
    from app.security.limits import reset

    app.config["RATELIMIT_PUBLIC"] = "3 per minute"
    reset(app)
    try:
        statuses = [client.get("/api/v1/communities").status_code for _ in range(3)]
        limited = client.get("/api/v1/grids")  # the budget is shared by public routes
        other = client.get("/api/v1/communities", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    finally:
        app.config["RATELIMIT_PUBLIC"] = "100000 per minute"
        reset(app)
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 61
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    assert other.status_code == 200


def test_sign_in_attempts_are_rate_limited_per_client(app, client):
    from app.security.limits import reset

    app.config["RATELIMIT_LOGIN"] = "2 per minute"
    reset(app)
    try:
        statuses = [client.post("/login", data={"username": "x", "password": "y"}).status_code
                    for _ in range(3)]
    finally:
        app.config["RATELIMIT_LOGIN"] = "100000 per minute"
        reset(app)
    assert statuses[2] == 429


def test_too_many_vertices_are_rejected_per_row(tmp_path, runner, conn):
    import json

    import numpy as np

    ring = [[116.39 + 0.001 * np.cos(a), 39.9 + 0.001 * np.sin(a)]
            for a in np.linspace(0, 2 * np.pi, 2001)]
    ring[-1] = ring[0]
    layer = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": "110101001001", "name": "圆社区"},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    path = tmp_path / "round.geojson"
    path.write_text(json.dumps(layer))
    from flask import current_app

    current_app.config["MAX_GEOMETRY_VERTICES"] = 1000
    try:
        result = runner.invoke(args=["layers", "import", "communities", str(path),
                                     "--report", str(tmp_path / "r.csv")])
    finally:
        current_app.config["MAX_GEOMETRY_VERTICES"] = 100_000
    assert result.exit_code != 0
    assert "2001 vertices; at most 1000" in result.output
    assert conn.execute(text("SELECT count(*) FROM communities")).scalar() == 0


@pytest.mark.parametrize("store", ["local", "shared"])
def test_both_counter_stores_allow_the_budget_then_say_how_long_to_wait(store):
    from limits import parse

    from app.security.limits import LocalWindows, SharedWindows

    # "shared" goes through the limits library's storage, as redis:// would.
    windows = LocalWindows() if store == "local" else SharedWindows("memory://")
    item = parse("2 per minute")
    hits = [windows.hit(item, "public", "10.0.0.1") for _ in range(3)]
    assert hits[:2] == [None, None] and 0 < hits[2] <= 61
    assert windows.hit(item, "public", "10.0.0.2") is None  # another client, own budget
    windows.reset()
    assert windows.hit(item, "public", "10.0.0.1") is None


def test_a_shared_store_that_never_answered_counts_in_memory(caplog):
    from limits import parse

    from app.security.limits import SharedWindows
    from tests.conftest import pgcluster

    windows = SharedWindows(f"redis://127.0.0.1:{pgcluster.free_port()}/0", retry_seconds=60)
    item = parse("2 per minute")
    hits = [windows.hit(item, "public", "10.0.0.1") for _ in range(3)]
    assert hits[:2] == [None, None] and 0 < hits[2] <= 61
    assert windows.report()["store"] == "memory"
    assert sum("shared store failed" in r.getMessage() for r in caplog.records) == 1


def test_healthz_keeps_the_database_error_to_the_log(app, caplog):
    from app import create_app

    url = "postgresql+psycopg2://secret_role:pw@127.0.0.1:1/hidden_db"
    client = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"}).test_client()
    with caplog.at_level("WARNING", logger="app.api.health"):
        down = client.get("/healthz")
    assert down.status_code == 503 and down.get_json()["reason"]
    body = down.get_data(as_text=True)
    assert "127.0.0.1" not in body and "hidden_db" not in body and "connect" not in body
    assert "127.0.0.1" in caplog.text


def test_pages_showing_a_new_password_or_token_secret_are_not_stored(client, make_user):
    from tests.support.auth import csrf_token, login

    login(client, *make_user("boss", "admin"))
    shown = client.post("/admin/users", data={"username": "li", "role": "viewer",
                                              "csrf_token": csrf_token(client)})
    assert 'id="new-password"' in shown.get_data(as_text=True)
    secret = client.post("/admin/tokens", data={"username": "li", "name": "t",
                                                "csrf_token": csrf_token(client)})
    assert "gm_" in secret.get_data(as_text=True)
    for response in (shown, secret, client.get("/admin/users")):
        assert response.headers["Cache-Control"] == "private, no-store"
    assert "no-store" not in client.get("/api/v1/outlines/grids?bbox=0,0,1,1&zoom=12")\
        .headers.get("Cache-Control", "")


def test_what_is_not_a_page_gets_the_strictest_short_policy(client, town):
    from app.security.headers import NOT_A_PAGE

    for path in ("/api/v1/lookup?lon=116.391&lat=39.901", "/api/v1/lookup?lon=x",
                 "/static/js/lib/dom.js", "/api/v1/health"):
        answer = client.get(path)
        answer.close()  # a static file's handle
        assert answer.headers["Content-Security-Policy"] == NOT_A_PAGE, path
    page = client.get("/login").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org" in page
