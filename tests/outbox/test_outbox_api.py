"""``/api/v1/webhooks``: admins register endpoints (the secret shown once), change, pause and
re-enable them, read the delivery log, remove them; every write audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from geo.outbox import signing
from tests.outbox.conftest import report
from tests.outbox.receiver import Receiver

pytestmark = pytest.mark.town("incidents")
T0 = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def admin(staff, town):
    return staff("boss", "admin")


def test_register_deliver_and_read_the_log(conn, client, admin, dispatcher, run):
    answer = client.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/x",
                                                   "events": ["accept"]}, headers=admin)
    assert answer.status_code == 201
    made = answer.get_json()
    assert made["secret"].startswith("whsec_") and made["events"] == ["accept"]
    receiver = Receiver(made["secret"])
    try:
        response = client.patch(f"/api/v1/webhooks/{made['id']}",
                                json={"url": receiver.url, "events": []}, headers=admin)
        assert response.status_code == 200 and "secret" not in response.get_json()
        incident = report(client, dispatcher)
        run(T0)
        assert receiver.requests and all(r["valid"] for r in receiver.requests)
        log = client.get(f"/api/v1/webhooks/{made['id']}/deliveries", headers=admin)
        items = log.get_json()["items"]
        assert items[0]["status"] == "delivered" and items[0]["incident_id"] == incident
    finally:
        receiver.close()
    listed = client.get("/api/v1/webhooks", headers=admin).get_json()["items"]
    assert [e["id"] for e in listed] == [made["id"]] and "secret" not in listed[0]
    audits = conn.execute(text("SELECT action, after::text FROM audit_log"
                               " WHERE entity = 'webhook_endpoints'")).all()
    assert {a.action for a in audits} >= {"webhooks.register", "webhooks.change"}
    assert all(made["secret"] not in (a.after or "") for a in audits)
    assert client.delete(f"/api/v1/webhooks/{made['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/webhooks/{made['id']}", headers=admin).status_code == 404


@pytest.mark.parametrize("body", [{}, {"url": "ftp://x/y"}, {"url": "http://x", "events": "a"},
                                  {"url": "http://x", "events": ["Bad Kind"]},
                                  {"url": "http://x", "active": "yes"},
                                  {"url": "http://x", "secret": "whsec_x"}])
def test_bad_endpoints_are_400(client, admin, body):
    response = client.post("/api/v1/webhooks", json=body, headers=admin)
    assert response.status_code == 400, response.get_json()


def test_a_disabled_endpoint_is_re_enabled(conn, client, admin):
    secret = signing.new_secret()
    endpoint = conn.execute(text(
        "INSERT INTO webhook_endpoints (url, secret, active, consecutive_failures, disabled_at)"
        " VALUES ('http://127.0.0.1:9/', :s, false, 10, now()) RETURNING id"),
        {"s": secret}).scalar()
    answer = client.patch(f"/api/v1/webhooks/{endpoint}", json={"active": True}, headers=admin)
    body = answer.get_json()
    assert body["active"] and body["consecutive_failures"] == 0 and body["disabled_at"] is None


def test_only_admins(client, staff, town):
    dispatcher = staff("d2", "dispatcher")
    assert client.get("/api/v1/webhooks", headers=dispatcher).status_code == 403


def test_an_admin_limited_to_some_communities_registers_no_endpoint_of_all(client, staff,
                                                                          town, conn):
    """An endpoint of every community is the unlimited's: a limited admin asking for one is
    refused and nothing is made (their own communities' endpoints: test_outbox_scope)."""
    limited = staff("one-boss", "admin", ("110101001001",))
    answer = client.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/x",
                                                   "communities": []}, headers=limited)
    assert answer.status_code == 403
    assert conn.execute(text("SELECT count(*) FROM webhook_endpoints")).scalar() == 0
