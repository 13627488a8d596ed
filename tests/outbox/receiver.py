"""A local webhook receiver for the outbox tests: an http.server in a thread that verifies
every Standard Webhooks signature, can fail its first N requests, and keeps what it accepted
keyed by ``webhook-id`` (as a receiver deduplicates)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from geo.outbox import signing


class Receiver:
    def __init__(self, secret: str, fail_first: int = 0, hang_first: int = 0):
        """``hang_first``: the first requests wait for :attr:`release` (the sender is
        killed meanwhile), then get a 503."""
        self.secret, self.fail_first, self.hang_first = secret, fail_first, hang_first
        self.hanging, self.release = threading.Event(), threading.Event()
        self.requests: list[dict] = []  # every request, with whether its signature held
        self.accepted: dict[str, list[dict]] = {}  # webhook-id → bodies answered 2xx
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                data = self.rfile.read(int(self.headers["content-length"]))
                receiver.handle(self, data)

            def log_message(self, *args):
                pass

        return Handler

    def handle(self, request, data: bytes) -> None:
        msg_id = request.headers["webhook-id"]
        stamp = request.headers["webhook-timestamp"]
        valid = signing.verify(self.secret, msg_id, stamp, data,
                               request.headers["webhook-signature"])
        self.requests.append({"id": msg_id, "valid": valid, "timestamp": int(stamp),
                              "received": time.time()})
        if len(self.requests) <= self.hang_first:
            self.hanging.set()
            self.release.wait(60)
            status = 503
        else:
            status = self.answer(valid)
        if status == 204:
            self.accepted.setdefault(msg_id, []).append(json.loads(data))
        try:
            request.send_response(status)
            request.end_headers()
        except OSError:  # the sender is gone
            pass

    def answer(self, valid: bool) -> int:
        failing = len(self.requests) <= self.fail_first
        return 401 if not valid else 500 if failing else 204

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
