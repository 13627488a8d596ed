"""Webhook endpoints scoped to communities: a scoped endpoint hears only the events of
incidents located in its communities; an administrator limited to some communities
registers, sees and changes endpoints of those communities only."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.outbox.conftest import report
from tests.outbox.receiver import Receiver
from tests.support.geometries import COMMUNITY_1, COMMUNITY_2, xy

pytestmark = pytest.mark.town("incidents")
T0 = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def admins(staff, town):
    return {"all": staff("boss", "admin"), "one": staff("boss1", "admin", [COMMUNITY_1])}


def _register(client, headers, url: str, **body):
    return client.post("/api/v1/webhooks", json={"url": url, **body}, headers=headers)


def _incident_ids(receiver: Receiver) -> set[int]:
    return {b["data"]["incident_id"] for bodies in receiver.accepted.values() for b in bodies}


def test_a_scoped_endpoint_hears_its_communities_only(client, admins, dispatcher, run):
    everyone, only_1 = Receiver("whsec_" + "A" * 32), Receiver("whsec_" + "A" * 32)
    try:
        made = {}
        for name, receiver, body in (("all", everyone, {}),
                                     ("one", only_1, {"communities": [COMMUNITY_1]})):
            answer = _register(client, admins["all"], receiver.url, **body)
            assert answer.status_code == 201, answer.get_json()
            made[name] = answer.get_json()
            receiver.secret = made[name]["secret"]
        assert made["all"]["communities"] is None
        assert made["one"]["communities"] == [COMMUNITY_1]
        in_1 = report(client, dispatcher)
        lon, lat = xy(5, 1)
        in_2 = report(client, dispatcher, lon=lon, lat=lat)
        run(T0)
        assert _incident_ids(everyone) == {in_1, in_2}
        assert _incident_ids(only_1) == {in_1}
        assert all(r["valid"] for r in only_1.requests)
    finally:
        everyone.close()
        only_1.close()


def test_a_limited_admin_registers_within_their_communities(client, admins):
    one = admins["one"]
    mine = _register(client, one, "http://127.0.0.1:9/a", communities=[COMMUNITY_1])
    assert mine.status_code == 201 and mine.get_json()["communities"] == [COMMUNITY_1]
    defaulted = _register(client, one, "http://127.0.0.1:9/b")
    assert defaulted.status_code == 201
    assert defaulted.get_json()["communities"] == [COMMUNITY_1]  # all of theirs
    for body in ({"communities": [COMMUNITY_2]}, {"communities": [COMMUNITY_1, COMMUNITY_2]},
                 {"communities": []}, {"communities": None}):
        refused = _register(client, one, "http://127.0.0.1:9/c", **body)
        assert refused.status_code == 403, (body, refused.get_json())
        assert "communit" in refused.get_json()["error"]["message"]
    unknown = _register(client, admins["all"], "http://127.0.0.1:9/d",
                        communities=["999999999999"])
    assert unknown.status_code == 400 and "999999999999" in unknown.get_json()["error"]["message"]
    assert _register(client, one, "http://127.0.0.1:9/e",
                     communities="x").status_code == 400


def test_a_limited_admin_sees_and_changes_only_theirs(client, admins):
    one, boss = admins["one"], admins["all"]
    mine = _register(client, one, "http://127.0.0.1:9/a").get_json()["id"]
    every = _register(client, boss, "http://127.0.0.1:9/b").get_json()["id"]
    other = _register(client, boss, "http://127.0.0.1:9/c",
                      communities=[COMMUNITY_2]).get_json()["id"]
    listed = client.get("/api/v1/webhooks", headers=one).get_json()["items"]
    assert [e["id"] for e in listed] == [mine]
    everything = client.get("/api/v1/webhooks", headers=boss).get_json()["items"]
    assert [e["id"] for e in everything] == [mine, every, other]
    for endpoint in (every, other):
        assert client.get(f"/api/v1/webhooks/{endpoint}", headers=one).status_code == 404
        assert client.get(f"/api/v1/webhooks/{endpoint}/deliveries",
                          headers=one).status_code == 404
        assert client.patch(f"/api/v1/webhooks/{endpoint}", json={"active": False},
                            headers=one).status_code == 404
        assert client.delete(f"/api/v1/webhooks/{endpoint}", headers=one).status_code == 404
    widen = client.patch(f"/api/v1/webhooks/{mine}", json={"communities": []}, headers=one)
    assert widen.status_code == 403
    moved = client.patch(f"/api/v1/webhooks/{mine}", json={"communities": [COMMUNITY_2]},
                         headers=one)
    assert moved.status_code == 403
    paused = client.patch(f"/api/v1/webhooks/{mine}", json={"active": False}, headers=one)
    assert paused.status_code == 200 and paused.get_json()["active"] is False
    widened = client.patch(f"/api/v1/webhooks/{mine}", json={"communities": None},
                           headers=boss)
    assert widened.status_code == 200 and widened.get_json()["communities"] is None
    assert client.get(f"/api/v1/webhooks/{mine}", headers=one).status_code == 404
