"""Issue 26 in the console (/dispatch), in headless Chromium at 1366×768 and 390×844:
picking and re-picking the worker, bulk assigning, the resident report's reply, photo and
place, and priority. Screenshots in Chinese and English go to /work/shots/pages when that
folder exists (looked at by hand), else to the test's tmp_path."""

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text

from tests.incidents.test_dispatch_page import api_post, csp_errors, report
from tests.service.test_browser_pages import sign_in
from tests.support.geometries import COMMUNITY_1

pytestmark = pytest.mark.town("incidents")

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
SHOTS = Path("/work/shots/pages")


def shot(page, name: str, tmp_path) -> None:
    folder = SHOTS if SHOTS.is_dir() else tmp_path
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def open_console(page, make_user, size: str, lang: str = "zh"):
    page.page_errors = []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    name, password = make_user("disp-" + size + lang, "dispatcher")
    sign_in(page, name, password, start="/dispatch" + ("?lang=en" if lang == "en" else ""))
    page.wait_for_selector("#queue-total:not(:empty)")
    return page


def open_incident(page, incident_id: int) -> None:
    page.locator(f"#queue-rows tr[data-id='{incident_id}'] td:nth-child(2)").click()
    page.wait_for_function("(id) => document.querySelector('#panel-title').textContent"
                           ".endsWith('#' + id)", arg=incident_id)


@pytest.mark.parametrize("size, lang", [("desktop", "zh"), ("phone", "en")])
def test_the_dispatcher_picks_the_worker_then_reassigns(page, town, make_user, tmp_path,
                                                        size, lang):
    page = open_console(page, make_user, size, lang)
    incident = report(page, 1, 1.5)
    assert api_post(page, f"/api/v1/incidents/{incident}/actions",
                    {"action": "accept"})["status"] == 200
    page.reload()
    page.wait_for_selector("#queue-total:not(:empty)")
    open_incident(page, incident)
    page.wait_for_selector("#action-assignee:not([aria-busy])")
    groups = page.eval_on_selector_all("#action-assignee optgroup", "gs => gs.map(g => "
                                       "[g.label, g.querySelectorAll('option').length])")
    first_group = "本网格" if lang == "zh" else "This grid"
    assert groups[0] == [first_group, 2]  # grid A's full-time worker and chief
    on_duty = "在岗" if lang == "zh" else "on duty"
    chief = page.locator(f"#action-assignee option[value='{town['A_chief']}']")
    assert on_duty in chief.inner_text()
    shot(page, f"dispatch-picker-{size}-{lang}", tmp_path)
    page.select_option("#action-assignee", str(town["C_chief"]))
    page.click("#action-buttons button[data-action=dispatch]")
    page.wait_for_function("() => document.querySelector('#incident-assignee')"
                           ".textContent.includes('吴刚')")
    # 改派: the current worker cannot be picked again; another one can.
    page.wait_for_selector("#action-assignee:not([aria-busy])")
    current = page.locator(f"#action-assignee option[value='{town['C_chief']}']")
    assert current.is_disabled()
    page.select_option("#action-assignee", str(town["A_full"]))
    page.click("#action-buttons button[data-action=reassign]")
    page.wait_for_function("() => document.querySelector('#incident-assignee')"
                           ".textContent.includes('张伟')")
    assert ("改派" if lang == "zh" else "Reassign") in page.inner_text("#incident-history")
    shot(page, f"dispatch-reassigned-{size}-{lang}", tmp_path)
    assert csp_errors(page) == []


