"""Actions from the field app (issue 20): client ids, the GPS fix, seen_status, photos."""

from __future__ import annotations

import io
import threading
import uuid

import pytest
from PIL import Image
from sqlalchemy import text
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.field.conftest import act, at, dispatched
from tests.field.photos import camera_jpeg, small_png

pytestmark = pytest.mark.town("incidents")


def events(conn, incident_id: int, action: str) -> int:
    return conn.execute(text("SELECT count(*) FROM incident_events WHERE incident_id = :i"
                             " AND action = :a"), {"i": incident_id, "a": action}).scalar()


def test_a_repeated_client_id_changes_nothing(client, dispatcher, worker, conn):
    incident = dispatched(client, dispatcher)
    key = str(uuid.uuid4())
    first = act(client, worker, incident, "note", note="到现场了", client_id=key)
    assert first.status_code == 200 and first.get_json()["repeated"] is False
    again = act(client, worker, incident, "note", note="到现场了", client_id=key)
    assert again.status_code == 200 and again.get_json()["repeated"] is True
    assert events(conn, incident, "note") == 1
    start = str(uuid.uuid4())
    assert act(client, worker, incident, "start", client_id=start).status_code == 200
    # The status moved on, yet the repeat of the start is still a quiet 200.
    repeat = act(client, worker, incident, "start", client_id=start)
    assert repeat.status_code == 200 and repeat.get_json()["status"] == "in_progress"
    assert events(conn, incident, "start") == 1
    other = dispatched(client, dispatcher, 1.5, 1)
    reused = act(client, worker, other, "note", note="x", client_id=key)
    assert reused.status_code == 400 and reused.get_json()["error"]["details"]["param"] == \
        "client_id"


@pytest.mark.parametrize("fields, param", [
    ({"client_id": "not-a-uuid"}, "client_id"),
    ({"lon": 116.39}, "lat"),
    ({"lon": "116.39", "lat": 39.9}, "lon"),
    ({"accuracy": 5}, "accuracy"),
    ({"lon": 116.39, "lat": 39.9, "accuracy": -1}, "accuracy"),
    ({"seen_status": "lost"}, "seen_status"),
])
def test_bad_field_inputs_are_400(client, dispatcher, worker, conn, fields, param):
    incident = dispatched(client, dispatcher)
    response = act(client, worker, incident, "start", **fields)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["details"]["param"] == param
    assert events(conn, incident, "start") == 0


def test_seen_status_conflict(client, dispatcher, worker, conn):
    incident = dispatched(client, dispatcher)
    assert act(client, dispatcher, incident, "return", note="派错了").status_code == 200
    response = act(client, worker, incident, "start", seen_status="dispatched")
    assert response.status_code == 409
    details = response.get_json()["error"]["details"]
    assert details == {"status": "returned", "allowed": ["note"], "conflict": True}
    assert events(conn, incident, "start") == 0
    ok = act(client, dispatcher, incident, "dispatch", seen_status="returned")
    assert ok.status_code == 200


def test_the_fix_is_recorded_and_a_far_one_flagged(client, dispatcher, worker):
    incident = dispatched(client, dispatcher)
    act(client, worker, incident, "start", accuracy=8, **at(1.5, 1))
    answer = act(client, worker, incident, "note", note="在别处", **at(4, 1)).get_json()
    fixes = {e["action"]: e["fix"] for e in answer["history"]}
    assert fixes["start"]["far"] is False and fixes["start"]["accuracy_m"] == 8
    assert 40 < fixes["start"]["distance_m"] < 45
    assert fixes["note"]["far"] is True and 250 < fixes["note"]["distance_m"] < 260
    assert (fixes["note"]["lon"], fixes["note"]["lat"]) == pytest.approx(
        tuple(at(4, 1).values()))
    assert fixes["dispatch"] is None


def _form(action: str, photos: list[bytes], **fields) -> dict:
    return {"action": action, **{k: str(v) for k, v in fields.items()},
            "photos": [FileStorage(io.BytesIO(p), f"p{i}.jpg", "photos")
                       for i, p in enumerate(photos)]}


