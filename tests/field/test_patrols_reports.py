"""Problems reported on patrol: through intake like any report (source patrol, routed to the
grid's worker), idempotent by client_id, with photos, refused whole when anything is bad."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import text
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import stream_encode_multipart

from tests.field.patrol_support import started, worker_headers
from tests.field.photos import camera_jpeg, small_png
from tests.support.geometries import xy

pytestmark = pytest.mark.town("incidents")


@pytest.fixture
def zhang(make_user, make_token, conn, town):
    return worker_headers(make_user, make_token, conn, "zhangwei", town["A_full"])


def problem(x: float = 4.5, y: float = 1.5, **extra) -> dict:
    lon, lat = xy(x, y)
    return {"client_id": str(uuid.uuid4()), "category": "环境卫生",
            "description": "垃圾桶满溢", "lon": lon, "lat": lat, "accuracy": 12, **extra}


def report(client, headers, patrol: int, body: dict):
    return client.post(f"/api/v1/patrols/{patrol}/reports", headers=headers, json=body)


def post_form(client, headers, patrol: int, fields: dict):
    """A multipart post encoded in memory (the test client spools a large one to a
    temporary file it never closes)."""
    items = MultiDict()
    for key, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            items.add(key, FileStorage(one[0], one[1]) if isinstance(one, tuple) else one)
    stream, length, boundary = stream_encode_multipart(items, use_tempfile=False)
    return client.post(f"/api/v1/patrols/{patrol}/reports", headers=headers,
                       input_stream=stream, content_length=length,
                       content_type=f"multipart/form-data; boundary={boundary}")


def count(conn, table: str) -> int:
    return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_a_problem_enters_intake_and_is_routed(client, zhang, conn, town):
    patrol = started(client, zhang)
    sent = problem()  # in grid D of community 2: routed there, not to the reporter
    response = report(client, zhang, patrol, sent)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["grid"]["id"] == town["D"] and body["assignee"]["id"] == town["D_full"]
    assert body["status"] == "reported" and body["repeated"] is False
    row = conn.execute(text(
        "SELECT i.source, i.patrol_id, i.client_id::text, e.actor, e.fix_accuracy_m,"
        " ST_X(e.fix) AS lon FROM incidents i JOIN incident_events e ON e.incident_id = i.id"
        " WHERE i.id = :i"), {"i": body["incident_id"]}).one()
    assert (row.source, row.patrol_id, row.client_id, row.actor, row.fix_accuracy_m) == (
        "patrol", patrol, sent["client_id"], "zhangwei", 12)
    assert row.lon == pytest.approx(sent["lon"])
    log = client.get("/api/v1/me/patrols?date=2026-11-30", headers=zhang).get_json()
    assert log["patrols"][0]["problems"][0]["incident_id"] == body["incident_id"]


def test_a_repeat_answers_the_first_and_adds_nothing(client, zhang, conn):
    patrol = started(client, zhang)
    sent = problem()
    first = report(client, zhang, patrol, sent)
    again = report(client, zhang, patrol, sent)
    assert again.status_code == 200 and again.get_json()["repeated"] is True
    assert again.get_json()["incident_id"] == first.get_json()["incident_id"]
    assert count(conn, "incidents") == 1
    other = started(client, zhang)  # the same id on another patrol is a conflict
    assert report(client, zhang, other, sent).status_code == 409


@pytest.mark.parametrize(("change", "param"), [
    ({"category": "没有这个类别"}, "category"),
    ({"description": ""}, "description"),
    ({"description": "长" * 501}, "description"),
    ({"lon": None}, "lon"),
    ({"lon": 2.35, "lat": 48.85}, "lon"),  # outside the service area
    ({"lon": xy(9, 1)[0]}, "lon"),  # east of every community: nobody could act on it
    ({"accuracy": -1}, "accuracy"),
    ({"client_id": "abc"}, "client_id"),
    ({"photo": "x"}, "photo"),
])
def test_a_bad_report_is_a_400_and_stores_nothing(client, zhang, conn, change, param):
    patrol = started(client, zhang)
    response = report(client, zhang, patrol, {**problem(), **change})
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["details"]["param"] == param
    assert count(conn, "incidents") == 0


def test_an_inactive_category_is_refused(client, zhang, conn):
    conn.execute(text("UPDATE categories SET active = false WHERE code = '环境卫生'"))
    response = report(client, zhang, started(client, zhang), problem())
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["param"] == "category"


def test_a_report_with_photos_as_a_form(client, zhang, conn):
    patrol = started(client, zhang)
    sent = {k: str(v) for k, v in problem().items()}
    sent["photos"] = [(io.BytesIO(camera_jpeg()), "IMG_1.jpg"),
                      (io.BytesIO(small_png()), "IMG_2.png")]
    response = post_form(client, zhang, patrol, sent)
    assert response.status_code == 201, response.get_json()
    stored = conn.execute(text("SELECT incident_id, event_id, photo FROM incident_photos"
                               " ORDER BY id")).all()
    assert [s.incident_id for s in stored] == [response.get_json()["incident_id"]] * 2
    assert stored[0].event_id is None  # with the report, not with a later action
    image = Image.open(io.BytesIO(stored[0].photo))
    assert max(image.size) <= 1600 and not image.getexif()


def test_a_bad_photo_refuses_the_report(client, zhang, conn):
    patrol = started(client, zhang)
    sent = {k: str(v) for k, v in problem().items()}
    sent["photos"] = [(io.BytesIO(b"%PDF-1.4 not a photo"), "a.pdf")]
    response = post_form(client, zhang, patrol, sent)
    assert response.status_code == 415
    assert count(conn, "incidents") == 0 and count(conn, "incident_photos") == 0
