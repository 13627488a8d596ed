"""Each category says whether it may be public (issue 18, build item 4): what the migration
chose for the shipped categories, editing the flag (API and /admin/categories), and what
residents may report. That no public route shows an incident of a non-public category is
``test_public_privacy.test_no_public_route_shows_a_non_public_category``."""

import pytest
from sqlalchemy import text

from tests.incidents.test_public_reports import form, post
from tests.support.auth import csrf_token, login

pytestmark = pytest.mark.town("incidents")

NOT_PUBLIC_AT_START = {"邻里纠纷", "噪音扰民", "其他"}


def _public(conn) -> dict[str, bool]:
    return dict(conn.execute(text("SELECT code, public FROM categories")).all())


def test_the_migration_publishes_only_categories_about_places(conn):
    flags = _public(conn)
    assert {code for code, public in flags.items() if not public} == NOT_PUBLIC_AT_START
    assert flags["环境卫生"] and flags["消防隐患"]


def test_the_public_lists_only_public_categories_staff_all(client, staff):
    anonymous = {c["code"] for c in client.get("/api/v1/categories").get_json()["categories"]}
    assert anonymous and not anonymous & NOT_PUBLIC_AT_START
    signed_in = client.get("/api/v1/categories", headers=staff("vv", "viewer")).get_json()
    by_code = {c["code"]: c for c in signed_in["categories"]}
    assert by_code["邻里纠纷"]["public"] is False and by_code["环境卫生"]["public"] is True
    services = {s["service_code"] for s in client.get("/open311/v2/services.json").get_json()}
    assert services == anonymous
    assert client.get("/open311/v2/services/邻里纠纷.json").status_code == 404
    assert client.get("/open311/v2/services/环境卫生.json").status_code == 200


def test_an_admin_sets_the_flag_by_api_and_a_new_category_starts_not_public(
        client, conn, staff):
    admin = staff("boss", "admin")
    made = client.put("/api/v1/categories/楼道杂物", headers=admin,
                      json={"response_hours": 2, "resolve_hours": 24})
    assert made.status_code == 200 and made.get_json()["public"] is False
    changed = client.put("/api/v1/categories/楼道杂物", headers=admin, json={"public": True})
    assert changed.get_json()["public"] is True and _public(conn)["楼道杂物"] is True
    assert client.put("/api/v1/categories/楼道杂物", headers=admin,
                      json={"public": "yes"}).status_code == 400
    assert client.put("/api/v1/categories/楼道杂物", headers=staff("dd", "dispatcher"),
                      json={"public": False}).status_code == 403
    entry = conn.execute(text("SELECT before, after FROM audit_log WHERE action ="
                              " 'category.update' AND entity_id = '楼道杂物'")).one()
    assert entry.before["public"] is False and entry.after["public"] is True


def test_the_admin_page_edits_the_flag(client, conn, make_user):
    login(client, *make_user("boss", "admin"))
    page = client.get("/admin/categories").get_data(as_text=True)
    assert page.count('name="public"') == len(_public(conn)) + 1  # a row each and a new one
    fields = {"code": "邻里纠纷", "name_en": "Neighbour dispute", "response_hours": "4",
              "resolve_hours": "72", "clock": "working", "route_to": "community_office",
              "active": "on"}
    client.post("/admin/categories", data={**fields, "public": "on",
                                           "csrf_token": csrf_token(client)})
    assert _public(conn)["邻里纠纷"] is True
    client.post("/admin/categories", data={**fields, "csrf_token": csrf_token(client)})
    assert _public(conn)["邻里纠纷"] is False  # an unticked box is "not public"


def test_residents_report_only_in_public_categories(client, conn, town):
    refused = post(client, form(client, category="邻里纠纷"))
    assert refused.status_code == 400
    message = refused.get_json()["error"]["message"]
    assert "'category' must be one of" in message and "环境卫生" in message
    assert "邻里纠纷" not in message  # the allowed ones are listed, not this one
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0
    assert post(client, form(client)).status_code == 201  # 环境卫生 is public


def test_a_report_moved_into_a_non_public_category_hides_it(client, conn, town):
    reference = post(client, form(client)).get_json()["reference"]
    conn.execute(text("UPDATE incidents SET category = '邻里纠纷'"))
    status = client.get(f"/api/v1/reports/{reference}").get_json()
    assert status["category"] is None and status["state"] == "open"


def test_the_public_map_offers_only_public_categories(client):
    page = client.get("/map").get_data(as_text=True)
    assert "环境卫生" in page
    for code in NOT_PUBLIC_AT_START:
        assert code not in page, code
