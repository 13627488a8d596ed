"""XLSX hotline exports: the first worksheet, read in openpyxl's read-only mode (rows
stream from the zipped XML; memory does not grow with the sheet), its first row the
header. Cells become the text a CSV export of the sheet would hold."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator

import pandas as pd

from geo.core.errors import InvalidFile


def xlsx_chunks(data: bytes, name: str, chunk: int) -> Iterator[pd.DataFrame]:
    """The first sheet's rows as text frames of at most ``chunk`` rows (a header alone:
    one empty frame); empty rows are skipped, as a CSV reader skips blank lines."""
    from openpyxl import load_workbook  # only where a sheet is read

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise InvalidFile(f"{name}: not a readable XLSX workbook ({err})") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [cell_text(c).strip() for c in next(rows, ())]
        if not any(header):
            raise InvalidFile(f"{name}: the first sheet has no header row")
        width, batch, sent = len(header), [], False
        for row in rows:
            cells = [cell_text(c) for c in row[:width]]
            if any(cells):
                batch.append(cells + [""] * (width - len(cells)))
            if len(batch) >= chunk:
                yield pd.DataFrame(batch, columns=header, dtype=str)
                batch, sent = [], True
        if batch or not sent:
            yield pd.DataFrame(batch, columns=header, dtype=str)
    finally:
        book.close()


def cell_text(value) -> str:
    """A cell as text: dates in ISO 8601 (local time, as the sheet shows them), whole
    numbers without '.0', nothing as ''.

    >>> cell_text(dt.datetime(2026, 11, 3, 14, 5)), cell_text(2.0), cell_text(None)
    ('2026-11-03T14:05:00', '2', '')
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
