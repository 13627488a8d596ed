"""Fixtures of the report tests (the statistics town, ``@pytest.mark.town("stats")``)."""

import pytest


@pytest.fixture
def viewer(staff):
    """The bearer headers of a viewer of every community."""
    return staff("viewer", "viewer")
