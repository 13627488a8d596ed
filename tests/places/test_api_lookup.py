"""GET /api/v1/lookup over the tiny town of tests/support/geometries.py."""

import pytest
from sqlalchemy import text

from geo.core.crs import from_wgs84
from tests.support.geometries import xy

PRIVATE_PHONE = "13912345678"


@pytest.fixture
def town(town, conn):
    """The plain town with four workers: three in A (one inactive, one with no public
    phone), one in D."""
    ids = town
    workers = [("张伟", "full_time", "010-65001111", ids["A"], True),
               ("李娜", "grid_chief", "010-65002222", ids["A"], True),
               ("王强", "part_time", None, ids["A"], False),
               ("赵敏", "full_time", "010-65003333", ids["D"], True)]
    for name, role, phone, grid, active in workers:
        conn.execute(text(
            "WITH m AS (INSERT INTO grid_members (name, role, public_phone, private_phone,"
            " service_hours, active, publish) VALUES (:n, :r, :p, :pp, '周一至周五 9:00-17:30',"
            " :a, true) RETURNING id) INSERT INTO worker_grids (worker_id, grid_id, served_from)"
            " SELECT id, :g, '2000-01-01' FROM m"),
            {"n": name, "r": role, "p": phone, "pp": PRIVATE_PHONE, "g": grid, "a": active})
    return ids


def get(client, **query):
    return client.get("/api/v1/lookup", query_string=query)


def test_point_inside_a_grid(client, town):
    lon, lat = xy(1, 1.5)
    response = get(client, lon=lon, lat=lat)
    assert response.status_code == 200
    body = response.get_json()
    assert body["grid"]["code"] == "110101001001001"
    assert body["community"]["code"] == "110101001001"
    assert body["community"]["office_address"] == "东华门大街1号"
    assert body["snapped"] is False and body["distance_m"] is None
    # active workers only, the grid chief first, public fields only
    assert [w["name"] for w in body["workers"]] == ["李娜", "张伟"]
    assert set(body["workers"][0]) == {"name", "role", "public_phone", "masked_phone",
                                       "service_hours"}
    assert PRIVATE_PHONE not in response.get_data(as_text=True)
    assert "private" not in response.get_data(as_text=True)


def test_point_on_a_shared_vertex_always_gets_the_lowest_code(client, town):
    lon, lat = xy(2, 1)
    codes = {get(client, lon=lon, lat=lat).get_json()["grid"]["code"] for _ in range(5)}
    assert codes == {"110101001001001"}


def test_point_in_a_gap_near_a_grid_is_snapped(client, town):
    body = get(client, lon=xy(6.2, 1)[0], lat=xy(6.2, 1)[1]).get_json()
    assert body["grid"]["code"] == "110101001002001"
    assert body["snapped"] is True
    assert 15 < body["distance_m"] < 20
    assert [w["name"] for w in body["workers"]] == ["赵敏"]


def test_point_in_a_community_but_no_grid(client, town):
    response = get(client, lon=xy(7.5, 1)[0], lat=xy(7.5, 1)[1])
    assert response.status_code == 200
    body = response.get_json()
    assert body["grid"] is None and body["workers"] == []
    assert body["community"]["name"] == "黄图岗社区"


def test_point_outside_everything_is_404_with_a_message(client, town):
    response = get(client, lon=xy(20, 1)[0], lat=xy(20, 1)[1])
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and "outside" in error["message"]


def test_gcj02_input_is_converted_before_lookup(client, town):
    lon, lat = xy(1, 1.5)
    g_lon, g_lat = from_wgs84(lon, lat, "gcj02")
    assert get(client, lon=g_lon, lat=g_lat, crs="gcj02").get_json()["grid"]["code"] == \
        "110101001001001"
    # The same numbers taken as WGS-84 land hundreds of metres away: outside the town.
    assert get(client, lon=g_lon, lat=g_lat).status_code == 404