def post_form(client, headers, incident_id: int, form: dict):
    # Encoded here, in memory: the test client spools a large form to a temporary file
    # it never closes (a ResourceWarning, an error in this suite).
    boundary, body = encode_multipart(MultiDict(
        [(k, v) for k, vs in form.items() for v in (vs if isinstance(vs, list) else [vs])]))
    return client.post(f"/api/v1/incidents/{incident_id}/actions", data=body,
                       headers=headers,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_resolve_with_a_camera_photo(client, dispatcher, worker, conn):
    incident = dispatched(client, dispatcher)
    act(client, worker, incident, "start")
    sent = camera_jpeg()
    response = post_form(client, worker, incident, _form(
        "resolve", [sent], note="已清理", client_id=uuid.uuid4(), **at(1, 1)))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    [photo] = body["photos"]
    [resolved] = [e for e in body["history"] if e["action"] == "resolve"]
    assert body["status"] == "resolved" and photo["event_id"] == resolved["id"]
    served = client.get(photo["url"], headers=worker)
    assert served.mimetype == "image/jpeg"
    assert len(served.data) < 400_000
    image = Image.open(io.BytesIO(served.data))
    assert max(image.size) <= 1600 and not image.getexif()
    assert client.get(photo["url"], headers=dispatcher).status_code == 200
    assert client.get(photo["url"].replace(str(photo["id"]), str(photo["id"] + 1)),
                      headers=dispatcher).status_code == 404


def test_evidence_required_needs_a_photo_to_resolve(client, dispatcher, worker, conn):
    conn.execute(text("UPDATE categories SET evidence_required = true WHERE code = '环境卫生'"))
    incident = dispatched(client, dispatcher)
    act(client, worker, incident, "start")
    bare = act(client, worker, incident, "resolve")
    assert bare.status_code == 400 and bare.get_json()["error"]["details"]["param"] == "photos"
    tasks = client.get("/api/v1/me/tasks", headers=worker).get_json()["tasks"]
    assert tasks[0]["evidence_required"] is True
    assert post_form(client, worker, incident,
                     _form("resolve", [small_png()])).status_code == 200
    assert conn.execute(text("SELECT count(*) FROM incident_photos")).scalar() == 1


@pytest.mark.parametrize("photos, status", [([b"not an image"], 415), ([None] * 7, 400)])
def test_bad_photos_store_nothing(client, dispatcher, worker, conn, photos, status):
    incident = dispatched(client, dispatcher)
    photos = [p or small_png() for p in photos]
    response = post_form(client, worker, incident, _form("start", photos))
    assert response.status_code == status, response.get_json()
    assert events(conn, incident, "start") == 0
    assert conn.execute(text("SELECT count(*) FROM incident_photos")).scalar() == 0


def test_photos_must_be_files(client, dispatcher, worker):
    incident = dispatched(client, dispatcher)
    response = client.post(f"/api/v1/incidents/{incident}/actions", headers=worker,
                           data={"action": "start", "photos": "not a file"},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["param"] == "photos"


def test_the_form_is_documented_with_its_photos(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    body = spec["paths"]["/api/v1/incidents/{incident_id}/actions"]["post"]["requestBody"]
    assert set(body["content"]) == {"application/json", "multipart/form-data"}
    form = body["content"]["multipart/form-data"]["schema"]
    if "$ref" in form:
        form = spec["components"]["schemas"][form["$ref"].split("/")[-1]]
    assert form["properties"]["photos"]["items"]["format"] == "binary"


@pytest.mark.commits
def test_racing_repeats_write_once(app, client, dispatcher, worker, conn):
    incident = dispatched(client, dispatcher)
    key, start = str(uuid.uuid4()), threading.Barrier(2)
    answers = []

    def send():
        with app.test_client() as own:
            start.wait()
            answers.append(act(own, worker, incident, "start", client_id=key))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 200]
    assert sorted(a.get_json()["repeated"] for a in answers) == [False, True]
    assert events(conn, incident, "start") == 1
