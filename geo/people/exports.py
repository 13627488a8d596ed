"""Roster downloads in the columns the import reads (so an export can be edited and
imported back): CSV (UTF-8 with a BOM, which Excel opens as Unicode) or XLSX. Private
phones are masked (``138****5678``) unless the caller asks for them — an audited read."""

from __future__ import annotations

import csv
import io

from sqlalchemy import Connection

from geo.core.csvcells import safe_row
from geo.core.errors import InvalidInput
from geo.people.files import HEADERS, kind_of
from geo.people.store import departments, party, workers

FORMATS = ("csv", "xlsx")
PRIVATE = {"workers": ("private_phone",), "party-members": ("phone",), "departments": ()}


def mask(phone: str | None) -> str | None:
    """``13812345678`` → ``138****5678``; shorter numbers are hidden entirely.

    >>> mask("13812345678"), mask("65001111"), mask(None)
    ('138****5678', '****', None)
    """
    if not phone:
        return phone
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "****"


def _cells(kind: str, row: dict) -> dict:
    out = dict(row)
    if kind == "workers":
        out["publish"] = "是" if row["publish"] else "否"
        out["duty_days"] = ",".join(map(str, row["duty_days"] or []))
        out["grids"] = ";".join(row["grids"])
    elif kind == "departments":
        out["communities"] = ";".join(row["communities"])
        out["categories"] = ";".join(row["categories"])
        out["streets"] = ""
    return out


def rows(conn: Connection, kind: str, scope, *, private: bool) -> list[list]:
    """Header (Chinese column names) and one list of cells per row."""
    kind = kind_of(kind)
    found = {"workers": workers.export_rows, "party-members": party.export_members,
             "departments": departments.export_rows}[kind](conn, scope)
    fields = list(HEADERS[kind])
    out = [[HEADERS[kind][f] for f in fields]]
    for row in found:
        cells = _cells(kind, row)
        if not private:
            for key in PRIVATE[kind]:
                cells[key] = mask(cells.get(key))
        out.append([cells.get(f) for f in fields])
    return out


def encode(table: list[list], fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}", param="format")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in table:
            writer.writerow(safe_row(row))
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in table:
        sheet.append(safe_row(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
