"""The checks of one person or unit, as sent by the API or read from one row of a file.

Each ``check_*`` takes a mapping of raw values (JSON values, or a file's cells as text)
and returns the clean values, or raises :class:`~geo.core.errors.InvalidInput` naming
the field. Codes are checked for their form here; whether they exist, and are within
the caller's communities, is the store's question (``geo.people.store.refs``). With
``partial`` (a PATCH) only the fields given are checked and returned.

Words may be given in English or as the Chinese a spreadsheet holds (网格长, 在职党员,
是/否, 周一至周五 as ``1-5``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping

from geo.core import text
from geo.core.errors import InvalidInput
from geo.people.words import (
    DEPARTMENT_KIND_NAMES,
    DEPARTMENT_KINDS,
    KIND_NAMES,
    LEVEL_NAMES,
    PARTY_MEMBER_KINDS,
    PARTY_ORG_LEVELS,
    ROLE_NAMES,
    WORKER_ROLES,
)

_PHONE = re.compile(r"^[0-9+\-() ]{3,30}$")
_SPLIT = re.compile(r"[;；,，、\s]+")
_TRUE, _FALSE = {"true", "1", "yes", "是", "y"}, {"false", "0", "no", "否", "n", ""}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def word(value, key: str, allowed: tuple[str, ...], names: Mapping[str, str],
         required: bool = True) -> str | None:
    """One of ``allowed``, or its Chinese name in ``names``."""
    if _blank(value):
        if required:
            raise InvalidInput(f"'{key}' is required: one of {', '.join(allowed)}", param=key)
        return None
    value = str(value).strip()
    value = names.get(value, value)
    if value not in allowed:
        raise InvalidInput(f"'{key}' must be one of {', '.join(allowed)} (or "
                           f"{'/'.join(names)}), got {value[:40]!r}", param=key)
    return value


def phone(value, key: str) -> str | None:
    if _blank(value):
        return None
    value = str(value).strip()
    if not _PHONE.match(value):
        raise InvalidInput(f"'{key}' must be a phone number (digits, + - ( ) and spaces, "
                           f"3–30 characters), got {value[:40]!r}", param=key)
    return value


def flag(value, key: str) -> bool:
    if isinstance(value, bool):
        return value
    raw = "" if value is None else str(value).strip().lower()
    if raw in _TRUE or raw in _FALSE:
        return raw in _TRUE
    raise InvalidInput(f"'{key}' must be true or false (是/否)", param=key)


def day(value, key: str) -> dt.date | None:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = str(value).strip().replace("/", "-")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"'{key}' must be a date YYYY-MM-DD, got {raw[:40]!r}",
                           param=key) from None


def codes(value, key: str, digits: int) -> list[str]:
    """A list of codes: a JSON list, or text separated by ; , 、 or spaces."""
    if _blank(value):
        return []
    items = value if isinstance(value, list) else _SPLIT.split(str(value).strip())
    out = []
    for item in items:
        item = str(item).strip()
        if not (item.isascii() and item.isdigit() and len(item) == digits):
            raise InvalidInput(f"'{key}' must hold {digits}-digit codes, got {item[:40]!r}",
                               param=key)
        out.append(item)
    return list(dict.fromkeys(out))


def code(value, key: str, digits: int) -> str | None:
    found = codes(value, key, digits)
    if len(found) > 1:
        raise InvalidInput(f"'{key}' takes one {digits}-digit code", param=key)
    return found[0] if found else None


def weekdays(value, key: str = "duty_days") -> list[int] | None:
    """ISO weekdays (1 = Monday): ``[1, 2, 3]``, ``"1-5"``, ``"1,3,5"``; empty: every day."""
    if _blank(value):
        return None
    parts = value if isinstance(value, list) else _SPLIT.split(str(value).strip())
    days: set[int] = set()
    try:
        for part in map(str, parts):
            first, _, last = part.partition("-")
            days.update(range(int(first), int(last or first) + 1))
    except ValueError:
        days = {0}
    if not days or not days <= set(range(1, 8)):
        raise InvalidInput(f"'{key}' must be weekdays 1–7 (1 = Monday), e.g. 1-5 or "
                           "1,3,5", param=key)
    return sorted(days)


def hours(value, key: str = "duty_hours") -> tuple[dt.time, dt.time] | None:
    """``"09:00-17:30"`` → (start, end); an end before the start is a night shift."""
    if _blank(value):
        return None
    start, sep, end = str(value).strip().replace("–", "-").partition("-")
    try:
        span = (dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip()))
    except ValueError:
        span = None
    if not sep or span is None or span[0] == span[1]:
        raise InvalidInput(f"'{key}' must be HH:MM-HH:MM, e.g. 09:00-17:30", param=key)
    return span


def _apply(data: Mapping, rules: Mapping[str, Callable], partial: bool) -> dict:
    out = {}
    for key, rule in rules.items():
        if partial and key not in data:
            continue
        out[key] = rule(data.get(key), key)
    return out


_WORKER: dict[str, Callable] = {
    "name": lambda v, k: text.name(v, k, limit=100),
    "role": lambda v, k: word(v, k, WORKER_ROLES, ROLE_NAMES),
    "grids": lambda v, k: codes(v, k, 15),
    "public_phone": phone,
    "private_phone": phone,
    "hours": lambda v, k: text.optional(v, k, limit=100),
    "publish": flag,
    "consent_on": day,
    "duty_days": weekdays,
    "duty_hours": hours,
    "account": lambda v, k: text.optional(v, k, limit=100),
}


def check_worker(data: Mapping, *, partial: bool = False) -> dict:
    """A worker: name, role, grids (15-digit codes, at least one), phones, hours (the
    public service hours text), publish (consent; the consent date defaults to today),
    duty_days, duty_hours, account (a staff login to link)."""
    out = _apply(data, _WORKER, partial)
    if not partial and not out["grids"]:
        raise InvalidInput("'grids' is required: the 15-digit codes of the grids served",
                           param="grids")
    if "grids" in out and partial and not out["grids"]:
        raise InvalidInput("'grids' cannot be empty: a worker serves at least one grid",
                           param="grids")
    if out.get("publish") and out.get("consent_on") is None and "consent_on" not in data:
        out["consent_on"] = dt.date.today()
    return out


_PARTY: dict[str, Callable] = {
    "name": lambda v, k: text.name(v, k, limit=100),
    "kind": lambda v, k: word(v, k, PARTY_MEMBER_KINDS, KIND_NAMES),
    "work_unit": lambda v, k: text.optional(v, k, limit=200),
    "home_building": lambda v, k: code(v, k, 19),
    "serving_grid": lambda v, k: code(v, k, 15),
    "org": lambda v, k: _org(v, k),
    "phone": phone,
    "registered_on": day,
    "left_on": day,
}


def _org(value, key: str) -> int | None:
    if _blank(value):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"'{key}' must be a party organisation id", param=key) from None
    if number < 1 or number > 2**31 - 1:
        raise InvalidInput(f"'{key}' must be a party organisation id", param=key)
    return number


def check_party_member(data: Mapping, *, partial: bool = False) -> dict:
    """A party member: name, kind (resident | in_service), work_unit (required for
    in-service members), home_building (19-digit code), serving_grid (15-digit code),
    org (id), phone (private), registered_on, left_on."""
    out = _apply(data, _PARTY, partial)
    if not partial and out["kind"] == "in_service" and not out["work_unit"]:
        raise InvalidInput("'work_unit' is required for an in-service member (在职党员)",
                           param="work_unit")
    if not partial and not (out["home_building"] or out["serving_grid"]):
        raise InvalidInput("give 'home_building' or 'serving_grid' (or both)",
                           param="serving_grid")
    if (out.get("left_on") and out.get("registered_on")
            and out["left_on"] < out["registered_on"]):
        raise InvalidInput("'left_on' is before 'registered_on'", param="left_on")
    return out


_DEPARTMENT: dict[str, Callable] = {
    "name": lambda v, k: text.name(v, k, limit=200),
    "kind": lambda v, k: word(v, k, DEPARTMENT_KINDS, DEPARTMENT_KIND_NAMES),
    "contact_name": lambda v, k: text.optional(v, k, limit=100),
    "contact_phone": phone,
    "communities": lambda v, k: codes(v, k, 12),
    "streets": lambda v, k: codes(v, k, 9),
    "categories": lambda v, k: _names(v, k),
}


def _names(value, key: str) -> list[str]:
    if _blank(value):
        return []
    items = value if isinstance(value, list) else re.split(r"[;；,，、]+", str(value))
    return list(dict.fromkeys(n for n in (text.name(str(i), key, limit=50)
                                          for i in items if str(i).strip()) if n))


def check_department(data: Mapping, *, partial: bool = False) -> dict:
    """A department or resident unit: name, kind, contact_name, contact_phone, the
    communities (12-digit codes) and streets (9-digit codes) it serves, categories."""
    return _apply(data, _DEPARTMENT, partial)


def check_leave(data: Mapping) -> dict:
    """Leave: from, to (inclusive; empty = until further notice), substitute (worker id)."""
    start, end = day(data.get("from"), "from"), day(data.get("to"), "to")
    if start is None:
        raise InvalidInput("'from' is required: the first day of leave", param="from")
    if end is not None and end < start:
        raise InvalidInput("'to' is before 'from'", param="to")
    substitute = data.get("substitute")
    if substitute is not None and (not isinstance(substitute, int) or isinstance(
            substitute, bool) or substitute < 1):
        raise InvalidInput("'substitute' must be a worker id", param="substitute")
    return {"from": start, "to": end, "substitute": substitute,
            "note": text.optional(data.get("note"), "note", limit=200)}


def check_org(data: Mapping) -> dict:
    """A party organisation: name, level, parent (id), community/grid/building (codes)."""
    return {"name": text.name(data.get("name"), "name"),
            "level": word(data.get("level"), "level", PARTY_ORG_LEVELS, LEVEL_NAMES),
            "parent": _org(data.get("parent"), "parent"),
            "community": code(data.get("community"), "community", 12),
            "grid": code(data.get("grid"), "grid", 15),
            "building": code(data.get("building"), "building", 19)}


def check_registration(data: Mapping) -> dict:
    """A 双报到 registration from the public form: name, work_unit, phone, community
    (12-digit code), serving_grid (optional)."""
    out = {"name": text.name(data.get("name"), "name", limit=100),
           "work_unit": text.name(data.get("work_unit"), "work_unit"),
           "phone": phone(data.get("phone"), "phone"),
           "community": code(data.get("community"), "community", 12),
           "serving_grid": code(data.get("serving_grid"), "serving_grid", 15)}
    if out["community"] is None:
        raise InvalidInput("'community' is required: the community you register with",
                           param="community")
    return out


CHECKS = {"workers": check_worker, "party-members": check_party_member,
          "departments": check_department}
