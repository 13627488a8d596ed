"""Deadlines: adding hours to a moment in calendar time or in working time.

A working-time clock runs only in the working periods of working days (local time):
weekdays from ``WORK_WEEKDAYS`` in ``WORK_HOURS``, except days the holidays table marks
``holiday``, plus weekend days it marks ``workday`` (调休). A report made out of hours
starts its clock at the next working moment.

The arithmetic is vectorised, so that a 100,000-row import gets its deadlines in one
pass: every working period in the span of the input becomes an interval of UTC epoch
seconds with the working seconds before it, and a deadline is found by binary search.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from geo.core.errors import InvalidInput

_SPAN_DAYS = 62  # the calendar is built this many days ahead at a time
_MAX_DAYS = 3 * 366  # beyond this, a limit is unreachable (no working day configured?)


def parse_periods(text: str) -> tuple[tuple[int, int], ...]:
    """``"08:30-12:00,13:30-17:30"`` → minutes of the day, ``((510, 720), (810, 1050))``."""
    periods = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            start, end = (dt.time.fromisoformat(t.strip()) for t in part.split("-"))
        except ValueError:
            raise InvalidInput(f"working period {part!r} is not HH:MM-HH:MM") from None
        periods.append((start.hour * 60 + start.minute, end.hour * 60 + end.minute))
    periods.sort()
    if not periods or any(a >= b for a, b in periods) or any(
            b > c for (_, b), (c, _) in zip(periods, periods[1:], strict=False)):
        raise InvalidInput(f"working hours {text!r} must be ordered, non-overlapping "
                           "HH:MM-HH:MM periods within one day")
    return tuple(periods)


def parse_weekdays(text: str) -> frozenset[int]:
    """``"1,2,3,4,5"`` → ISO weekday numbers."""
    try:
        days = frozenset(int(d) for d in str(text).split(",") if d.strip())
    except ValueError:
        days = frozenset({0})
    if not days or not days <= set(range(1, 8)):
        raise InvalidInput(f"working weekdays {text!r} must be ISO numbers 1 (Monday) to 7")
    return days


@dataclass(frozen=True)
class WorkCalendar:
    periods: tuple[tuple[int, int], ...]
    weekdays: frozenset[int]
    holidays: Mapping[dt.date, str]  # day → "holiday" | "workday"
    tz: ZoneInfo
    # Working periods already laid out, by (first day, days): a calendar kept between
    # requests computes each span once.
    _spans: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_settings(cls, work_hours: str, weekdays: str, timezone: str,
                      holidays: Mapping[dt.date, str]) -> WorkCalendar:
        try:
            tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"unknown time zone {timezone!r}") from None
        return cls(parse_periods(work_hours), parse_weekdays(weekdays), dict(holidays), tz)

    def is_workday(self, day: dt.date) -> bool:
        kind = self.holidays.get(day)
        if kind is not None:
            return kind == "workday"
        return day.isoweekday() in self.weekdays

    def add_hours(self, starts: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """Working-time deadlines: ``hours`` working hours after each start.

        ``starts`` and the result are UTC epoch seconds (int64 or float arrays).
        """
        starts = np.asarray(starts, dtype=np.float64)
        need = np.asarray(hours, dtype=np.float64) * 3600.0
        if not starts.size:
            return starts.copy()
        local = dt.datetime.fromtimestamp(float(starts.min()), self.tz).date()
        first = local - dt.timedelta(days=1)
        days = _SPAN_DAYS + int((starts.max() - starts.min()) // 86400)
        while True:
            begin, end, before = self._intervals(first, days)
            done = before + (end - begin)
            at = _working_seconds(starts, begin, end, before) + need
            if begin.size and at.max() <= done[-1]:
                j = np.searchsorted(done, at, side="left")
                return begin[j] + (at - before[j])
            if days >= _MAX_DAYS:
                raise InvalidInput("a time limit cannot be met within three years: check "
                                   "WORK_HOURS, WORK_WEEKDAYS and the holidays table")
            days = min(days * 2, _MAX_DAYS)

    def _intervals(self, first: dt.date, days: int) -> tuple[np.ndarray, ...]:
        """Working periods from ``first`` for ``days`` days: (start, end, working seconds
        before the start), in UTC epoch seconds."""
        found = self._spans.get((first, days))
        if found is None:
            if len(self._spans) >= 64:
                self._spans.clear()
            found = self._spans[first, days] = self._lay_out(first, days)
        return found

    def _lay_out(self, first: dt.date, days: int) -> tuple[np.ndarray, ...]:
        begin, end = [], []
        for n in range(days):
            day = first + dt.timedelta(days=n)
            if not self.is_workday(day):
                continue
            midnight = dt.datetime(day.year, day.month, day.day, tzinfo=self.tz)
            for a, b in self.periods:
                begin.append((midnight + dt.timedelta(minutes=a)).timestamp())
                end.append((midnight + dt.timedelta(minutes=b)).timestamp())
        begin_a, end_a = np.array(begin, np.float64), np.array(end, np.float64)
        before = np.concatenate([[0.0], np.cumsum(end_a - begin_a)[:-1]]) if begin else begin_a
        return begin_a, end_a, before


def _working_seconds(t: np.ndarray, begin: np.ndarray, end: np.ndarray,
                     before: np.ndarray) -> np.ndarray:
    """Working seconds from the first interval's start up to each moment ``t``."""
    i = np.searchsorted(end, t, side="right")  # first interval ending after t
    total = before[-1] + (end[-1] - begin[-1])
    inside = np.minimum(i, len(begin) - 1)
    into = np.clip(t - begin[inside], 0.0, end[inside] - begin[inside])
    return np.where(i < len(begin), before[inside] + into, total)


def deadlines(starts: np.ndarray, hours: np.ndarray, working: np.ndarray,
              calendar: WorkCalendar) -> np.ndarray:
    """Per row: ``hours`` after ``starts`` (epoch seconds), in working time where
    ``working`` is true and in calendar time elsewhere."""
    starts = np.asarray(starts, dtype=np.float64)
    hours = np.asarray(hours, dtype=np.float64)
    working = np.asarray(working, dtype=bool)
    out = starts + hours * 3600.0
    if working.any():
        out[working] = calendar.add_hours(starts[working], hours[working])
    return out
