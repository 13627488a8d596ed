"""Resident reports on the public API: intake, hostile input, anti-abuse, rate limit, and
what the reference lookup shows (public fields only)."""

from __future__ import annotations

import io
import re
import time

import pytest
from PIL import Image
from sqlalchemy import text

from tests.support.auth import bearer
from tests.support.geometries import GRID_A, xy

pytestmark = pytest.mark.town("incidents")

XSS = '<img src=x onerror="window.__xss=1">'
STATUS_FIELDS = {"reference", "category", "reported_at", "state", "closed_at", "public_note",
                 "public_note_at",
                 # the call-back (issue 21, tests/loop/test_callback.py)
                 "status", "timeline", "rating", "can_rate", "can_confirm"}


def jpeg_with_gps(size=(2400, 1200)) -> bytes:
    """A JPEG carrying EXIF with a camera make and a GPS position, as phones write."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 1  # Orientation
    exif.get_ifd(0x8825).update({1: "N", 2: (39.0, 54.0, 3.6), 3: "E", 4: (116.0, 23.0, 4.2)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"home of the reporter")
    return out.getvalue()


def form(client, **fields) -> dict:
    lon, lat = xy(1, 1.5)
    token = client.get("/api/v1/reports/form").get_json()["form_token"]
    return {"category": "环境卫生", "description": "楼道堆放杂物", "lon": str(lon),
            "lat": str(lat), "form_token": token, **fields}


def post(client, data: dict, **kw):
    return client.post("/api/v1/reports", data=data, content_type="multipart/form-data", **kw)


def count(conn, table: str) -> int:
    return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_a_report_enters_the_intake_and_gets_a_reference(client, conn, town):
    data = form(client, description="3号楼楼道堆放杂物", contact_name="王女士",
                contact_phone="13800001111", photo=(io.BytesIO(jpeg_with_gps()), "IMG_1.jpg"))
    response = post(client, data)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", body["reference"])
    assert set(body) == STATUS_FIELDS and body["state"] == "open"
    row = conn.execute(text(
        "SELECT i.source, i.category, i.description, i.reporter_name, i.reporter_phone,"
        " i.status, g.code AS grid, m.name AS assignee, r.photo, r.photo_type"
        " FROM resident_reports r JOIN incidents i ON i.id = r.incident_id"
        " JOIN incident_locations l ON l.incident_id = i.id JOIN grids g ON g.id = l.grid_id"
        " LEFT JOIN grid_members m ON m.id = i.assignee_id WHERE r.reference = :r"),
        {"r": body["reference"]}).one()
    assert (row.source, row.category, row.status) == ("resident", "环境卫生", "reported")
    assert row.description == "3号楼楼道堆放杂物"
    assert (row.reporter_name, row.reporter_phone) == ("王女士", "13800001111")
    assert row.grid == GRID_A and row.assignee == "张伟"  # routed like any other report
    event = conn.execute(text("SELECT actor, action FROM incident_events")).one()
    assert tuple(event) == ("public", "report")
    # The photo is stored re-encoded: a JPEG, shrunk, with no EXIF (GPS) and no comment.
    assert row.photo_type == "image/jpeg"
    stored = Image.open(io.BytesIO(bytes(row.photo)))
    assert stored.format == "JPEG" and max(stored.size) == 1600
    assert not stored.getexif() and "comment" not in stored.info and "exif" not in stored.info
    assert b"PhoneMaker" not in bytes(row.photo) and b"reporter" not in bytes(row.photo)


def test_the_reference_shows_only_public_fields(app, client, conn, town, make_user,
                                                make_token):
    reference = post(client, form(client, description=XSS, contact_name="王女士",
                                  contact_phone="13800001111")).get_json()["reference"]
    incident = conn.execute(text("SELECT incident_id FROM resident_reports")).scalar()
    make_user("disp", "dispatcher")
    auth = bearer(make_token("disp"))
    for action in ({"action": "note", "note": "内部：住户王女士情绪激动"},
                   {"action": "accept"}, {"action": "dispatch"}, {"action": "start"},
                   {"action": "resolve"}, {"action": "close"}):
        assert client.post(f"/api/v1/incidents/{incident}/actions", json=action,
                           headers=auth).status_code == 200, action
    put = client.put(f"/api/v1/incidents/{incident}/public-note", headers=auth,
                     json={"public_note": "已清理完毕，感谢反映。"})
    assert put.status_code == 200 and put.get_json()["reference"] == reference
    # Typed in lower case with spaces: still found.
    response = client.get(f"/api/v1/reports/{reference.lower().replace('-', ' ')}")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == STATUS_FIELDS
    assert body["state"] == "closed" and body["closed_at"]
    assert body["public_note"] == "已清理完毕，感谢反映。"
    raw = response.get_data(as_text=True)
    for private in ("onerror", "王女士", "13800001111", "内部", "张伟", "reporter"):
        assert private not in raw
    # The description is kept as sent for staff, who see it as text (JSON string).
    staff = client.get(f"/api/v1/incidents/{incident}", headers=auth).get_json()
    assert staff["description"] == XSS
    history = [e for e in staff["history"] if e["action"] == "note"]
    assert any("已清理完毕" in (e["note"] or "") for e in history)


def test_an_xss_description_is_stored_as_text_and_never_served_publicly(client, conn, town):
    response = post(client, form(client, description=XSS))
    assert response.status_code == 201
    assert "onerror" not in response.get_data(as_text=True)
    assert conn.execute(text("SELECT description FROM incidents")).scalar() == XSS


@pytest.mark.parametrize(("fields", "status", "param"), [
    ({"description": ""}, 400, "description"),
    ({"description": "x" * 501}, 400, "description"),
    ({"category": "不存在"}, 400, "category"),
    ({"lon": ""}, 400, "lon"),
    ({"lon": "abc"}, 400, "lon"),
    ({"lon": "10.0", "lat": "50.0"}, 400, "lon"),  # far outside the service area
    ({"lon": str(xy(30, 30)[0]), "lat": str(xy(30, 30)[1])}, 400, "lon"),  # outside the city
    ({"crs": "mars"}, 400, "crs"),
    ({"contact_phone": "call me maybe"}, 400, "contact_phone"),
    ({"contact_name": "王" * 101}, 400, "contact_name"),
    ({"priority": "1"}, 400, "priority"),  # not a resident's field
])
def test_bad_fields_are_refused_and_nothing_is_stored(client, conn, town, fields, status,
                                                      param):
    response = post(client, form(client, **fields))
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["details"]["param"] == param
    assert count(conn, "incidents") == 0 and count(conn, "resident_reports") == 0


def test_a_point_outside_the_city_names_it(client, conn, town):
    lon, lat = xy(30, 30)
    body = post(client, form(client, lon=str(lon), lat=str(lat))).get_json()
    assert "outside the area this map serves" in body["error"]["message"]


def test_an_oversized_photo_is_413_and_nothing_is_stored(app, client, conn, town):
    app.config["PHOTO_MAX_BYTES"] = 100_000
    try:
        big = io.BytesIO(b"\xff\xd8" + b"0" * 120_000)
        small_limit = post(client, form(client, photo=(big, "big.jpg")))
        huge = io.BytesIO(b"\xff\xd8" + b"0" * 400_000)  # beyond the request's own cap
        beyond = post(client, form(client, photo=(huge, "huge.jpg")))
    finally:
        app.config["PHOTO_MAX_BYTES"] = 5 * 1024 * 1024
    assert small_limit.status_code == 413
    assert small_limit.get_json()["error"]["code"] == "too_large"
    assert beyond.status_code == 413 and beyond.is_json
    assert count(conn, "incidents") == 0


@pytest.mark.parametrize(("payload", "status"), [
    (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00"
     b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", 415),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", 415),
    (b"%PDF-1.4 not a photo", 415),
    (jpeg_with_gps((64, 64))[:300], 400),  # a damaged JPEG
])
def test_a_photo_of_the_wrong_type_is_refused(client, conn, town, payload, status):
    response = post(client, form(client, photo=(io.BytesIO(payload), "photo.jpg")))
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["details"]["param"] == "photo"
    assert count(conn, "incidents") == 0


def test_a_decompression_bomb_is_refused(client, conn, town):
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")  # 144 Mpx in a few kB
    response = post(client, form(client, photo=(io.BytesIO(out.getvalue()), "bomb.png")))
    assert response.status_code == 413
    assert count(conn, "incidents") == 0


def test_a_transparent_png_is_flattened_to_jpeg(client, conn, town):
    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 255, 0)).save(out, "PNG")
    response = post(client, form(client, photo=(io.BytesIO(out.getvalue()), "a.png")))
    assert response.status_code == 201
    photo = conn.execute(text("SELECT photo FROM resident_reports")).scalar()
    image = Image.open(io.BytesIO(bytes(photo)))
    assert image.format == "JPEG" and image.size == (40, 30)
    assert image.getpixel((5, 5))[0] > 240  # transparent became white


def test_not_a_form_is_415(client, town):
    response = client.post("/api/v1/reports", json={"category": "环境卫生"})
    assert response.status_code == 415 and response.is_json


def test_the_honeypot_and_the_fill_time_refuse_bots(app, client, conn, town):
    from app.security import antiabuse

    trapped = post(client, form(client, website="http://spam.example"))
    assert trapped.status_code == 400
    assert trapped.get_json()["error"]["code"] == "report_refused"
    no_token = post(client, form(client, form_token=""))
    forged = post(client, form(client, form_token="eyJ0IjoxfQ.forged"))
    app.config["REPORT_MIN_SECONDS"] = 3
    try:
        too_fast = post(client, form(client))
        with app.test_request_context():
            serializer = antiabuse._serializer()
            patient = serializer.dumps({"t": time.time() - 5})
            stale = serializer.dumps({"t": time.time() - app.config["REPORT_FORM_MAX_AGE"] - 1})
        in_time = post(client, form(client, form_token=patient))
        too_late = post(client, form(client, form_token=stale))
    finally:
        app.config["REPORT_MIN_SECONDS"] = 0
    for refused in (no_token, forged, too_fast, too_late):
        assert refused.status_code == 400
        assert refused.get_json()["error"]["details"]["param"] == "form_token"
    assert "take at least 3 s" in too_fast.get_json()["error"]["message"]
    assert in_time.status_code == 201
    assert count(conn, "incidents") == 1


def test_reports_are_capped_per_client_address(app, client, conn, town):
    from app.security.limits import reset

    app.config["RATELIMIT_REPORT"] = "2 per day"
    reset(app)
    try:
        statuses = [post(client, form(client)).status_code for _ in range(3)]
        other = post(client, form(client), environ_base={"REMOTE_ADDR": "10.0.0.7"})
        limited = post(client, form(client))
    finally:
        app.config["RATELIMIT_REPORT"] = "100000 per day"
        reset(app)
    assert statuses == [201, 201, 429]
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    assert other.status_code == 201
    assert count(conn, "incidents") == 3


@pytest.mark.parametrize(("reference", "status"), [
    ("ABCD-EFGH", 404), ("abc", 400), ("ABCD-EFG1", 400), ("ABCD-EFGH-JKLM", 400),
    ("<script>", 400)])
def test_reference_lookup_of_unknown_or_malformed_references(client, town, reference,
                                                              status):
    response = client.get(f"/api/v1/reports/{reference}")
    assert response.status_code == status and response.is_json
    assert "<script>" not in response.get_data(as_text=True)


def test_the_public_note_and_photo_routes_are_for_staff_in_scope(client, conn, town,
                                                                   make_user, make_token):
    post(client, form(client, photo=(io.BytesIO(jpeg_with_gps((50, 40))), "p.jpg")))
    incident = conn.execute(text("SELECT incident_id FROM resident_reports")).scalar()
    assert client.put(f"/api/v1/incidents/{incident}/public-note",
                      json={"public_note": "x"}).status_code == 401
    assert client.get(f"/api/v1/incidents/{incident}/photo").status_code == 401
    make_user("far", "dispatcher", communities=["110101001002"])  # not where it is
    far = bearer(make_token("far"))
    assert client.put(f"/api/v1/incidents/{incident}/public-note", headers=far,
                      json={"public_note": "x"}).status_code == 404
    make_user("viewer", "viewer")
    viewer = bearer(make_token("viewer"))
    photo = client.get(f"/api/v1/incidents/{incident}/photo", headers=viewer)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).size == (50, 40)
    assert client.put(f"/api/v1/incidents/{incident}/public-note", headers=viewer,
                      json={"public_note": "x"}).status_code == 403
    make_user("disp", "dispatcher")
    disp = bearer(make_token("disp"))
    too_long = client.put(f"/api/v1/incidents/{incident}/public-note", headers=disp,
                          json={"public_note": "x" * 501})
    assert too_long.status_code == 400
    other = conn.execute(text(
        "INSERT INTO incidents (category, source, reported_at, status, priority)"
        " VALUES ('环境卫生', 'hotline', now(), 'reported', 2) RETURNING id")).scalar()
    assert client.put(f"/api/v1/incidents/{other}/public-note", headers=disp,
                      json={"public_note": "x"}).status_code == 404


def test_a_worker_without_public_phone_shows_a_masked_number(client, conn, town):
    conn.execute(text("UPDATE grid_members SET public_phone = NULL WHERE name = '孙丽'"))
    lon, lat = xy(3, 0.5)  # grid B
    response = client.get("/api/v1/lookup", query_string={"lon": lon, "lat": lat})
    worker = response.get_json()["workers"][0]
    assert worker["public_phone"] is None and worker["masked_phone"] == "139****5678"
    assert "13912345678" not in response.get_data(as_text=True)


def test_outlines_are_light_and_public(client, town):
    box = "{},{},{},{}".format(*xy(0, 0), *xy(8, 2))
    grids = client.get(f"/api/v1/outlines/grids?bbox={box}&zoom=16")
    assert grids.status_code == 200 and grids.mimetype == "application/geo+json"
    body = grids.get_json()
    assert body["truncated"] is False
    assert [f["properties"]["code"] for f in body["features"]] == [
        "110101001001001", "110101001001002", "110101001001003", "110101001002001"]
    assert set(body["features"][0]["properties"]) == {"code", "name", "community"}
    communities = client.get(f"/api/v1/outlines/communities?bbox={box}&zoom=12").get_json()
    assert len(communities["features"]) == 2
    left = "{},{},{},{}".format(*xy(0.1, 0.1), *xy(0.2, 0.2))
    only_a = client.get(f"/api/v1/outlines/grids?bbox={left}&zoom=16").get_json()
    assert [f["properties"]["name"] for f in only_a["features"]] == ["第一网格"]


@pytest.mark.parametrize("query", ["", "bbox=1,2,3,4", "zoom=14", "bbox=1,2,3&zoom=14",
                                   "bbox=1,2,3,4&zoom=30", "bbox=1,2,3,4&zoom=x",
                                   "bbox=1,2,3,4&zoom=14&limit=5"])
def test_outlines_refuse_bad_parameters(client, town, query):
    response = client.get(f"/api/v1/outlines/grids?{query}")
    assert response.status_code == 400 and response.is_json


def test_a_signed_in_visitor_reports_with_the_pages_csrf_token(client, conn, town, make_user):
    from tests.support.auth import CSRF_META, login

    anonymous = client.get("/map").get_data(as_text=True)
    assert not CSRF_META.search(anonymous)  # no token, and no session, for residents
    name, password = make_user("staff", "viewer")
    login(client, name, password)
    token = CSRF_META.search(client.get("/map").get_data(as_text=True)).group(1)
    without = post(client, form(client))
    assert without.status_code == 403  # the session cookie came along: CSRF applies
    with_token = post(client, form(client), headers={"X-CSRFToken": token})
    assert with_token.status_code == 201
    assert count(conn, "incidents") == 1
