"""The OGC API under ``/ogc`` answers as its own OpenAPI document (``/ogc/api``) says:
Schemathesis over every operation, in-process, without credentials and as an admin
(issue 18, build item 8). Bounded like tests/api/test_contract.py.

Every check but one: ``negative_data_rejection``. OGC API – Features asks a server to serve a
``limit`` above its maximum as the maximum, not to refuse it, and an empty ``f`` means the
default format; the document states the bounds a client should keep to, so a request outside
them may be served. No 5xx, status codes, content types, headers and bodies as documented,
and valid requests accepted: all are checked.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.checks import CHECKS

from tests.api.fuzz import fuzz
from tests.support.towns import build_incident_town

# As for /api/v1: a valid-looking request may still be refused by a rule OpenAPI 3.0 cannot
# state (a bbox's minimum above its maximum, an unknown feature id, a staff-only collection).
POSITIVE_MAY_GET = ["2xx", "400", "401", "403", "404"]
SERVED_ANYWAY = {"negative_data_rejection"}


def checks() -> list:
    return [c for c in CHECKS.get_all() if c.__name__ not in SERVED_ANYWAY]


@pytest.fixture
def schema(app, conn):
    build_incident_town(conn)
    loaded = schemathesis.openapi.from_wsgi("/ogc/api?f=json", app)
    loaded.config.checks.positive_data_acceptance.expected_statuses = POSITIVE_MAY_GET
    return loaded


def test_the_ogc_api_answers_as_its_document_says_to_anyone(schema):
    failures = fuzz(schema, {}, checks())
    assert not failures, "\n\n".join(failures)


def test_the_ogc_api_answers_as_its_document_says_to_an_admin(schema, make_user, make_token):
    make_user("ogc-fuzz-admin", "admin")
    token = make_token("ogc-fuzz-admin")
    failures = fuzz(schema, {"Authorization": f"Bearer {token}"}, checks())
    assert not failures, "\n\n".join(failures)
