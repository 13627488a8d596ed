"""A plan published with ``effective`` a later day: nothing changes until then, ``at=`` that
day answers its grids, on the day the scheduler applies it once (with re-homing and
audit), and until then it can be cancelled."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, text

from app.cli.boundaries import apply_due
from geo.boundaries import schedule
from geo.boundaries.store.schedule import LEASE_KEY
from tests.plans.test_plan_publish import SHRUNK, incidents, located, shrunk_plan  # noqa: F401
from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_B, GRID_C, xy
from tests.support.plans import new_plan, put_grids

pytestmark = pytest.mark.town("incidents")


@pytest.fixture
def today(app) -> dt.date:
    return schedule.local_today(app.config["TIMEZONE"])


def publish(client, planner, plan_id, etag, effective=None):
    query = {"effective": effective.isoformat()} if effective else {}
    return client.post(f"/api/v1/plans/{plan_id}/publish", query_string=query,
                       headers={**planner, "If-Match": etag})


def lookup(client, at=None):
    lon, lat = xy(1.5, 0.5)  # in A today, in B after the shrink
    query = f"/api/v1/lookup?lon={lon}&lat={lat}" + (f"&at={at.isoformat()}" if at else "")
    return client.get(query).get_json()["grid"]


def test_scheduled_plan_waits_then_applies_once(client, planner, town, incidents, conn,  # noqa: F811
                                                today):
    tomorrow = today + dt.timedelta(days=1)
    plan_id, etag = shrunk_plan(client, planner)
    versions = grid_versions(conn)
    response = publish(client, planner, plan_id, etag, tomorrow)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "scheduled"
    assert body["scheduled"]["effective"] == tomorrow.isoformat()
    change_id = body["scheduled"]["id"]
    # until then: the grids, the lookup and the incidents are as they were
    assert grid_versions(conn) == versions
    assert lookup(client)["code"] == GRID_A and lookup(client, today)["code"] == GRID_A
    ahead = lookup(client, tomorrow)
    assert ahead["code"] == GRID_B and ahead["scheduled"] is True and ahead["id"] is None
    assert ahead["valid_from"] == tomorrow.isoformat()
    # the grids list and the download on that day: the plan's grids, dated from it
    listed = client.get(f"/api/v1/grids?community={COMMUNITY_1}&at={tomorrow}").get_json()
    assert sorted((f["properties"]["code"], f["properties"]["valid_from"])
                  for f in listed["features"]) == [
        (code, tomorrow.isoformat()) for code in (GRID_A, GRID_B, GRID_C)]
    today_list = client.get(f"/api/v1/grids?community={COMMUNITY_1}&at={today}").get_json()
    assert {f["id"] for f in today_list["features"]} == {
        v[0] for v in versions if v[3] is None and v[1].startswith(COMMUNITY_1)}
    download = client.get(f"/api/v1/grids.geojson?at={tomorrow}").get_json()
    shrunk_a = next(f for f in download["features"] if f["properties"]["code"] == GRID_A)
    assert shrunk_a["properties"]["valid_from"] == tomorrow.isoformat()
    assert tuple(located(conn, incidents["moves"]))[:2] == (GRID_A, True)
    # a scheduled plan is frozen
    edited = put_grids(client, planner, plan_id, response.headers["ETag"], SHRUNK)
    assert edited.status_code == 409
    # not due today
    assert apply_due(today) == []
    assert lookup(client)["code"] == GRID_A
    # the clock past midnight: applied, dated from its day, with re-homing and audit
    done = apply_due(tomorrow)
    assert [(c["id"], c["status"]) for c in done] == [(change_id, "published")]
    assert done[0]["valid_from"] == tomorrow.isoformat()
    assert lookup(client)["code"] == GRID_B
    assert lookup(client, today)["code"] == GRID_A  # history: the old version until then
    rows = conn.execute(text("SELECT code, valid_from, valid_to FROM grids WHERE code = :a"
                             " ORDER BY id"), {"a": GRID_A}).all()
    assert [(r.valid_from == tomorrow, r.valid_to) for r in rows][-2:] == [
        (False, tomorrow), (True, None)]
    assert tuple(located(conn, incidents["moves"])) == (GRID_B, True, town["B_chief"])
    assert tuple(located(conn, incidents["closed"]))[:2] == (GRID_A, False)
    events = conn.execute(text("SELECT incident_id, details FROM incident_events"
                               " WHERE action = 'regrid'")).all()
    assert [(e.incident_id, e.details["plan_id"]) for e in events] == [
        (incidents["moves"], plan_id)]
    status = conn.execute(text("SELECT status FROM plans WHERE id = :p"), {"p": plan_id})
    assert status.scalar() == "published"
    audit = conn.execute(text("SELECT actor, after FROM audit_log"
                              " WHERE action = 'boundaries.apply'")).all()
    assert [(a.actor, a.after["incidents_moved"]) for a in audit] == [
        ("scheduler", [incidents["moves"]])]
    # once: a second run (or a second worker) finds nothing due
    assert apply_due(tomorrow + dt.timedelta(days=1)) == []
    assert conn.execute(text("SELECT count(*) FROM incident_events WHERE action = 'regrid'")
                        ).scalar() == 1


def grid_versions(conn) -> list[tuple]:
    return [tuple(r) for r in conn.execute(text(
        "SELECT id, code, valid_from, valid_to, md5(ST_AsEWKB(geom)) FROM grids ORDER BY id"))]


def test_cancel_until_the_day(client, planner, town, conn, today):
    tomorrow = today + dt.timedelta(days=1)
    plan_id, etag = shrunk_plan(client, planner)
    scheduled = publish(client, planner, plan_id, etag, tomorrow)
    etag = scheduled.headers["ETag"]
    cancel = client.post(f"/api/v1/plans/{plan_id}/cancel", headers={**planner, "If-Match": etag})
    assert cancel.status_code == 200, cancel.get_json()
    assert cancel.get_json()["cancelled"]["status"] == "cancelled"
    assert lookup(client, tomorrow)["code"] == GRID_A  # nothing scheduled any more
    assert apply_due(tomorrow) == []
    assert lookup(client)["code"] == GRID_A
    plan = client.get(f"/api/v1/plans/{plan_id}", headers=planner)
    assert plan.get_json()["status"] == "draft"  # a draft again: edit, publish, reschedule
    again = client.post(f"/api/v1/plans/{plan_id}/cancel",
                        headers={**planner, "If-Match": plan.headers["ETag"]})
    assert again.status_code == 409
    assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action IN"
                             " ('plan.schedule', 'plan.unschedule')")).scalar() == 2


def test_past_days_and_a_second_pending_change_are_refused(client, planner, town, today):
    plan_id, etag = shrunk_plan(client, planner)
    past = publish(client, planner, plan_id, etag, today - dt.timedelta(days=1))
    assert past.status_code == 400 and "past" in past.get_json()["error"]["message"]
    assert publish(client, planner, plan_id, etag,
                   today + dt.timedelta(days=3)).status_code == 200
    other, other_etag = new_plan(client, planner)
    clash = publish(client, planner, other["id"], other_etag, today + dt.timedelta(days=5))
    assert clash.status_code == 409
    assert "cancel it first" in clash.get_json()["error"]["message"]


def test_today_publishes_now(client, planner, town, today):
    plan_id, etag = shrunk_plan(client, planner)
    response = publish(client, planner, plan_id, etag, today)
    assert response.status_code == 200 and response.get_json()["status"] == "published"
    assert lookup(client)["code"] == GRID_B


def test_one_worker_at_a_time(client, planner, town, conn, database_url, today):
    plan_id, etag = shrunk_plan(client, planner)
    publish(client, planner, plan_id, etag, today + dt.timedelta(days=1))
    other = create_engine(database_url)
    try:
        with other.connect() as holder:
            holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": LEASE_KEY})
            assert apply_due(today + dt.timedelta(days=1)) is None
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LEASE_KEY})
    finally:
        other.dispose()
    assert lookup(client)["code"] == GRID_A
