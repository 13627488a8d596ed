"""Structured logs: JSON lines with request id, user id and route; control characters
escaped; secrets masked."""

import io
import json
import logging

import pytest

from app.security import logs


@pytest.fixture
def log_lines(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("app")
    logger.addHandler(handler)
    logs.access.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logs.access.setLevel(logging.WARNING)
    logger.removeHandler(handler)


def test_an_encoded_newline_cannot_forge_a_line(client, log_lines):
    forged = '/api/v1/nothing%0a{"level":"ERROR","message":"forged"}%0d%1b[31m'
    response = client.get(forged)
    lines = log_lines()
    assert len(lines) == 1 and lines[0]["message"] == "request"
    assert "\n" in lines[0]["path"] and lines[0]["status"] == 404
    assert lines[0]["request_id"] == response.headers["X-Request-ID"]


def test_lines_name_the_user_and_route_and_mask_tokens(client, staff, log_lines):
    headers = staff("wang", "viewer")
    secret = headers["Authorization"].split()[1]
    client.get("/api/v1/incidents?limit=1", headers=headers)
    client.get("/open311/v2/requests.json?api_key=" + secret + "&x=1")
    lines = log_lines()
    assert lines[0]["route"] == "/api/v1/incidents"
    assert isinstance(lines[0]["user_id"], int)
    assert lines[1]["path"].endswith("api_key=***&x=1")
    assert secret not in json.dumps(lines) and secret[3:20] not in json.dumps(lines)


def test_mask_hides_tokens_in_messages():
    text = "failed for Bearer abc.def and gm_ABCdef123-_x with ?token=s3cret&ok=1"
    assert logs.mask(text) == "failed for Bearer *** and gm_*** with ?token=***&ok=1"


def test_a_client_request_id_is_kept_only_when_well_formed(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123-def"}).headers[
        "X-Request-ID"] == "abc-123-def"
    odd = client.get("/healthz", headers={"X-Request-ID": "a\tb"}).headers["X-Request-ID"]
    assert odd != "a\tb" and len(odd) == 16


def test_no_access_lines_unless_asked(client, app, caplog):
    with caplog.at_level(logging.DEBUG, logger="app.errors"):
        client.get("/healthz")
    assert not [r for r in caplog.records if r.name == "app.access"]
