"""Open311 ``GET /open311/v2/servicerequestupdates`` (issue 21 part 6): each status change
with exactly the extension's fields, no staff note, no media, public categories only
without a key; the window checked like requests'."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import text

from tests.outbox.conftest import act, report

pytestmark = pytest.mark.town("incidents")
FIELDS = {"update_id", "service_request_id", "status", "updated_datetime", "description",
          "media_url"}
PRIVATE = "王某 13900000333 说楼上漏水"
URL = "/open311/v2/servicerequestupdates"


def test_status_changes_with_the_extensions_fields_only(conn, client, dispatcher):
    incident = report(client, dispatcher)
    act(client, dispatcher, incident, "note", note=PRIVATE)  # no status change: no update
    act(client, dispatcher, incident, "reject", note=PRIVATE)
    response = client.get(f"{URL}.json")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "王某" not in body and "13900000333" not in body
    mine = sorted((u for u in response.get_json() if u["service_request_id"] == str(incident)),
                  key=lambda u: int(u["update_id"]))  # one test transaction: times tie
    assert all(set(u) == FIELDS for u in mine)
    assert [u["status"] for u in mine] == ["open", "closed"]
    assert all(u["media_url"] is None for u in mine)
    assert mine[1]["description"].startswith("不予受理")
    events = conn.execute(text("SELECT id FROM incident_events WHERE incident_id = :i"
                               " AND action <> 'note' ORDER BY id"),
                          {"i": incident}).scalars().all()
    assert [u["update_id"] for u in mine] == [str(e) for e in events]
    xml = ET.fromstring(client.get(f"{URL}.xml").get_data())
    assert xml.tag == "service_request_updates" and xml[0].tag == "request_update"


def test_a_non_public_category_only_with_a_key(client, dispatcher):
    hidden = report(client, dispatcher, category="邻里纠纷")
    anonymous = client.get(f"{URL}.json").get_json()
    assert str(hidden) not in {u["service_request_id"] for u in anonymous}
    key = dispatcher["Authorization"].split()[1]
    keyed = client.get(f"{URL}.json?api_key={key}").get_json()
    assert str(hidden) in {u["service_request_id"] for u in keyed}


def test_the_window(client, dispatcher):
    report(client, dispatcher)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.get(f"{URL}.json?start_date={later}").get_json() == []
    assert len(client.get(f"{URL}.json?end_date={later}").get_json()) >= 1
    for query in ("start_date=yesterday", "start_date=2026-01-01T00:00:00Z&end_date="
                  "2026-06-01T00:00:00Z", "status=open", "page_size=0"):
        response = client.get(f"{URL}.json?{query}")
        assert response.status_code == 400, query
