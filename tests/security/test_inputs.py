"""A NUL byte is refused with a 400 on every route, in one place (``app.security.inputs``):
in the path, in a query parameter's name or value, in a form field, in a JSON body."""

import io

import pytest
from sqlalchemy import text

from tests.security.test_route_matrix import ROUTES, _fill
from tests.support.auth import csrf_token

pytestmark = pytest.mark.town("incidents")


def _refused(response, where: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    if response.is_json and "error" in response.get_json():
        assert f"NUL byte (%00) is not allowed in the {where}" in \
            response.get_json()["error"]["message"]


def test_every_get_route_refuses_a_nul_in_the_query(client, town, staff):
    town.update(plan=0, in_1=0)
    admin = staff("nul-admin", "admin")
    for method, rule in ROUTES:
        if method != "GET":
            continue
        path = _fill(rule, town)
        for query in ("nul=a%00b", "a%00=b", "x=1&x=%00"):
            glue = "&" if "?" in path else "?"
            for headers in ({}, admin):
                response = client.get(path + glue + query, headers=headers)
                response.close()
                assert response.status_code == 400, (rule, query, response.status_code)


@pytest.mark.parametrize("path", ["/api/v1/reports/ABCD%00EFGH", "/map/b/1101%00",
                                  "/api/v1/categories%00", "/static/css/gridmap.css%00",
                                  "/open311/v2/services/a%00b.json"])
def test_a_nul_in_the_path_is_a_400(client, path):
    _refused(client.get(path), "path")


def test_a_nul_in_a_form_field_is_a_400_before_anything_reads_it(client, conn, town):
    login = client.post("/login", data={"username": "ad\x00min", "password": "x" * 12,
                                        "csrf_token": csrf_token(client)})
    _refused(login, "form")
    assert conn.execute(text("SELECT count(*) FROM login_throttle")).scalar() == 0
    token = client.get("/api/v1/reports/form").get_json()["form_token"]
    report = client.post("/api/v1/reports", content_type="multipart/form-data", data={
        "category": "环境卫生", "description": "漏\x00水", "lon": "116.391", "lat": "39.901",
        "form_token": token, "photo": (io.BytesIO(b""), "")})
    _refused(report, "form")
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0


@pytest.mark.parametrize("body", [{"name": "a\x00b"}, {"na\x00me": "x"},
                                  {"name": ["a", {"b": "\x00"}]}])
def test_a_nul_in_a_json_body_is_a_400(client, conn, town, staff, body):
    response = client.patch(f"/api/v1/grids/{town['A']}", json=body,
                            headers=staff("nul-planner", "planner"))
    _refused(response, "JSON body")
    assert conn.execute(text("SELECT count(*) FROM audit_log"
                             " WHERE action = 'grid.update'")).scalar() == 0
