"""Times as hotline exports write them: ISO 8601 (the single report's format) and the
usual local spellings, one text at a time (the checks call this once per distinct text).

- ``2026-11-03T14:05:00+08:00``, ``2026-11-03 14:05`` (ISO 8601; no offset: local time)
- ``2026/11/03 14:05``, ``2026.11.3 14:05:30``, ``2026/11/3``
- ``2026年11月3日``, ``2026年11月3日 14:05``, ``2026年11月3日14时5分``
- day and month before the year (``03/11/2026``) only when they cannot be swapped (one
  of them above 12, or both equal); otherwise the row is rejected as ambiguous, as is a
  two-digit year.
"""

from __future__ import annotations

import datetime as dt
import re

_TIME = r"(?:[ T]*(\d{1,2})[:：时点](\d{1,2})(?:[:：分](\d{1,2})(?:\.\d+)?秒?|分)?)?"
_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?" + _TIME)
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})" + _TIME)


class Ambiguous(ValueError):
    """A time that reads as two different days."""


def parse(text: str) -> dt.datetime:
    """The moment ``text`` names (naive when it gives no offset).

    >>> parse("2026年11月3日 14:05"), parse("2026/11/03 14:05")
    (datetime.datetime(2026, 11, 3, 14, 5), datetime.datetime(2026, 11, 3, 14, 5))
    >>> parse("03/11/2026")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    Ambiguous: '03/11/2026' may be 3 November or March 11; write 2026-11-03 or 2026年11月3日
    """
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    if match := _YMD.fullmatch(text.strip()):
        y, m, d, *hms = match.groups()
        return _moment(int(y), int(m), int(d), hms)
    if match := _DMY.fullmatch(text.strip()):
        a, b, y, *hms = match.groups()
        return _moment(int(y), *_day_month(text, int(a), int(b), y), hms)
    raise ValueError(text)


def _day_month(text: str, a: int, b: int, year: str) -> tuple[int, int]:
    """(month, day) of a day-first or month-first date, when only one reading works."""
    if len(year) == 2:
        raise Ambiguous(f"{text!r} has a two-digit year; write the year in full")
    if a == b or (a > 12 and b <= 12):
        return b, a
    if b > 12 and a <= 12:
        return a, b
    if a > 12 and b > 12:
        raise ValueError(text)
    month = ("January February March April May June July August September October "
             "November December").split()
    raise Ambiguous(f"{text!r} may be {a} {month[b - 1]} or {month[a - 1]} {b}; write "
                    f"{year}-{b:02d}-{a:02d} or {year}年{b}月{a}日")


def _moment(y: int, m: int, d: int, hms: list[str | None]) -> dt.datetime:
    h, mi, s = (int(v) if v else 0 for v in hms)
    return dt.datetime(y, m, d, h, mi, s)  # ValueError for 2026-02-30 or 25:00
