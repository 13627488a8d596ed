"""The monthly report (geo.stats.report): the XLSX read back with openpyxl, the PDF rendered
with poppler (pdftoppm, pdftotext), on the statistics town of tests/support/towns.py (May
2025, numbers worked out by hand in tests/stats)."""

import datetime as dt
import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from geo.core.errors import InvalidInput, NotFound
from geo.stats import caseload, evaluation
from geo.stats.report import monthly
from tests.support.geometries import COMMUNITY_1, GRID_A

pytestmark = pytest.mark.town("stats")
TZ = "Asia/Shanghai"
NOW = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
STREET = COMMUNITY_1[:9]


def report(conn, fmt, **kw):
    caseload.refresh(conn, None)
    return monthly.monthly_report(conn, "2025-05", fmt, timezone=TZ, now=NOW, **kw)


def test_the_xlsx_has_a_sheet_per_level_frozen_headers_and_the_engines_numbers(conn, town):
    book = load_workbook(io.BytesIO(report(conn, "xlsx")))
    assert book.sheetnames == ["说明", "街道", "社区", "网格", "网格员", "部门", "计算方法"]
    grids = book["网格"]
    assert grids.freeze_panes == "C2"
    head = [c.value for c in grids[1]]
    assert head[:4] == ["编码", "名称", "所属社区", "事件数"]
    assert "按期结案率" in head and "按期结案率·分子" in head and "按期结案率·分母" in head
    rows = {r[0]: r for r in grids.iter_rows(min_row=2, values_only=True)}
    _, _, t0, t1 = evaluation.month_period("2025-05", TZ)
    engine = {r["unit"]["code"]: r["indicators"] for r in evaluation.evaluate(
        conn, level="grid", t0=t0, t1=t1, now=NOW)["rows"]}
    col = head.index("按期结案率")
    assert rows[GRID_A][col] == engine[GRID_A]["on_time_rate"]["value"] == 0.3333
    assert rows[GRID_A][head.index("按期结案率·分母")] == 3
    assert rows[GRID_A][head.index("事件数")] == 3
    cell = grids.cell(row=2 + list(rows).index(GRID_A), column=col + 1)
    assert cell.number_format == "0.0%" and isinstance(cell.value, float)
    formulas = {r[0]: r[1] for r in book["计算方法"].iter_rows(min_row=2, values_only=True)}
    assert formulas["满意率"].startswith("（满意 + 基本满意）")


def test_the_pdf_renders_with_chinese_headings_and_embedded_fonts(conn, town, tmp_path):
    assert shutil.which("pdftoppm") and shutil.which("pdftotext")
    pdf = tmp_path / "monthly.pdf"
    pdf.write_bytes(report(conn, "pdf", street=STREET))
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout
    for heading in ("2025年5月考评月报", "主要指标", "本月事件量地图"):
        assert heading in first
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                           text=True).stdout
    assert "NotoSansCJK" in fonts.replace("-", "") and " yes yes " in fonts
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    png = tmp_path / "page-1.png"
    assert png.stat().st_size > 10_000
    shots = pytest.importorskip("pathlib").Path("/work/shots/report")
    if shots.is_dir():  # for a person to look at
        shutil.copy(png, shots / "monthly-page-1.png")


@pytest.mark.parametrize(("month", "fmt", "street", "error"), [
    ("2025-13", "pdf", None, InvalidInput), ("2025-5", "xlsx", None, InvalidInput),
    ("", "xlsx", None, InvalidInput), ("2025-05", "docx", None, InvalidInput),
    ("2025-05", "xlsx", "12345", InvalidInput), ("2025-05", "xlsx", "999999999", NotFound),
])
def test_bad_input_is_refused(conn, town, month, fmt, street, error):
    with pytest.raises(error):
        monthly.monthly_report(conn, month, fmt, timezone=TZ, now=NOW, street=street)
