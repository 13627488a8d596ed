"""The people imports' reasons in the page's language (issue 26): every reason a roster
row or file can be refused for (geo.people) is said in Chinese on a Chinese page by the
one table of app/web/reasons.py, and as the server says it on an English page; the
workers page shows its import report in Chinese."""

import csv
import io
import re
from pathlib import Path

import pytest
from flask_babel import refresh

from app.web import reasons
from tests.incidents.test_import_reasons import english_left as english_words
from tests.service.test_browser_pages import sign_in
from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_B, GRID_D

pytestmark = pytest.mark.town("incidents")
SHOTS = Path("/work/shots/reasons2")

WORKERS = (["姓名", "角色", "网格", "公开电话", "私人电话", "服务时间", "同意公开", "同意日期",
            "值班日", "值班时间", "账号"], [
    ["好", "专职网格员", GRID_A, "", "", "", "", "", "", "", ""],
    ["r3", "", GRID_A], ["r4", "队长", GRID_A], ["r5", "网格长", ""], ["r6", "网格长", "12ab"],
    ["r7", "网格长", GRID_A, "abc"], ["r8", "网格长", GRID_A, "", "", "长" * 101],
    ["r9", "网格长", GRID_A, "", "", "", "maybe"],
    ["r10", "网格长", GRID_A, "", "", "", "是", "2026-13-01"],
    ["r11", "网格长", GRID_A, "", "", "", "", "", "9"],
    ["r12", "网格长", GRID_A, "", "", "", "", "", "", "9-5"],
    ["r13", "网格长", GRID_A, "", "", "", "", "", "", "", "nobody"],
    ["r14", "网格长", GRID_D], ["", "网格长", GRID_A], ["bell\x07", "网格长", GRID_A]])
PARTY = (["姓名", "类型", "工作单位", "居住楼栋", "服务网格", "党组织", "电话", "报到日期",
          "离开日期"], [
    ["p2", "", "", "", GRID_A], ["p3", "在职党员", "", "", GRID_A], ["p4", "社区党员"],
    ["p5", "社区党员", "", "123"], ["p6", "社区党员", "", "", f"{GRID_A};{GRID_B}"],
    ["p7", "社区党员", "", "", GRID_A, "abc"],
    ["p8", "社区党员", "", "", GRID_A, "", "", "2026-05-02", "2026-05-01"],
    ["p9", "社区党员", "", "1101010010019999999"], ["p10", "社区党员", "", "", GRID_A, "999"],
    ["p11", "社区党员", "", "", GRID_D]])
DEPARTMENTS = (["名称", "类型", "联系人", "联系电话", "服务社区", "服务街道", "事件类别"], [
    ["d2", "科室", "", "", COMMUNITY_1], ["d3", "职能部门", "", "", "999999999999"],
    ["d4", "职能部门", "", "", COMMUNITY_1, "", "不存在的类别"], ["d5", "职能部门"],
    ["d6", "职能部门", "", "", COMMUNITY_1], ["d6", "职能部门", "", "", COMMUNITY_1]])
# English words that stay in a Chinese reason: the fields' names (the API's and the
# columns'), the words a file may hold and the values of these files.
KEEP = {"role", "grids", "public_phone", "private_phone", "hours", "publish", "consent_on",
        "duty_days", "duty_hours", "account", "kind", "work_unit", "home_building",
        "serving_grid", "org", "registered_on", "left_on", "communities", "categories",
        "name", "true", "false", "member", "grid_chief", "full_time", "part_time",
        "building_head", "grid_instructor", "resident", "in_service", "department",
        "resident_unit", "abc", "maybe", "nobody", "bell", "gbk", "utf", "sig", "excel"}


def shot(page, name: str) -> None:
    if SHOTS.is_dir():
        page.locator("section:has(#import-report), .card:has(#import-report)").last.screenshot(
            path=str(SHOTS / f"{name}.png"))


def english_left(text: str) -> set[str]:
    return {w for w in english_words(text) if w.lower() not in KEEP}


