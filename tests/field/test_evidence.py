"""Evidence photos: counted, cleaned (≤ 1600 px, no EXIF, small) and stored with an event."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import text

from geo.core.errors import InvalidInput, UnsupportedType
from geo.field import evidence
from geo.field.store import photos as photo_store
from tests.field.photos import camera_jpeg, small_png
from tests.support.geometries import insert_incident


def test_a_camera_jpeg_is_shrunk_and_loses_its_exif():
    sent = camera_jpeg()
    assert len(sent) > 3_000_000
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(0x8825)  # the GPS block is there
    [kept] = evidence.check_photos([sent])
    assert len(kept.data) < 400_000
    image = Image.open(io.BytesIO(kept.data))
    assert max(image.size) <= 1600 and (kept.width, kept.height) == image.size
    assert image.format == "JPEG" and not image.getexif() and "exif" not in image.info


@pytest.mark.parametrize("count", [0, 7])
def test_one_to_six_photos(count):
    with pytest.raises(InvalidInput) as err:
        evidence.check_photos([small_png()] * count)
    assert err.value.param == "photos"


def test_not_an_image_is_refused():
    with pytest.raises(UnsupportedType):
        evidence.check_photos([small_png(), b"%PDF-1.4 not a photo"])


def test_stored_and_read_back(conn, town):
    incident = insert_incident(conn, 0.5, 0.5)
    cleaned = evidence.check_photos([small_png("red"), small_png("blue")])
    ids = photo_store.add(conn, incident, None, None, cleaned)
    assert len(ids) == 2
    assert [r.id for r in photo_store.of_incident(conn, incident)] == ids
    row = photo_store.one(conn, incident, ids[1])
    assert bytes(row.photo) == cleaned[1].data and row.content_type == "image/jpeg"
    assert photo_store.one(conn, incident + 1, ids[1]) is None
    assert conn.execute(text("SELECT count(*) FROM incident_photos")).scalar() == 2


@pytest.mark.town("incidents")
def test_admins_set_evidence_required(client, staff, conn):
    admin = staff("root", "admin")
    response = client.put("/api/v1/categories/环境卫生", json={"evidence_required": True},
                          headers=admin)
    assert response.status_code == 200 and response.get_json()["evidence_required"] is True
    assert conn.execute(text("SELECT evidence_required FROM categories"
                             " WHERE code = '环境卫生'")).scalar() is True
    bad = client.put("/api/v1/categories/环境卫生", json={"evidence_required": "yes"},
                     headers=admin)
    assert bad.status_code == 400
