"""Schemathesis, bounded, over every operation of a loaded OpenAPI document: the shared
loop of tests/api/test_contract.py (``/api/v1``) and tests/api/test_ogc_contract.py (``/ogc``).
"""

from __future__ import annotations

import hypothesis
from hypothesis import HealthCheck
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS

EXAMPLES = 12  # per operation and mode


def fuzz(schema, headers: dict, checks=None, examples: int = EXAMPLES) -> list[str]:
    """Every failure, one line each (empty: the server did as the document says)."""
    checks = list(CHECKS.get_all()) if checks is None else checks
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @hypothesis.settings(max_examples=examples, deadline=None, database=None,
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
