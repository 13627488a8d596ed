"""The API does what its OpenAPI document says: Schemathesis, every check, on every
operation of ``/api/v1/openapi.json``, in-process, without credentials and as an admin.

Bounded: a few examples per operation and generation mode (valid and invalid data), so
that the whole run stays near a minute on two cores. A failure names the operation, the
check and the request that contradicted the document (curl to replay it).
"""

from __future__ import annotations

import pytest
import schemathesis

from tests.api.fuzz import fuzz as _fuzz
from tests.support.towns import build_incident_town

# A request the document calls valid may still be refused (400) by a rule OpenAPI 3.0
# cannot state: a bbox's minimum above its maximum, a point outside SERVICE_AREA or with
# lat/lon swapped, a category or building code that does not exist, a plan in another
# community; a file the document can only call binary that is of a type refused (415) or
# too large (413: the field app's photos). Everything else a valid request may get is
# what Schemathesis expects.
POSITIVE_MAY_GET = ["2xx", "400", "401", "403", "404", "409", "412", "413", "415", "428",
                    "429"]
# An invalid request is refused by any 4xx Schemathesis counts as a refusal, and also by 412:
# a stale If-Match is answered before the body is read (a plan's edits), which refuses it.
NEGATIVE_REFUSED_BY = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422",
                       "428", "429"]


@pytest.fixture
def schema(app, conn):
    build_incident_town(conn)
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    loaded.config.checks.positive_data_acceptance.expected_statuses = POSITIVE_MAY_GET
    loaded.config.checks.negative_data_rejection.expected_statuses = NEGATIVE_REFUSED_BY
    return loaded


def test_the_server_answers_as_its_document_says_to_anyone(schema):
    failures = _fuzz(schema, {})
    assert not failures, "\n\n".join(failures)


def test_the_server_answers_as_its_document_says_to_an_admin(schema, make_user, make_token):
    make_user("fuzz-admin", "admin")
    token = make_token("fuzz-admin")
    failures = _fuzz(schema, {"Authorization": f"Bearer {token}"})
    assert not failures, "\n\n".join(failures)
