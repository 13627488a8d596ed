"""The monthly report as an XLSX workbook (openpyxl, write-only: a city's 10,000 grids and
their workers stream to the file without a cell object per value kept in memory).

One sheet per level (街道, 社区, 网格, 网格员, 部门), its header row and code/name columns
frozen; numbers are numbers: counts as integers, rates as fractions with a ``0.0%`` number
format, times in hours with one decimal; a rate's numerator and denominator follow it.
A first sheet says what the report covers, a last one (计算方法) writes out every formula.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

FORMATS = {"rate": "0.0%", "hours": "0.0"}  # counts: General (an integer as it is)
HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
FORMULAS_SHEET = "计算方法"
ABOUT_SHEET = "说明"


def build_xlsx(report: dict) -> bytes:
    """The workbook of a monthly report (``geo.stats.report.monthly.gather``'s dict)."""
    wb = Workbook(write_only=True)
    _about(wb, report)
    for level in report["levels"]:
        _level_sheet(wb, level, report["indicators"])
    _formulas(wb, report["indicators"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _head(ws, names: list[str]) -> list[WriteOnlyCell]:
    cells = []
    for name in names:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill = HEAD_FONT, HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cells.append(cell)
    return cells


def columns(indicators: list[dict]) -> list[tuple[str, str, str]]:
    """(header, indicator key, part) of the indicator columns: a rate's value, then its
    numerator (分子) and denominator (分母); other indicators their value."""
    out = []
    for ind in indicators:
        out.append((ind["name"], ind["key"], "value"))
        if ind["kind"] == "rate":
            out += [(f"{ind['name']}·分子", ind["key"], "num"),
                    (f"{ind['name']}·分母", ind["key"], "den")]
    return out


def _level_sheet(wb: Workbook, level: dict, indicators: list[dict]) -> None:
    ws = wb.create_sheet(level["title"])
    ws.freeze_panes = "C2"
    cols = columns(indicators)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 16
    kinds = {ind["key"]: ind["kind"] for ind in indicators}
    ws.append(_head(ws, ["编码", "名称", level["parent_title"]] + [c[0] for c in cols]))
    # A city is ~1.4 million cells: counts (integers) are written as plain values (Excel's
    # General shows an integer as the "0" format does), and rates and hours through one
    # formatted cell per column given each row's value in turn (a write-only sheet writes
    # a row as it is appended), so no cell object or style lookup per value.
    formatted = []
    for _, key, part in cols:
        kind = kinds[key] if part == "value" else "count"
        cell = None
        if kind != "count":
            cell = WriteOnlyCell(ws)
            cell.number_format = FORMATS[kind]
        formatted.append((cell, "values" if part == "value" else part, key))
    for unit in level["units"]:
        row = [unit["code"], unit["name"], unit.get("parent") or ""]
        for cell, part, key in formatted:
            value = unit[part].get(key)
            if cell is None or value is None:
                row.append(value)  # None: an empty cell, not written
            else:
                cell.value = value
                row.append(cell)
        ws.append(row)


def _about(wb: Workbook, report: dict) -> None:
    ws = wb.create_sheet(ABOUT_SHEET)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 60
    ws.append(_head(ws, [report["title"], ""]))
    for label, value in report["about"]:
        ws.append([label, value])


def _formulas(wb: Workbook, indicators: list[dict]) -> None:
    ws = wb.create_sheet(FORMULAS_SHEET)
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 90
    ws.append(_head(ws, ["指标", "计算方法"]))
    for ind in indicators:
        ws.append([ind["name"], ind["formula"]])
