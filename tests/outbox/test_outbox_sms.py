"""SMS (issue 21 part 5): the assignee (staff) gets a templated Chinese text through the
gateway; a resident's phone never gets one; no gateway, no texts."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import text

from tests.outbox.conftest import act, report

pytestmark = pytest.mark.town("incidents")
T0 = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)
WORKER_PHONE, RESIDENT_PHONE = "13800000001", "13900000999"


@pytest.fixture
def gateway():
    """A test SMS gateway: the JSON bodies it was sent."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            received.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/send", received
    server.shutdown()
    server.server_close()


def test_the_assignee_gets_the_templated_text_and_the_resident_none(
        conn, client, dispatcher, town, gateway, run):
    url, received = gateway
    conn.execute(text("UPDATE grid_members SET private_phone = :p WHERE id = :m"),
                 {"p": WORKER_PHONE, "m": town["A_full"]})
    incident = report(client, dispatcher, reporter_phone=RESIDENT_PHONE)
    act(client, dispatcher, incident, "accept")
    act(client, dispatcher, incident, "dispatch")
    run(T0, sms_gateway=url)
    run(T0 + dt.timedelta(hours=1), sms_gateway=url)
    wanted = f"【网格通知】新任务：事件{incident}（环境卫生）已派给您，请及时处置。"
    assert received == [{"to": WORKER_PHONE, "text": wanted}]


def test_no_gateway_no_texts(conn, client, dispatcher, town, run):
    conn.execute(text("UPDATE grid_members SET private_phone = :p WHERE id = :m"),
                 {"p": WORKER_PHONE, "m": town["A_full"]})
    incident = report(client, dispatcher)
    act(client, dispatcher, incident, "accept")
    act(client, dispatcher, incident, "dispatch")
    run(T0)
    assert conn.execute(text("SELECT count(*) FROM deliveries WHERE channel = 'sms'")
                        ).scalar() == 0