def roster(header, rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def problems(client, headers, kind, data, encoding="utf-8") -> list[str]:
    answer = client.post(f"/api/v1/people/{kind}/import", headers=headers,
                         content_type="multipart/form-data",
                         data={"file": (io.BytesIO(data), "名单.csv"), "encoding": encoding,
                               "dry_run": "true"})
    body = answer.get_json()
    if answer.status_code != 200:
        return [body["error"]["message"]]
    return [p["reason"] for p in body["problems"]]


def said(app, lang: str, reason: str) -> str:
    with app.test_request_context(f"/admin/people/workers?lang={lang}"):
        refresh()  # the test's app context is shared: Babel's cached locale is stale
        return reasons.say_reason(reason)


def test_every_reason_of_a_roster_is_said_in_chinese(app, client, staff, town):
    office = staff("office1", "community_admin", [COMMUNITY_1])
    rows = [*problems(client, office, "workers", roster(*WORKERS)),
            *problems(client, office, "party-members", roster(*PARTY)),
            *problems(client, office, "departments", roster(*DEPARTMENTS))]
    assert len(rows) == len(WORKERS[1]) - 1 + len(PARTY[1]) + len(DEPARTMENTS[1]) - 1, rows
    files = [*problems(client, office, "workers", b",,\n1,2,3\n"),
             *problems(client, office, "workers", b"a,b\n1,2\n"),
             *problems(client, office, "workers", "姓名\n甲\n".encode("gbk")),
             *problems(client, office, "workers", b"PK\x03\x04broken")]
    assert len(files) == 4, files
    for reason in rows:
        zh = said(app, "zh", reason)
        assert zh != reason and not english_left(zh), (reason, zh)
        assert said(app, "en", reason) == reason
    for reason in files:  # (the reader's own words about a broken file stay as they are)
        zh = said(app, "zh", reason)
        assert zh != reason and not english_left(re.sub(r"（.*?）", "", zh)), (
            reason, zh)
        assert said(app, "en", reason) == reason
    assert said(app, "zh", rows[0]) == "“role”必填，须为以下之一：grid_chief, full_time, " \
                                       "part_time, building_head, grid_instructor"


def test_the_public_registration_form_says_its_refusals_in_chinese(app, client, town):
    """/party/register (residents' 双报到 form) says the API's refusals by the same table."""
    good = {"name": "周在职", "work_unit": "区卫生健康委员会", "phone": "13600002222",
            "community": COMMUNITY_1, "serving_grid": GRID_A}
    bad = [{"phone": "12ab"}, {"community": "999999999999"}, {"serving_grid": GRID_D},
           {"name": ""}]
    for change in bad:
        form = client.get("/api/v1/reports/form").get_json()["form_token"]
        sent = client.post("/api/v1/party/registrations",
                           json={**good, **change, "form_token": form})
        assert sent.status_code == 400, (change, sent.get_json())
        reason = sent.get_json()["error"]["message"]
        zh = said(app, "zh", reason)
        assert zh != reason and not english_left(zh), (change, reason, zh)
    page = client.get("/party/register?lang=zh").get_data(as_text=True)
    assert '"patterns"' in page  # the page's config carries the reasons table


@pytest.mark.parametrize("lang, size", [("zh", (390, 844)), ("zh", (1366, 768)),
                                        ("en", (1366, 768)), ("en", (390, 844))])
def test_the_workers_page_says_the_import_report_in_its_language(page, town, make_user,
                                                                  lang, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    name, password = make_user("office1", "community_admin", [COMMUNITY_1])
    sign_in(page, name, password, start=f"/admin/people/workers?lang={lang}")
    page.wait_for_selector("#rows tr[data-id], #rows td")
    page.set_input_files("#import-file", files=[{
        "name": "w.csv", "mimeType": "text/csv", "buffer": roster(WORKERS[0], [
            ["r2", "队长", GRID_A], ["r3", "网格长", GRID_D],
            ["r4", "网格长", GRID_A, "", "", "", "", "", "", "9-5"]])}])
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-report li")
    report = page.inner_text("#import-report")
    if lang == "zh":
        assert "“role”须为以下之一：" in report and "而不是 '队长'" in report
        assert f"您负责的社区内没有现行网格 {GRID_D}" in report
        assert "“duty_hours”须为 时:分-时:分，如 09:00-17:30" in report
        assert not english_left(report), report
    else:
        assert f"no current grid {GRID_D} in your communities" in report
    shot(page, f"workers-import-rows-{lang}-{size[0]}")
    page.set_input_files("#import-file", files=[{"name": "w.csv", "mimeType": "text/csv",
                                                 "buffer": b"a,b\n1,2\n"}])
    page.click("#import-form button[type=submit]")
    page.wait_for_function("() => !document.querySelector('#import-report li')"
                           " && document.querySelector('#import-report .text-danger')")
    whole = page.inner_text("#import-report")
    assert ("w.csv：没有“姓名”列" if lang == "zh" else "w.csv: no column 姓名 (name)") in whole
    shot(page, f"workers-import-file-{lang}-{size[0]}")


@pytest.mark.parametrize("lang, size", [("zh", (390, 844)), ("en", (1366, 768))])
def test_the_registration_page_says_a_refusal_in_its_language(page, town, lang, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"/party/register?lang={lang}")
    page.fill("#r-name", "周在职")
    page.fill("#r-work_unit", "区卫生健康委员会")
    page.select_option("#r-community", COMMUNITY_1)
    page.fill("#r-serving_grid", GRID_D)  # a grid of another community
    page.click("#r-submit")
    notice = page.wait_for_selector("#notice .alert-danger").inner_text()
    if lang == "zh":
        assert notice == f"社区 {COMMUNITY_1} 内没有编码为 {GRID_D} 的现行网格", notice
    else:
        assert notice == f"no current grid {GRID_D} in community {COMMUNITY_1}", notice
    assert page.locator("#notice").is_visible()
    if SHOTS.parent.is_dir():
        page.screenshot(path=str(SHOTS.parent / "lead" / f"register-{lang}-{size[0]}.png"))
