"""Fixtures of the incident tests (the town is ``@pytest.mark.town("incidents")``)."""

import pytest


@pytest.fixture
def dispatcher(staff, town):
    """The bearer headers of a dispatcher of every community, once the town is built."""
    return staff("disp", "dispatcher")
