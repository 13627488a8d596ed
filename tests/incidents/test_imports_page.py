"""The upload page (/admin/imports) as a dispatcher uses it, in headless Chromium: a
200,000-row file becomes a background job whose progress the page shows, then its report.

With GRIDMAP_SHOTS=<folder> the page is also photographed (desktop and phone, Chinese
and English) into that folder.
"""

import os
from pathlib import Path

import pytest

from tests.incidents.test_hotline_import import COLUMNS, csv_bytes, line
from tests.service.test_browser_pages import sign_in

pytestmark = pytest.mark.town("incidents")

ROWS = int(os.environ.get("DEBUG_ROWS", 200_000))
SHOTS = os.environ.get("GRIDMAP_SHOTS")


@pytest.fixture
def job_runner(_app, monkeypatch):
    """The job runner as a thread of the test server's process. The duplicate distance
    is set below the test file's spacing: this test is about progress, and a file of
    200,000 points in a town of 500 m would make every row a duplicate candidate."""
    from app import jobs

    monkeypatch.setitem(_app.config, "DUPLICATE_METERS", 0.3)
    running = jobs.start_thread(_app)
    yield
    running.close()


def big_csv(path: Path, n: int = ROWS) -> Path:
    """``n`` points on a lattice over the town, about a metre apart."""
    rows = [line(f"P{i:06d}", point=(0.05 + (i % 590) / 100, 0.05 + (i // 590 % 190) / 100))
            for i in range(n)]
    path.write_bytes(csv_bytes(*rows))
    return path


def fill_mapping(page) -> None:
    for field, column in COLUMNS.items():
        page.fill(f"#map-{field}", column)


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_a_large_file_shows_its_progress_then_its_report(page, town, make_user, job_runner,
                                                         tmp_path):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, *make_user("disp", "dispatcher"), start="/admin/imports")
    assert page.url.endswith("/admin/imports")
    page.set_input_files("#import-file", str(big_csv(tmp_path / "12345-200k.csv")))
    fill_mapping(page)
    page.click("#import-submit")
    seen = set()
    for _ in range(1200):  # until the report shows, noting every progress line seen
        text = page.text_content("#progress-text") or ""
        value = page.evaluate("document.getElementById('progress-bar').value")
        if f"/ {ROWS:,}" in text and 0 < value:
            seen.add(text.split("：")[0])
            if len(seen) == 1:
                shot(page, "imports-progress-desktop-zh")
        if page.is_visible("#import-report"):
            break
        page.wait_for_timeout(250)
    assert seen & {"读取并检查", "定位并分派", "保存"}, seen
    counts = page.text_content("#report-counts")
    assert f"已导入{ROWS:,}" in counts.replace(" ", "").replace("\n", ""), counts
    assert page.text_content("#progress-text").startswith("完成")
    assert page.is_hidden("#report-rejected")
    shot(page, "imports-report-desktop-zh")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


@pytest.mark.parametrize("lang, width, height", [("zh", 390, 844), ("en", 390, 844),
                                                 ("en", 1366, 768)])
def test_a_small_file_is_reported_at_once_with_its_rejected_rows(page, town, make_user,
                                                                 tmp_path, lang, width,
                                                                 height):
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, *make_user("disp", "dispatcher"), start=f"/admin/imports?lang={lang}")
    path = tmp_path / "small.csv"
    path.write_bytes(csv_bytes(line("S1", point=(1, 1)), line("S2", category="乱扔垃圾",
                                                               point=(1, 1))))
    page.set_input_files("#import-file", str(path))
    fill_mapping(page)
    page.check("#import-store-good")
    page.click("#import-submit")
    page.wait_for_selector("#import-report:not([hidden])")
    table = page.text_content("#report-rejected")
    said = "未知类别 '乱扔垃圾'" if lang == "zh" else "unknown category '乱扔垃圾'"
    assert "2" in table and said in table
    assert page.text_content("h1") == ("导入事件" if lang == "zh" else "Import incidents")
    shot(page, f"imports-report-{'phone' if width < 500 else 'desktop'}-{lang}")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
