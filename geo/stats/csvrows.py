"""Statistics rows as CSV (Excel-safe: a text cell that starts like a formula is quoted)."""

from __future__ import annotations

import csv
import io

from geo.core.csvcells import safe_cell


def rows_csv(rows: list[dict], fields: list[str] | None = None) -> str:
    """One header row (``fields``, else the keys of the first row), then every row.

    >>> print(rows_csv([{"name": "=1+1", "n": 2}]).strip())
    name,n
    '=1+1,2
    """
    fields = fields or (list(rows[0]) if rows else [])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(row.get(k)) for k in fields})
    return out.getvalue()


def caseload_csv(numbers: dict) -> str:
    """The rows, then an ``outside`` and a ``total`` row labelled in the code column."""
    code = f"{numbers['level']}_code"
    rows = numbers["rows"]
    fields = list(rows[0]) if rows else [code, *numbers["totals"]]
    return rows_csv([*rows, {**numbers["outside"], code: "outside"},
                     {**numbers["totals"], code: "total"}], fields)

