"""geo.incidents.worktime: deadlines in working hours with a holiday calendar (no database)."""

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from geo.core.errors import InvalidInput
from geo.incidents.worktime import WorkCalendar, deadlines, parse_periods, parse_weekdays

SH = ZoneInfo("Asia/Shanghai")


def cal(holidays=None, hours="08:30-12:00,13:30-17:30", weekdays="1,2,3,4,5"):
    return WorkCalendar.from_settings(hours, weekdays, "Asia/Shanghai", holidays or {})


def due(calendar, start: dt.datetime, hours: float) -> dt.datetime:
    out = calendar.add_hours(np.array([start.timestamp()]), np.array([hours]))
    return dt.datetime.fromtimestamp(out[0], SH)


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def test_within_one_morning():
    assert due(cal(), local(2026, 11, 23, 9, 0), 2) == local(2026, 11, 23, 11, 0)


def test_lunch_break_is_skipped():
    # Monday 11:00 + 2 h: one hour before lunch, one after 13:30
    assert due(cal(), local(2026, 11, 23, 11, 0), 2) == local(2026, 11, 23, 14, 30)


def test_report_out_of_hours_starts_at_the_next_working_moment():
    assert due(cal(), local(2026, 11, 23, 20, 0), 1) == local(2026, 11, 24, 9, 30)
    assert due(cal(), local(2026, 11, 23, 6, 0), 1) == local(2026, 11, 23, 9, 30)


def test_weekend_is_skipped():
    # Friday 17:00 + 1 h: half an hour on Friday, half on Monday morning
    assert due(cal(), local(2026, 11, 27, 17, 0), 1) == local(2026, 11, 30, 9, 0)


def test_holidays_and_makeup_workdays():
    holidays = {dt.date(2026, 11, 30): "holiday", dt.date(2026, 11, 29): "workday"}
    # Friday 17:00 + 1 h: Sunday the 29th is a working day (调休)
    assert due(cal(holidays), local(2026, 11, 27, 17, 0), 1) == local(2026, 11, 29, 9, 0)
    # Saturday + 8 h: Sunday is worked (7.5 h a day), Monday is off, so Tuesday
    assert due(cal(holidays), local(2026, 11, 28, 10, 0), 8) == local(2026, 12, 1, 9, 0)


def test_many_days_and_vectorised():
    starts = np.array([local(2026, 11, 23, 9, 0).timestamp(),
                       local(2026, 11, 23, 9, 0).timestamp()])
    out = cal().add_hours(starts, np.array([7.5 * 5, 7.5 * 30]))
    got = [dt.datetime.fromtimestamp(t, SH) for t in out]
    assert got[0] == local(2026, 11, 30, 9, 0)  # a working week later
    assert got[1] == local(2027, 1, 4, 9, 0)  # six working weeks later


def test_calendar_hours_ignore_the_calendar():
    start = local(2026, 11, 28, 22, 0)  # Saturday night
    out = deadlines([start.timestamp()] * 2, [12, 12], [False, True], cal())
    assert dt.datetime.fromtimestamp(out[0], SH) == local(2026, 11, 29, 10, 0)
    # working: Monday 7.5 h, then Tuesday 3.5 h before lunch and 1 h after
    assert dt.datetime.fromtimestamp(out[1], SH) == local(2026, 12, 1, 14, 30)


def test_bad_settings_are_refused():
    for bad in ("9-17", "12:00-08:00", "08:00-12:00,11:00-13:00", ""):
        with pytest.raises(InvalidInput):
            parse_periods(bad)
    for bad in ("0", "1,8", "mon"):
        with pytest.raises(InvalidInput):
            parse_weekdays(bad)
    with pytest.raises(InvalidInput):
        WorkCalendar.from_settings("09:00-17:00", "1", "Mars/Olympus", {})


def test_a_calendar_with_no_working_day_is_an_error():
    every_day_off = {dt.date(2026, 1, 1) + dt.timedelta(days=n): "holiday" for n in range(1200)}
    with pytest.raises(InvalidInput):
        due(cal(every_day_off), local(2026, 1, 1, 9, 0), 1)
