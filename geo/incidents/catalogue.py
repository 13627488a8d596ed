"""The dispatch catalogue (派单目录): which department handles a category by default, and
per street (``communities.street_code``) when a street overrides it. Used when an incident
is escalated to "the department" without naming one (``geo.incidents.escalation``)."""

from __future__ import annotations

import math

from sqlalchemy import Connection

from geo.core import params
from geo.core.errors import InvalidInput
from geo.incidents.store.escalation import exists

FIELDS = ("category", "street_code", "department_id", "response_hours", "resolve_hours")


def check_entry(conn: Connection, body: dict) -> dict:
    """A checked entry: known category, active department, a street some community is in."""
    params.check_fields(body, FIELDS)
    category, street, dept = body.get("category"), body.get("street_code"), body.get(
        "department_id")
    if not isinstance(category, str) or not exists(conn, "category", category):
        raise InvalidInput("'category' must be a category code", param="category")
    if street is not None and (not isinstance(street, str) or not exists(conn, "street", street)):
        raise InvalidInput("'street_code' must be the code of a street of the communities, "
                           "or null", param="street_code")
    if isinstance(dept, bool) or not isinstance(dept, int) or not exists(conn, "department", dept):
        raise InvalidInput("'department_id' must be an active department's id",
                           param="department_id")
    out = {"category": category, "street_code": street, "department_id": dept}
    for key in ("response_hours", "resolve_hours"):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(
                value, int | float) or not math.isfinite(value) or not 0 < value <= 8760):
            raise InvalidInput(f"'{key}' must be hours between 0 and 8760, or null",
                               param=key)
        out[key] = None if value is None else float(value)
    return out