@pytest.mark.parametrize(("query", "param", "words"), [
    ({"lat": "39.9"}, "lon", "missing"),
    ({"lon": "116.4"}, "lat", "missing"),
    ({"lon": "abc", "lat": "39.9"}, "lon", "number"),
    ({"lon": "116.4", "lat": "NaN"}, "lat", "finite"),
    ({"lon": "Infinity", "lat": "39.9"}, "lon", "finite"),
    ({"lon": "116.4", "lat": "-91"}, "lat", "-90..90"),
    ({"lon": "200", "lat": "39.9"}, "lon", "-180..180"),
    ({"lon": "39.9", "lat": "116.4"}, "lat", "swapped"),
    ({"lon": "39.9", "lat": "80.2"}, "lat", "swapped"),  # in range, but swapped is in China
    ({"lon": "116.4", "lat": "39.9", "crs": "mars"}, "crs", "wgs84"),
    ({"lon": "116.4", "lat": "39.9", "radius": "5"}, "radius", "unknown"),
    ({"lon": "", "lat": "39.9"}, "lon", "missing"),
])
def test_bad_coordinates_are_400_naming_the_parameter(client, town, query, param, words):
    response = client.get("/api/v1/lookup", query_string=query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["details"]["param"] == param
    assert words in error["message"]


# The short path (app/fastlookup.py) answers plain, anonymous lookups below Flask; every
# other request goes to the view. Both must give the same answer, headers included.

@pytest.fixture
def view_calls(app, monkeypatch):
    """How many requests reached the Flask view."""
    calls = []
    view = app.view_functions["lookup.lookup"]

    def counted(*args, **kwargs):
        calls.append(1)
        return view(*args, **kwargs)

    monkeypatch.setitem(app.view_functions, "lookup.lookup", counted)
    return calls


COMPARED_HEADERS = ("Content-Type", "Content-Length", "Content-Security-Policy",
                    "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
                    "Cross-Origin-Opener-Policy", "Strict-Transport-Security", "Set-Cookie",
                    "Vary")


@pytest.mark.parametrize("base_url", ["http://localhost", "https://localhost"])
@pytest.mark.parametrize("where", [(1, 1.5), (2, 1), (6.2, 1), (7.5, 1)])
def test_short_path_answers_as_the_view_does(app, town, view_calls, base_url, where):
    lon, lat = xy(*where)
    fast = app.test_client().get("/api/v1/lookup", base_url=base_url,
                                 query_string={"lat": lat, "lon": lon})
    assert view_calls == []  # answered below Flask
    slow = app.test_client().get("/api/v1/lookup", base_url=base_url,
                                 query_string={"lon": lon, "lat": lat, "crs": "wgs84"})
    assert view_calls == [1]
    assert fast.status_code == slow.status_code == 200
    assert fast.get_data() == slow.get_data()
    for name in COMPARED_HEADERS:
        assert fast.headers.get(name) == slow.headers.get(name), name
    assert ("Strict-Transport-Security" in fast.headers) == base_url.startswith("https")


@pytest.mark.parametrize("extra", [
    {"headers": {"Authorization": "Bearer nonsense"}},
    {"cookie": "forged"},
    {"query": {"lon": "1"}},  # repeated parameter
    {"method": "HEAD"},
])
def test_requests_with_credentials_or_odd_parameters_go_to_the_view(app, town, view_calls,
                                                                     extra):
    lon, lat = xy(1, 1.5)
    query = [("lon", lon), ("lat", lat), *extra.get("query", {}).items()]
    client = app.test_client()
    if "cookie" in extra:
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], extra["cookie"])
    response = client.open("/api/v1/lookup", method=extra.get("method", "GET"),
                                      query_string=query, headers=extra.get("headers", {}))
    assert view_calls == [1]
    assert response.status_code == 200


def test_the_short_path_counts_each_request_once_against_the_public_budget(app, town):
    from app.security.limits import reset

    app.config["RATELIMIT_PUBLIC"] = "3 per minute"
    reset(app)
    client = app.test_client()
    try:
        outside = get(client, lon=xy(20, 1)[0], lat=xy(20, 1)[1])  # handed on: 404
        bad = get(client, lon="abc", lat=xy(1, 1)[1])  # handed on: 400
        inside = get(client, lon=xy(1, 1.5)[0], lat=xy(1, 1.5)[1])  # answered below Flask
        spent = get(client, lon=xy(1, 1.5)[0], lat=xy(1, 1.5)[1])
    finally:
        app.config["RATELIMIT_PUBLIC"] = "100000 per minute"
        reset(app)
    assert [outside.status_code, bad.status_code, inside.status_code] == [404, 400, 200]
    assert spent.status_code == 429 and spent.get_json()["error"]["code"] == "too_many_requests"
    assert 0 < int(spent.headers["Retry-After"]) <= 61


@pytest.fixture
def lookups(monkeypatch):
    """Calls of the lookup query, and a way to make the next ones fail."""
    from geo.places.store import reads as repo

    real = repo.lookup
    calls, failures = [], []

    def counted(*args, **kwargs):
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return real(*args, **kwargs)

    monkeypatch.setattr(repo, "lookup", counted)
    return calls, failures


def test_a_point_in_no_community_is_looked_up_once(app, town, lookups):
    calls, _ = lookups
    response = get(app.test_client(), lon=xy(20, 1)[0], lat=xy(20, 1)[1])
    assert response.status_code == 404 and calls == [1]


def test_a_query_error_is_answered_by_flask_without_running_the_query_again(app, town,
                                                                           lookups):
    import psycopg2
    from sqlalchemy.exc import OperationalError

    calls, failures = lookups
    lon, lat = xy(1, 1.5)
    failures.append(OperationalError("lookup", {}, psycopg2.errors.QueryCanceled(
        "canceling statement due to statement timeout")))
    timed_out = get(app.test_client(), lon=lon, lat=lat)
    assert timed_out.status_code == 503 and calls == [1]  # not retried into a 200
    assert timed_out.get_json()["error"]["code"] == "database_unavailable"
    assert timed_out.headers["Content-Security-Policy"]  # Flask's answer, headers and all
    failures.append(RuntimeError("a bug"))
    broken = get(app.test_client(), lon=lon, lat=lat)
    assert broken.status_code == 500 and calls == [1, 1]
    assert broken.get_json()["error"]["code"] == "internal_error"
    assert get(app.test_client(), lon=lon, lat=lat).status_code == 200


def test_a_failing_rate_limit_store_gets_flasks_json_500(app, town, monkeypatch, view_calls):
    def down(*args):
        raise RuntimeError("the limiter's store is unreachable")

    monkeypatch.setattr(app.extensions["gridmap_limits"], "hit", down)
    response = get(app.test_client(), lon=xy(1, 1.5)[0], lat=xy(1, 1.5)[1])
    assert view_calls == [1]  # handed on: Flask tried the store again and answered
    assert response.status_code == 500 and response.is_json
    assert response.get_json()["error"]["code"] == "internal_error"


def test_with_trusted_hosts_every_lookup_goes_through_flask(app, town, monkeypatch, view_calls):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["gridmap.example"])
    lon, lat = xy(1, 1.5)
    refused = app.test_client().get("/api/v1/lookup", query_string={"lon": lon, "lat": lat},
                                    base_url="http://evil.example")
    assert refused.status_code == 400
    allowed = app.test_client().get("/api/v1/lookup", query_string={"lon": lon, "lat": lat},
                                    base_url="http://gridmap.example")
    assert allowed.status_code == 200 and view_calls == [1]
