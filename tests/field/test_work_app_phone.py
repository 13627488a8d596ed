"""The /work app on a phone (Chromium at 390×844, touch, position granted), against the
real API and PostGIS: resolve a task with a camera photo, walk a patrol and report a
problem on it, and do both offline, checking that the server has each exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.field.photos import camera_jpeg
from tests.field.work_support import phone, sign_in, task, worker_account
from tests.support.geometries import xy

pytestmark = pytest.mark.town("incidents")
SYNCED = "#banner[data-waiting='0'].is-synced"


def one(conn, sql: str, **values):
    return conn.execute(text(sql), values).one()


@pytest.fixture
def zhang(app, town, conn):
    """张伟 (grid A's full-time worker) signed up, with two tasks assigned to him."""
    worker_account(app, "zhangwei", town["A_full"])
    return {"near": task(conn, 1, 1, town["A_full"]),
            "late": task(conn, 0.5, 1.5, town["A_full"], status="in_progress", due_hours=-2,
                         description="路灯不亮")}


def test_resolve_a_task_with_a_camera_photo(browser, live_server, conn, town, zhang, tmp_path):
    photo = tmp_path / "camera.jpg"
    photo.write_bytes(camera_jpeg())
    context, tab = phone(browser, live_server, xy(1.05, 1.0))
    sign_in(tab, "zhangwei")
    rows = tab.locator("#task-list [data-task]")
    assert rows.count() == 2
    assert rows.first.get_attribute("data-task") == str(zhang["late"])  # overdue first
    tab.click(f"[data-task='{zhang['near']}']")
    tab.wait_for_selector("#reporter-phone[href='tel:13800001111']")
    assert tab.locator("#open-amap").get_attribute("href").startswith(
        "https://uri.amap.com/marker?position=")
    assert tab.locator("#open-geo").get_attribute("href").startswith("geo:39.901000,116.391000?q=")
    tab.click("[data-action='start']")
    tab.click("[data-action='resolve']")
    tab.set_input_files("#act-photos", str(photo))
    tab.wait_for_selector("#act-photos-info[data-bytes]")
    sent = int(tab.get_attribute("#act-photos-info", "data-bytes"))
    assert sent < 400_000 < 3_000_000 <= photo.stat().st_size  # what leaves the phone
    tab.fill("#act-note", "已清理")
    tab.click("#act-send")
    tab.wait_for_selector(SYNCED)
    tab.wait_for_function("(id) => !document.querySelector(`[data-task='${id}']`)",
                          arg=zhang["near"])
    assert tab.locator("#task-list [data-task]").count() == 1
    status = one(conn, "SELECT status FROM incidents WHERE id = :i", i=zhang["near"]).status
    assert status == "resolved"
    event = one(conn, "SELECT client_id, fix_distance_m, note FROM incident_events"
                      " WHERE incident_id = :i AND action = 'resolve'", i=zhang["near"])
    assert event.client_id is not None and event.note == "已清理"
    assert event.fix_distance_m < 10  # the phone's position went along
    photos = one(conn, "SELECT count(*) AS n, max(octet_length(photo)) AS size,"
                       " max(greatest(width, height)) AS edge FROM incident_photos"
                       " WHERE incident_id = :i", i=zhang["near"])
    assert photos.n == 1 and photos.size < 400_000 and photos.edge <= 1600
    assert tab.console_errors == [] or all("ERR_FAILED" in e for e in tab.console_errors)
    context.close()


def test_a_patrol_walked_with_a_problem_reported_on_the_way(browser, live_server, conn, town,
                                                            zhang):
    context, tab = phone(browser, live_server, xy(0.2, 0.2))
    sign_in(tab, "zhangwei")
    tab.click("#tab-patrol")
    tab.click("#patrol-start")
    tab.wait_for_selector("#patrol-state[data-points='1']")
    for step in range(1, 6):  # 30 m a step: each is a point
        context.set_geolocation({"longitude": xy(0.2 + 0.35 * step, 0.2)[0],
                                 "latitude": xy(0.2, 0.2)[1], "accuracy": 6})
        tab.wait_for_selector(f"#patrol-state[data-points='{step + 1}']")
    tab.click("#patrol-report")
    tab.select_option("#report-category", "环境卫生")
    tab.fill("#report-description", "垃圾桶满溢")
    tab.click("#report-send")
    tab.wait_for_selector("#report-form", state="hidden")
    tab.click("#patrol-finish")
    tab.wait_for_selector(SYNCED)
    tab.wait_for_selector("#patrol-log [data-patrol]")
    patrol = one(conn, "SELECT id, status, distance_m FROM patrols")
    assert patrol.status == "finished" and 140 < patrol.distance_m < 160  # 5 × 30 m
    assert one(conn, "SELECT count(*) AS n FROM patrol_points WHERE patrol_id = :p",
               p=patrol.id).n == 6
    found = one(conn, "SELECT source, patrol_id, description FROM incidents"
                      " WHERE patrol_id IS NOT NULL")
    assert (found.source, found.patrol_id, found.description) == ("patrol", patrol.id,
                                                                  "垃圾桶满溢")
    log = tab.inner_text("#patrol-log")
    assert "0.15" in log and "1 个问题" in log, log
    context.close()


def test_offline_mid_task_everything_arrives_exactly_once(browser, live_server, conn, town,
                                                         zhang):
    context, tab = phone(browser, live_server, xy(0.5, 1.5))
    sign_in(tab, "zhangwei")
    tab.wait_for_function("() => navigator.serviceWorker.controller !== null")
    tab.click(f"[data-task='{zhang['late']}']")
    tab.wait_for_selector("#reporter-phone")
    context.set_offline(True)
    tab.reload()  # the shell and my tasks come from the service worker
    tab.click(f"[data-task='{zhang['late']}']")
    tab.click("[data-action='resolve']")
    tab.fill("#act-note", "离线处置")
    tab.click("#act-send")
    tab.wait_for_selector("#banner.is-offline[data-waiting='1']")
    tab.click("#tab-patrol")
    tab.click("#patrol-start")
    tab.click("#patrol-report")
    tab.select_option("#report-category", "环境卫生")
    tab.fill("#report-description", "井盖缺失")
    tab.click("#report-send")
    tab.click("#patrol-finish")
    tab.wait_for_selector("#banner[data-waiting='5']")  # resolve, start, points, report, end
    assert "离线" in tab.inner_text("#banner")
    assert one(conn, "SELECT status FROM incidents WHERE id = :i",
               i=zhang["late"]).status == "in_progress"
    context.set_offline(False)
    tab.wait_for_selector(SYNCED)  # within the outbox's retry
    tab.reload()  # nothing is sent twice
    tab.wait_for_selector(SYNCED)
    tab.wait_for_timeout(500)
    counts = one(conn, """
        SELECT (SELECT count(*) FROM incident_events WHERE incident_id = :i
                 AND action = 'resolve') AS resolves,
               (SELECT status FROM incidents WHERE id = :i) AS status,
               (SELECT count(*) FROM patrols) AS patrols,
               (SELECT count(*) FROM patrols WHERE finished_at IS NOT NULL) AS finished,
               (SELECT count(*) FROM incidents WHERE description = '井盖缺失'
                 AND source = 'patrol') AS reports""", i=zhang["late"])
    assert tuple(counts) == (1, "resolved", 1, 1, 1)
    context.close()
