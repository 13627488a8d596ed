"""Reading a roster file: CSV (UTF-8 with or without BOM, GBK, GB18030, as Excel saves
it) or XLSX (openpyxl, read-only, first sheet), with the header row mapped to the
fields of ``geo.people.checks`` by their English or Chinese column names.

Every cell comes out as text ('' when empty) or, from XLSX, as the date or number the
cell holds; rows are numbered as a spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from geo.core.errors import InvalidFile, InvalidInput

ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "gbk": "gbk", "gb2312": "gbk",
             "gb18030": "gb18030"}
# Column names a roster may use for each field, per kind.
HEADERS = {
    "workers": {"name": "姓名", "role": "角色", "grids": "网格", "public_phone": "公开电话",
                "private_phone": "私人电话", "hours": "服务时间", "publish": "同意公开",
                "consent_on": "同意日期", "duty_days": "值班日", "duty_hours": "值班时间",
                "account": "账号"},
    "party-members": {"name": "姓名", "kind": "类型", "work_unit": "工作单位",
                      "home_building": "居住楼栋", "serving_grid": "服务网格", "org": "党组织",
                      "phone": "电话", "registered_on": "报到日期", "left_on": "离开日期"},
    "departments": {"name": "名称", "kind": "类型", "contact_name": "联系人",
                    "contact_phone": "联系电话", "communities": "服务社区",
                    "streets": "服务街道", "categories": "事件类别"},
}
KINDS = tuple(HEADERS)


@dataclass
class Table:
    """A file's rows as ``{field: value}``; ``numbers``: each row's number in the file."""

    rows: list[dict]
    numbers: list[int]


def kind_of(kind: str) -> str:
    if kind not in HEADERS:
        raise InvalidInput(f"unknown roster {kind!r}: one of {', '.join(KINDS)}", param="kind")
    return kind


def encoding_of(encoding: str | None) -> str:
    enc = (encoding or "utf-8").strip().lower().replace("_", "-")
    if enc not in ENCODINGS:
        raise InvalidInput(f"encoding must be one of {', '.join(ENCODINGS)}",
                           param="encoding")
    return ENCODINGS[enc]


def read(data: bytes, name: str, kind: str, encoding: str | None = None) -> Table:
    """The rows of a CSV or XLSX roster (by content: an XLSX is a zip)."""
    if data[:2] == b"PK":
        grid = _xlsx(data, name)
    else:
        grid = _csv(data, name, encoding_of(encoding))
    return _map(grid, name, kind)


def _csv(data: bytes, name: str, encoding: str) -> list[list]:
    try:
        return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))
    except (UnicodeDecodeError, csv.Error) as err:
        raise InvalidFile(f"{name}: not a readable CSV file in {encoding} ({err}); "
                          "Excel's CSV is often GBK: try encoding gbk") from None


def _xlsx(data: bytes, name: str) -> list[list]:
    from openpyxl import load_workbook  # only when a workbook comes

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise InvalidFile(f"{name}: not a readable XLSX workbook ({err})") from None
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def _map(grid: list[list], name: str, kind: str) -> Table:
    if not grid or not any(_cell(c) for c in grid[0]):
        raise InvalidFile(f"{name}: no header row")
    header = [str(_cell(c)) for c in grid[0]]
    names = {v: k for k, v in HEADERS[kind].items()} | {k: k for k in HEADERS[kind]}
    columns = {i: names[h] for i, h in enumerate(header) if h in names}
    if "name" not in columns.values():
        raise InvalidFile(f"{name}: no column {HEADERS[kind]['name']} (name); columns "
                          f"are {', '.join(header)}; expected "
                          f"{', '.join(HEADERS[kind].values())}")
    rows, numbers = [], []
    for number, cells in enumerate(grid[1:], start=2):
        values = {field: _cell(cells[i]) if i < len(cells) else ""
                  for i, field in columns.items()}
        if any(v not in ("", None) for v in values.values()):
            rows.append(values)
            numbers.append(number)
    return Table(rows, numbers)
