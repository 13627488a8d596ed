"""The per-row report of an import: each rejected row with its number, its reason and
its original columns, as a CSV a spreadsheet opens (UTF-8 with a BOM)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from geo.incidents.imports.files import Options, chunks


def write_report(path: str | Path, data: bytes, opts: Options, name: str,
                 rejected: list[tuple[int, str]]) -> None:
    """CSV ``row,reason`` and the row's original columns. The file is read again, chunk
    by chunk, so that the import never holds every row's original text at once."""
    wanted = dict(rejected)
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        for i, part in enumerate(chunks(data, opts, name)):
            if i == 0:
                writer.writerow(["row", "reason", *map(str, part.raw.columns)])
            numbers = part.start + 1 + np.arange(len(part.raw))
            keep = np.flatnonzero(np.isin(numbers, list(wanted)))
            raw = part.raw.to_numpy(object)
            writer.writerows([int(numbers[k]), wanted[int(numbers[k])], *raw[k]]
                             for k in keep)
