"""Fixtures of the close-the-loop tests (issue 21): the incident town with two departments
(市容环卫 for the category by default, 城管 for the street), their staff, a dispatcher and
grid A's worker."""

from __future__ import annotations

import pytest
from sqlalchemy import text

# the field app's helpers and its dispatcher and grid-A worker fixtures
from tests.field.conftest import act, at, dispatched, dispatcher, report, worker  # noqa: F401
from tests.support.auth import bearer

STREET = "110101001"  # both communities of the town


@pytest.fixture
def departments(town, conn) -> dict[str, int]:
    ids = {}
    for key, name in (("sanitation", "区市容环卫中心"), ("cityops", "街道城管执法队"),
                      ("water", "区水务局")):
        ids[key] = conn.execute(text(
            "INSERT INTO departments (name, kind, contact_name, contact_phone)"
            " VALUES (:n, 'department', '王科长', '13800000999') RETURNING id"),
            {"n": name}).scalar_one()
    return ids


@pytest.fixture
def dept_staff(departments, conn, make_user, make_token):
    """``dept_staff(key)`` → bearer headers of an account of that department."""

    def make(key: str) -> dict[str, str]:
        make_user(f"dept-{key}", "department")
        conn.execute(text("UPDATE users SET department_id = :d WHERE username = :u"),
                     {"d": departments[key], "u": f"dept-{key}"})
        return bearer(make_token(f"dept-{key}"))

    return make


@pytest.fixture
def catalogue(departments, conn):
    """环境卫生 → 市容环卫 by default (48 h to resolve), → 城管 in the town's street."""
    conn.execute(text(
        "INSERT INTO dispatch_catalogue (category_code, street_code, department_id,"
        " response_hours, resolve_hours) VALUES ('环境卫生', NULL, :a, 2, 48),"
        " ('环境卫生', :s, :b, NULL, 16)"),
        {"a": departments["sanitation"], "b": departments["cityops"], "s": STREET})
