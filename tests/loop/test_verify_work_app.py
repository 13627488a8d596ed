"""A grid chief verifies in the field app (/work, Chromium at 390×844, zh and en): the
resolved work of their grid whose category the grid chief verifies is listed 待核查; they
pass it (核查通过), or send it back (返工) with the reason the form insists on — offline,
queued and sent once when the phone is back online; their own resolved work says why they
may not verify it and offers no decision."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.field.work_support import phone, sign_in, task, worker_account
from tests.support.geometries import xy

pytestmark = pytest.mark.town("incidents")
SYNCED = "#banner[data-waiting='0'].is-synced"
SHOTS = Path("/work/shots/loop")


def status(conn, incident: int) -> tuple[str, int]:
    return tuple(conn.execute(text("SELECT status, rework_count FROM incidents WHERE id = :i"),
                              {"i": incident}).one())


def shot(tab, name: str, tmp_path) -> None:
    folder = SHOTS if SHOTS.is_dir() else tmp_path
    tab.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_grid_chief_verifies_from_the_phone(browser, live_server, app, conn, town,
                                                tmp_path, locale):
    conn.execute(text("UPDATE categories SET verify_by = 'grid_chief'"
                      " WHERE code = '环境卫生'"))
    worker_account(app, "lina", town["A_chief"])
    passed = task(conn, 1, 1, town["A_full"], status="resolved")
    back = task(conn, 1.2, 1.2, town["A_full"], status="resolved", description="路灯不亮")
    own = task(conn, 0.8, 0.8, town["A_chief"], status="resolved", description="井盖松动")
    lang = locale[:2]
    context, tab = phone(browser, live_server, xy(1, 1), locale=locale)
    sign_in(tab, "lina")
    for incident in (passed, back, own):
        row = tab.locator(f"[data-task='{incident}']")
        assert ("待核查" if lang == "zh" else "To verify") in row.inner_text()
    shot(tab, f"work-verify-list-{lang}", tmp_path)
    # 核查通过
    tab.click(f"[data-task='{passed}']")
    tab.click("[data-action='verify']")
    tab.click("#act-send")
    tab.wait_for_selector(SYNCED)
    tab.wait_for_function("(id) => !document.querySelector(`[data-task='${id}']`)", arg=passed)
    assert status(conn, passed) == ("closed", 0)
    # 返工, offline: the reason is asked for, then the decision waits for the network.
    tab.wait_for_function("() => navigator.serviceWorker.controller !== null")
    tab.click(f"[data-task='{back}']")
    tab.wait_for_selector("[data-action='rework']")
    context.set_offline(True)
    tab.click("[data-action='rework']")
    tab.click("#act-send")
    assert status(conn, back) == ("resolved", 0)  # no reason: not sent
    tab.fill("#act-note", "路灯仍不亮" if lang == "zh" else "still dark")
    shot(tab, f"work-verify-rework-{lang}", tmp_path)
    tab.click("#act-send")
    tab.wait_for_selector("#banner.is-offline[data-waiting='1']")
    assert status(conn, back) == ("resolved", 0)
    context.set_offline(False)
    tab.wait_for_selector(SYNCED)
    tab.reload()
    tab.wait_for_selector(SYNCED)
    assert status(conn, back) == ("reopened", 1)
    assert conn.execute(text("SELECT count(*) FROM incident_events WHERE incident_id = :i"
                             " AND action = 'rework'"), {"i": back}).scalar() == 1
    # My own work: the reason, no decision.
    tab.click(f"[data-task='{own}']")
    tab.wait_for_selector("#verify-refused")
    assert tab.locator("[data-action='verify']").count() == 0
    refusal = tab.inner_text("#verify-refused")
    assert ("由他人核查" if lang == "zh" else "someone else verifies") in refusal
    shot(tab, f"work-verify-own-{lang}", tmp_path)
    assert status(conn, own) == ("resolved", 0)
    # Offline, the browser logs the requests that failed; nothing else may be logged.
    assert [e for e in tab.console_errors if "Failed to load resource" not in e] == []
    context.close()
