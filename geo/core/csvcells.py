"""The one rule for every CSV the product writes: a text cell that a spreadsheet would read as
a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written
with a leading apostrophe, so Excel and LibreOffice show it as text and never evaluate it.

Numbers are left alone (``-3`` is a number, not a formula); ``None`` becomes an empty cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet evaluates.

    >>> safe_cell('=HYPERLINK("http://x")'), safe_cell(-3), safe_cell(None), safe_cell("a-b")
    ('\\'=HYPERLINK("http://x")', -3, '', 'a-b')
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(v) for v in values]
