"""Deadline reminders (issue 21 part 2): the default steps fire at their working-hours
moments with a holiday in between (the worker's clock controlled), each once, up the chain
assignee → grid chief → community → street; a category's own steps replace the defaults."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from geo.incidents import intake
from tests.outbox.conftest import act, report
from tests.support.geometries import COMMUNITY_1

pytestmark = pytest.mark.town("incidents")
UTC = dt.UTC
# Friday 11 December 2026, 16:00 in Beijing; Monday the 14th made a holiday. Working hours
# 08:30-12:00, 13:30-17:30 (7.5 h a day).
DUE = dt.datetime(2026, 12, 11, 8, 0, tzinfo=UTC)
BEFORE = DUE - dt.timedelta(hours=2)
# 24 working hours after: Fri 1.5 + Tue 7.5 + Wed 7.5 + Thu 7.5 → Thu 17 Dec 17:30 Beijing.
LATE_24 = dt.datetime(2026, 12, 17, 9, 30, tzinfo=UTC)
# 48: + Fri 7.5 + Mon 7.5 + Tue 7.5 + Wed 1.5 → Wed 23 Dec 10:00 Beijing.
LATE_48 = dt.datetime(2026, 12, 23, 2, 0, tzinfo=UTC)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def chain(app, conn, client, dispatcher, town, make_user):
    """An incident dispatched to grid A's worker, due at DUE; accounts for each level."""
    incident = report(client, dispatcher)
    act(client, dispatcher, incident, "accept")
    act(client, dispatcher, incident, "dispatch")
    conn.execute(text("UPDATE incidents SET due_at = :d WHERE id = :i"),
                 {"d": DUE, "i": incident})
    conn.execute(text("INSERT INTO holidays (day, kind, name) VALUES ('2026-12-14',"
                      " 'holiday', '测试假日') ON CONFLICT (day) DO UPDATE SET kind = 'holiday'"))
    for name, role, member in (("worker", "member", "A_full"), ("chief", "member", "A_chief")):
        make_user(name, role)
        conn.execute(text("UPDATE users SET grid_member_id = :m WHERE username = :u"),
                     {"m": town[member], "u": name})
    make_user("shequ", "community_admin", [COMMUNITY_1])
    rules = intake.Rules.from_config(app.config)
    return incident, (lambda c: intake.settings(c, rules)[1])


def told(conn, incident: int) -> list[tuple[str, str]]:
    return conn.execute(text(
        "SELECT u.username, n.details->>'audience' FROM notifications n"
        " JOIN users u ON u.id = n.user_id WHERE n.incident_id = :i AND n.kind = 'reminder'"
        " ORDER BY n.id"), {"i": incident}).all()


def test_the_steps_fire_at_their_working_hours_moments_once(conn, chain, run):
    incident, calendar = chain
    expected = []
    for moment, new in ((BEFORE, [("worker", "assignee")]),
                        (DUE, [("worker", "assignee"), ("chief", "grid_chief")]),
                        (LATE_24, [("shequ", "community")]),
                        (LATE_48, [("disp", "street")])):
        run(moment - SECOND, calendar_of=calendar)
        assert told(conn, incident) == expected, moment
        run(moment, calendar_of=calendar)
        run(moment + dt.timedelta(minutes=5), calendar_of=calendar)  # again: nothing new
        expected += new
        assert sorted(told(conn, incident)) == sorted(expected), moment


def test_without_the_holiday_the_community_is_told_a_day_earlier(conn, chain, run):
    incident, calendar = chain
    conn.execute(text("DELETE FROM holidays WHERE day = '2026-12-14'"))
    wednesday = dt.datetime(2026, 12, 16, 9, 30, tzinfo=UTC)
    run(wednesday, calendar_of=calendar)
    assert ("shequ", "community") in told(conn, incident)


def test_a_categorys_own_steps_replace_the_defaults_and_a_new_deadline_fires_again(
        conn, chain, run):
    incident, calendar = chain
    conn.execute(text("INSERT INTO reminder_steps (category, offset_hours, audience)"
                      " VALUES ('环境卫生', 1, 'grid_chief')"))
    run(DUE + dt.timedelta(minutes=59), calendar_of=calendar)
    assert told(conn, incident) == []  # 1 working hour after 16:00 is 17:00
    run(DUE + dt.timedelta(hours=1), calendar_of=calendar)
    assert told(conn, incident) == [("chief", "grid_chief")]
    later = LATE_48 + dt.timedelta(days=1)
    conn.execute(text("UPDATE incidents SET due_at = :d WHERE id = :i"),
                 {"d": later, "i": incident})  # an extension: a new deadline
    run(later + dt.timedelta(days=1), calendar_of=calendar)
    assert told(conn, incident) == [("chief", "grid_chief")] * 2


def test_a_step_long_past_is_recorded_without_telling_anyone(conn, chain, run):
    incident, calendar = chain
    run(LATE_48 + dt.timedelta(days=8), calendar_of=calendar)  # the worker was down
    assert told(conn, incident) == []
    assert conn.execute(text("SELECT count(*) FROM reminders_sent WHERE incident_id = :i"),
                        {"i": incident}).scalar() == 5


def test_finished_incidents_get_none(conn, client, dispatcher, chain, run):
    incident, calendar = chain
    conn.execute(text("UPDATE incidents SET status = 'closed' WHERE id = :i"),
                 {"i": incident})
    run(LATE_48, calendar_of=calendar)
    assert told(conn, incident) == []


def test_the_api_words_a_reminder(conn, client, chain, run, make_token):
    from tests.support.auth import bearer
    incident, calendar = chain
    run(DUE, calendar_of=calendar)
    items = client.get("/api/v1/me/notifications?lang=en",
                       headers=bearer(make_token("worker"))).get_json()["items"]
    mine = [i for i in items if i["incident_id"] == incident and i["kind"] == "reminder"]
    assert len(mine) == 2 and all(str(incident) in i["text"] for i in mine)
