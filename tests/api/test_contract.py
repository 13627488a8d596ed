"""The API does what its OpenAPI document says: Schemathesis, every check, on every
operation of ``/api/v1/openapi.json``, in-process, without credentials and as an admin.

Bounded: a few examples per operation and generation mode (valid and invalid data), so
that the whole run stays near a minute on two cores. A failure names the operation, the
check and the request that contradicted the document (curl to replay it).
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS

from tests.support.towns import build_incident_town

EXAMPLES = 12  # per operation and mode
# A request the document calls valid may still be refused (400) by a rule OpenAPI 3.0
# cannot state: a bbox's minimum above its maximum, a point outside SERVICE_AREA or with
# lat/lon swapped, a category or building code that does not exist, a plan in another
# community. Everything else a valid request may get is what Schemathesis expects.
POSITIVE_MAY_GET = ["2xx", "400", "401", "403", "404", "409", "412", "428", "429"]


@pytest.fixture
def schema(app, conn):
    build_incident_town(conn)
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    loaded.config.checks.positive_data_acceptance.expected_statuses = POSITIVE_MAY_GET
    return loaded


def _fuzz(schema, headers: dict) -> list[str]:
    checks = list(CHECKS.get_all())
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None,
                                 derandomize=True, suppress_health_check=list(HealthCheck),
                                 phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                case.call_and_validate(headers=headers, checks=checks)

            try:
                run()
            except hypothesis.errors.Unsatisfiable:  # nothing invalid to send: no parameter
                continue
            except (Exception, BaseExceptionGroup) as failure:  # listed, then asserted on
                failures.append(f"{operation.label} ({mode}): {_summary(failure)}")
    return failures


def _summary(failure: Exception) -> str:
    """Each contradiction in a line or two, and the request to replay it."""
    text = str(failure)
    replay = next((line.strip() for line in text.splitlines() if "curl " in line), "")
    found = getattr(failure, "exceptions", None) or [failure]
    return "; ".join(f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300]}"
                     for e in found) + (f"\n    {replay}" if replay else "")


def test_the_server_answers_as_its_document_says_to_anyone(schema):
    failures = _fuzz(schema, {})
    assert not failures, "\n\n".join(failures)


def test_the_server_answers_as_its_document_says_to_an_admin(schema, make_user, make_token):
    make_user("fuzz-admin", "admin")
    token = make_token("fuzz-admin")
    failures = _fuzz(schema, {"Authorization": f"Bearer {token}"})
    assert not failures, "\n\n".join(failures)
