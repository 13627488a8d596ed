"""An import's rejection reasons in the page's language (issue 26): the server's English
reasons (API, CSV report) are said in Chinese on a Chinese page, by app/web/reasons.py and
static/js/lib/reasons.js, for the incident imports (/admin/imports) and the layer checks
(a plan's grids file on /plans)."""

import json
import re

import pytest
from flask_babel import refresh

from app.web import reasons
from tests.incidents.test_hotline_import import COLUMNS, DIRTY, csv_bytes, line, upload
from tests.service.test_browser_pages import sign_in
from tests.support.auth import bearer
from tests.support.geometries import xy

pytestmark = pytest.mark.town("incidents")

# Every reason a row of an incident file can be rejected for (besides DIRTY's).
MORE = [
    line("M01", point=(1, 1), priority="9"),
    line("M02", point=(1, 1), source="fax"),
    line("M03", lon="116.4", lat=""),
    line("M04", at="05/06/2026", point=(1, 1)),
    line("M05", at="5/6/26", point=(1, 1)),
    line("M06", at="yesterday", point=(1, 1)),
    line("M07", category=""),
    line("M08"),
    line("M09", building="12a"),
    line("M10", lon="200", lat="39.9"),
    line("M11", lon="116.4", lat="100"),
    line("M12", lon="39.9", lat="116.4"),
    line("M13", point=(1, 1), description="长" * 600),
]
# English words (3+ letters) that may stay in a Chinese reason: the file's own values and
# column names, formats and units.
KEEP = {"source", "priority", "reporter_phone", "reported_at", "building", "description",
        "lon", "lat", "abc", "fax", "yesterday", "hotline", "web", "phone", "app", "wechat",
        "open311", "patrol", "walk", "resident", "other", "api", "code", "name", "grid",
        "grids", "make_valid",
        "geometry", "self", "intersection", "external_id", "category", "zip", "xlsx", "csv"}


def english_left(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z_]{3,}", text) if w.lower() not in KEEP} - {
        "NUL", "NaN", "Polygon", "MultiPolygon", "GeoJSON", "Feature", "PostGIS", "XLSX",
        "CSV", "UTF"}


def test_every_reason_of_an_incident_file_is_said_in_chinese(app, client, make_user,
                                                             make_token, town):
    make_user("disp", "dispatcher")
    answer = client.post("/api/v1/incidents/import", headers=bearer(make_token("disp")),
                         data=upload(csv_bytes(*DIRTY, *MORE), map=json.dumps(COLUMNS),
                                     store_good="true"))
    rejected = answer.get_json()["rejected"]
    assert len(rejected) >= 20
    with app.test_request_context("/admin/imports?lang=zh"):
        refresh()
        for row in rejected:
            said = reasons.say_reason(row["reason"])
            assert said != row["reason"] and not english_left(said), (row, said)
    with app.test_request_context("/admin/imports?lang=en"):
        refresh()  # the test's app context is shared: Babel's cached locale is stale
        for row in rejected:  # English pages say the server's words (an ambiguous day:
            # its two readings are not placeholders of the Chinese message)
            said = reasons.say_reason(row["reason"])
            assert said == row["reason"] or "either way round" in said, said


@pytest.mark.parametrize("reason, said", [
    ("code '110101001002' does not match the grids pattern (15 digits: 6+3+3+3)",
     "编码 '110101001002' 不符合grids编码规则（15 位：6+3+3+3）"),
    ("invalid geometry: Self-intersection[116.4 39.9]; pass --make-valid to repair",
     "几何无效：自相交[116.4 39.9]；导入时加 --make-valid 可修复"),
    ("missing code; households 'x' is not a whole number from 0 to 100000",
     "缺少 code；households 的值 'x' 不是 0 到 100000 之间的整数"),
    ("missing geometry", "缺少几何"),
    ("3 problem(s) in 4 features; nothing was stored. First: feature 0: invalid geometry: "
     "Ring Self-intersection[1 2]; send make_valid=true to repair",
     "4 个要素中有 3 处问题，未保存任何数据。第一处：要素 0：几何无效：环自相交[1 2]；"
     "勾选修复（make_valid）后可修复"),
    ("something the table does not know", "something the table does not know"),
])
def test_layer_reasons_are_said_in_chinese(app, reason, said):
    with app.test_request_context("/plans?lang=zh"):
        refresh()
        assert reasons.say_reason(reason) == said


def test_every_pattern_has_its_message_in_both_languages(app):
    for lang in ("zh", "en"):
        with app.test_request_context(f"/admin/imports?lang={lang}"):
            refresh()
            table = reasons.reason_table()
            assert len(table["patterns"]) == len(reasons.PATTERNS)
            for (_, message), key in zip(table["patterns"], reasons.PATTERNS, strict=True):
                assert set(re.findall(r"\{(\w+)\}", message)) <= set(
                    re.compile(reasons.PATTERNS[key]).groupindex), key
                if lang == "en" and key not in {"reported_bad", "no_category_column"}:
                    # (those two show a Chinese date and column name as examples)
                    assert not re.search("[\u4e00-\u9fff]", message), (key, message)


@pytest.mark.parametrize("size", [(390, 844), (1366, 768)])
def test_the_imports_page_says_the_rejected_rows_in_chinese(page, town, make_user, tmp_path,
                                                            size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    sign_in(page, *make_user("disp", "dispatcher"), start="/admin/imports?lang=zh")
    path = tmp_path / "small.csv"
    lon, lat = xy(1, 1)
    path.write_bytes(csv_bytes(line("S1", point=(1, 1)), line("S2", category="乱扔垃圾",
                                                               point=(1, 1)),
                               line("S3", lon=repr(lat), lat=repr(lon)),
                               line("S4", at="05/06/2026", point=(1, 1)),
                               line("S5", address="不存在的路99号")))
    page.set_input_files("#import-file", str(path))
    for field, column in COLUMNS.items():
        page.fill(f"#map-{field}", column)
    page.click("#import-submit")  # strict: nothing stored, the rows listed
    page.wait_for_selector("#import-report:not([hidden])")
    assert "5 行中有 4 行被拒" in page.text_content("#import-notice")
    table = page.text_content("#report-rejected")
    assert "未知类别 '乱扔垃圾'" in table and "经纬度似乎填反了" in table
    assert "若指 2026年6月5日，请写成 2026-06-05 或 2026年6月5日" in table
    assert "找不到该地址" in table
    assert not english_left(table.replace("乱扔垃圾", "")), table
    page.screenshot(path=str(tmp_path / "imports-reasons.png"), full_page=True)