def test_the_assignee_filter_lists_the_communitys_workers(page, town, make_user, tmp_path):
    page = open_console(page, make_user, "desktop")
    mine = report(page, 1, 1.5)  # routed to 张伟 (A_full)
    other = report(page, 5, 1.5)  # routed to 赵敏 (D_full)
    # None before a community is chosen (a city has tens of thousands), then its own.
    assert page.locator("#f-assignee optgroup option").count() == 0
    page.select_option("#f-community", COMMUNITY_1)
    page.wait_for_selector(f"#f-assignee option[value='{town['A_full']}']", state="attached")
    names = page.eval_on_selector_all("#f-assignee optgroup option", "os => os.map(o => o.text)")
    assert any(n.startswith("张伟") for n in names)
    assert not any(n.startswith("赵敏") for n in names)  # community 2's
    page.select_option("#f-assignee", str(town["A_full"]))
    page.wait_for_selector(f"#queue-rows tr[data-id='{mine}']")
    ids = page.eval_on_selector_all("#queue-rows tr.queue-row", "rs => rs.map(r => "
                                    "Number(r.dataset.id))")
    assert mine in ids and other not in ids


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_bulk_assigning_shows_a_result_per_row(page, town, make_user, conn, tmp_path, size):
    page = open_console(page, make_user, size)
    accepted = [report(page, 1, 1.5), report(page, 1.2, 1.5)]
    for incident in accepted:
        api_post(page, f"/api/v1/incidents/{incident}/actions", {"action": "accept"})
    still_reported = report(page, 1.4, 1.5)
    page.reload()
    page.wait_for_selector("#queue-total:not(:empty)")
    for incident in (*accepted, still_reported):
        page.check(f"#queue-rows tr[data-id='{incident}'] .queue-check input")
    assert page.is_visible("#bulk")
    assert page.inner_text("#bulk-count") == "已选 3 件"
    # The workers offered are the first selected incident's candidates, its grid's first.
    page.wait_for_selector("#bulk-worker optgroup", state="attached")
    assert page.eval_on_selector("#bulk-worker optgroup", "g => g.label") == "本网格"
    page.select_option("#bulk-worker", str(town["C_chief"]))
    page.click("#bulk-go")
    page.wait_for_selector("#bulk-results li[data-status]")
    results = dict(page.eval_on_selector_all(
        "#bulk-results li[data-status]", "ls => ls.map(l => [Number(l.dataset.id), "
        "Number(l.dataset.status)])"))
    assert results == {accepted[0]: 200, accepted[1]: 200, still_reported: 409}
    assert "完成 2 件，未执行 1 件" in page.inner_text("#bulk-results")
    assert f"#{still_reported} 未执行：事件现为“待受理”" in page.inner_text("#bulk-results")
    assert page.inner_text("#bulk-count") == "已选 1 件"  # the refused row stays selected
    shot(page, f"dispatch-bulk-{size}-zh", tmp_path)
    assignees = dict(conn.execute(text("SELECT id, assignee_id FROM incidents WHERE id ="
                                       " ANY(:ids)"), {"ids": accepted}).all())
    assert set(assignees.values()) == {town["C_chief"]}
    assert csp_errors(page) == []


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 40)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize("size, lang", [("desktop", "en"), ("phone", "zh")])
def test_a_resident_report_is_answered_with_its_photo_and_place(page, client, town, make_user,
                                                                conn, tmp_path, size, lang):
    page = open_console(page, make_user, size, lang)
    incident = report(page, 0.6, 0.75, source="resident")  # 20 m north of building 1号楼
    conn.execute(text("INSERT INTO resident_reports (reference, incident_id, photo,"
                      " photo_type) VALUES ('ABCD-EFGH', :i, :p, 'image/jpeg')"),
                 {"i": incident, "p": jpeg()})
    page.reload()
    page.wait_for_selector("#queue-total:not(:empty)")
    open_incident(page, incident)
    place = page.inner_text("#incident-place")
    assert "景山东街12号院1号楼" in place and "116.39" in place  # address, then coordinates
    page.wait_for_function("() => { const i = document.querySelector('#report-photo');"
                           " return i && i.complete && i.naturalWidth === 64; }")
    page.fill("#public-note", "已安排清运，明天上午处理。")
    page.click("#public-note-save")
    page.wait_for_selector("#panel-alert.alert-success")
    shot(page, f"dispatch-resident-{size}-{lang}", tmp_path)
    status = client.get("/api/v1/reports/ABCD-EFGH").get_json()
    assert status["public_note"] == "已安排清运，明天上午处理。"
    reads = conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'read_photo'"
                              " AND entity_id = :i"), {"i": str(incident)}).scalar()
    assert reads >= 1
    assert csp_errors(page) == []


def test_priority_moves_the_deadline_and_the_queue(page, town, make_user, conn, tmp_path):
    page = open_console(page, make_user, "desktop")
    first, second = report(page, 1, 1.5), report(page, 1.2, 1.5)
    page.reload()
    page.wait_for_selector("#queue-total:not(:empty)")
    ids = page.eval_on_selector_all("#queue-rows tr.queue-row", "rs => rs.map(r => "
                                    "Number(r.dataset.id))")
    assert ids.index(first) < ids.index(second)
    open_incident(page, second)
    due_before = conn.execute(text("SELECT due_at FROM incidents WHERE id = :i"),
                              {"i": second}).scalar()
    page.select_option("#action-priority", "1")
    page.click("button[data-action=prioritise]")
    page.wait_for_selector("#panel-alert.alert-success")
    due_after = conn.execute(text("SELECT due_at FROM incidents WHERE id = :i"),
                             {"i": second}).scalar()
    assert due_after < due_before
    page.wait_for_function("([a, b]) => { const rows = [...document.querySelectorAll("
                           "'#queue-rows tr.queue-row')].map(r => Number(r.dataset.id));"
                           " return rows.indexOf(b) < rows.indexOf(a); }", arg=[first, second])
    shot(page, "dispatch-priority-desktop-zh", tmp_path)
