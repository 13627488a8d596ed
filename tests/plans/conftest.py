"""Fixtures of the plan tests: a planner's headers (builders in tests/support/plans.py)."""

import pytest

from tests.support.plans import planner_headers


@pytest.fixture
def planner(make_user, make_token, town):
    """The bearer headers of a planner of every community, once the town is built."""
    return planner_headers(make_user, make_token)
