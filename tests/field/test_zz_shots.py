import pytest
from sqlalchemy import text
from tests.field.work_support import DESKTOP, PHONE, phone, sign_in, task, worker_account
from tests.support.geometries import xy
pytestmark = pytest.mark.town("incidents")
OUT = "/work/shots/fui"

def test_shots(app, browser, live_server, conn, town):
    worker_account(app, "zhangwei", town["A_full"])
    a = task(conn, 1, 1, town["A_full"])
    task(conn, 0.5, 1.5, town["A_full"], status="in_progress", due_hours=-2, description="路灯不亮，夜间出行不便")
    conn.execute(text("INSERT INTO notifications (user_id, kind, incident_id, created_at) SELECT id, 'new_task', :i, now() FROM users WHERE username='zhangwei'"), {"i": a})
    for lang in ("zh", "en"):
        for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
            context, tab = phone(browser, live_server, xy(1.05, 1.0), viewport=size if name == "desktop" else None,
                                 locale="zh-CN" if lang == "zh" else "en-GB")
            sign_in(tab, "zhangwei", start="/work?lang=" + lang)
            tab.wait_for_timeout(800)
            tab.screenshot(path=f"{OUT}/{lang}-{name}-tasks.png")
            tab.click(f"[data-task='{a}']")
            tab.wait_for_selector("#reporter-phone")
            tab.wait_for_timeout(500)
            if tab.is_visible("[data-action='start']"):
                tab.click("[data-action='start']")
            tab.click("[data-action='resolve']")
            tab.wait_for_timeout(800)
            tab.screenshot(path=f"{OUT}/{lang}-{name}-task.png", full_page=True)
            tab.click("#tab-patrol")
            tab.click("#patrol-start")
            tab.wait_for_selector("#patrol-state[data-points='1']")
            tab.click("#patrol-report")
            tab.wait_for_timeout(800)
            tab.screenshot(path=f"{OUT}/{lang}-{name}-patrol.png", full_page=True)
            context.set_offline(True)
            tab.fill("#report-description", "x")
            tab.select_option("#report-category", "环境卫生")
            tab.click("#report-send")
            tab.wait_for_selector("#banner.is-offline")
            tab.click("#tab-messages")
            tab.wait_for_timeout(500)
            tab.screenshot(path=f"{OUT}/{lang}-{name}-messages-offline.png", full_page=True)
            context.set_offline(False)
            tab.click("#patrol-finish") if tab.is_visible("#patrol-finish") else None
            context.close()
