"""Text a caller sends: the per-field length limits and the two rules that check them.

- :func:`optional` is for the free text of an incident (description, address, the
  reporter's name and phone, the hotline ticket number): absent or empty is None, else
  text without NUL characters (PostgreSQL cannot store them), stripped, at most the
  field's limit in :data:`LIMITS`. A single report (``geo.incidents.intake``) and a file
  of them (``geo.incidents.imports``, vectorised) check the same limits.
- :func:`name` is for the names staff give things (a grid, a plan): required by default,
  printable (no control characters), stripped, at most :data:`NAME_MAX` characters.

Both raise :class:`~geo.core.errors.InvalidInput` naming the field.
"""

from __future__ import annotations

from types import MappingProxyType

from geo.core.errors import InvalidInput

# The columns' widths in the incidents table, less for the ones people type by hand.
LIMITS = MappingProxyType({"description": 2000, "address": 300, "reporter_name": 100,
                           "reporter_phone": 30, "external_id": 100})
NAME_MAX = 200


def optional(value, key: str, limit: int | None = None) -> str | None:
    """``value`` as free text of field ``key``: None when absent or blank.

    >>> optional("  a leaking pipe ", "description"), optional("", "address")
    ('a leaking pipe', None)
    >>> try:
    ...     optional("x" * 31, "reporter_phone")
    ... except InvalidInput as err:
    ...     print(err)
    'reporter_phone' must be text of at most 30 characters
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"'{key}' must be text", param=key)
    value = value.strip()
    limit = LIMITS[key] if limit is None else limit
    if len(value) > limit or "\x00" in value:
        raise InvalidInput(f"'{key}' must be text of at most {limit} characters", param=key)
    return value or None


def name(value, key: str = "name", *, limit: int = NAME_MAX,
         required: bool = True) -> str | None:
    """``value`` as a name (field ``key``); None only when absent and not ``required``.

    >>> name("  Grid 3 "), name(None, required=False)
    ('Grid 3', None)
    >>> try:
    ...     name("   ")
    ... except InvalidInput as err:
    ...     print(err)
    'name' must be non-empty text
    """
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"'{key}' must be non-empty text", param=key)
    value = value.strip()
    if len(value) > limit or not value.isprintable():
        raise InvalidInput(f"'{key}' must be printable text of at most {limit} characters",
                           param=key)
    return value
