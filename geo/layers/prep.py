"""Preparing a layer's rows: map the file's fields to columns, check every row, collect.

:func:`prepare` turns a :class:`geo.layers.raw.RawLayer` into a :class:`PreparedLayer`: the rows
fit for PostGIS, column by column, and one :class:`geo.layers.check.Issue` per rejected or
repaired row. The checks themselves are in :mod:`geo.layers.check`; loading is
:mod:`geo.layers.store.load`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from geo.core.errors import InvalidFile, InvalidInput
from geo.layers.check import (
    KINDS,
    MAX_VERTICES,
    WORLD,
    Issue,
    check_attributes,
    check_geometries,
    reject_duplicates,
)
from geo.layers.raw import RawLayer


class RowsRejected(InvalidFile):
    """Some rows cannot be imported and ``--skip-invalid`` was not given."""

    def __init__(self, issues: Sequence[Issue], total: int) -> None:
        rejected = [i for i in issues if i.status == "rejected"]
        super().__init__(f"{len(rejected)} of {total} rows were rejected; nothing was imported",
                         details=list(issues))
        self.issues = list(issues)
        self.rejected = rejected


@dataclass
class PreparedLayer:
    """Rows ready for PostGIS (``rows[column]`` lists, ``geom`` as hex EWKB) and the issues."""

    kind: str
    total: int
    rows: dict[str, list]
    present: frozenset[str]
    issues: list[Issue]

    def __len__(self) -> int:
        return len(self.rows["row"])


def prepare(raw: RawLayer, kind: str, *, fields: Mapping[str, str] | None = None,
            make_valid: bool = False, force_2d: bool = False,
            bounds: Sequence[float] = WORLD, progress: Callable[[int], None] | None = None,
            chunk: int = 10_000, max_vertices: int = MAX_VERTICES) -> PreparedLayer:
    """Map fields and check every row of a raw layer.

    The checks (:mod:`geo.layers.check`): code pattern, duplicates, parent code, geometry
    type, Z, range after reprojection and validity.

    Parameters
    ----------
    raw : RawLayer
        From :func:`geo.layers.files.read_layer`.
    kind : {"communities", "grids", "buildings"}
    fields : mapping, optional
        Target column → field name in the file, for the ones not named as the column
        (``{"name": "Name"}``). Names are matched exactly, else ignoring case.
    make_valid : bool
        Repair invalid polygons with ``shapely.make_valid(method="structure")``, keep the
        polygonal parts, and report them as repaired (otherwise they are rejected).
    force_2d : bool
        Drop Z coordinates (otherwise 3D rows are rejected).
    bounds : (minx, miny, maxx, maxy)
        Where lon/lat must fall after reprojection.
    progress : callable, optional
        Called with the number of rows done after each chunk.
    max_vertices : int
        Geometries with more vertices are rejected.
    """
    if len(raw) == 0:
        raise InvalidFile(f"{raw.name} has no features")
    columns = map_fields(raw, kind, fields or {})
    good: dict[str, list] = {name: [] for name in ("row", "geom", *columns, "parent",
                                                   "street_code")}
    issues: list[Issue] = []
    for start in range(0, len(raw), chunk):
        rows = range(start, min(start + chunk, len(raw)))
        values, reasons = check_attributes(columns, kind, rows)
        geometry = check_geometries(raw.geoms[start:rows.stop], raw.crs, make_valid,
                                    force_2d, bounds, max_vertices)
        _keep(rows, values, reasons, geometry, good, issues)
        if progress:
            progress(len(rows))
    reject_duplicates(good, issues)
    derived = {"parent"} if KINDS[kind].parent_digits else set()
    derived |= {"street_code"} if kind == "communities" else set()
    present = frozenset(columns) | derived
    return PreparedLayer(kind, len(raw), good, present, sorted(issues))


def _keep(rows: range, values: dict[str, list], reasons: list[list[str]],
          geometry: tuple[list, list, list], good: dict[str, list],
          issues: list[Issue]) -> None:
    """Append a chunk's acceptable rows to ``good`` and its rejections and repairs to ``issues``."""
    hexes, rejects, repairs = geometry
    for k, i in enumerate(rows):
        code = values["code"][k] or ""
        problems = reasons[k] + ([rejects[k]] if rejects[k] else [])
        if problems:
            issues.append(Issue(i + 1, code, "rejected", "; ".join(problems)))
            continue
        if repairs[k]:
            issues.append(Issue(i + 1, code, "repaired", repairs[k]))
        good["row"].append(i + 1)
        good["geom"].append(hexes[k])
        for name, column in values.items():
            good[name].append(column[k])


def map_fields(raw: RawLayer, kind: str, fields: Mapping[str, str]) -> dict[str, np.ndarray]:
    """Target column → the file's field array, for the columns the file has.

    Parameters
    ----------
    raw : RawLayer
        From :func:`geo.layers.files.read_layer`.
    kind : {"communities", "grids", "buildings"}
    fields : mapping
        Target column → field name in the file; other columns are looked for under their
        own name, exactly, else ignoring case.

    Raises
    ------
    InvalidInput
        For a target column that ``kind`` does not have.
    InvalidFile
        When a mapped, required or ``code`` field is not in the file.
    """
    spec = KINDS[kind]
    allowed = {"code", *spec.texts, *spec.counts} | ({"parent"} if spec.parent_digits else set())
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(f"{kind} have no field {', '.join(sorted(unknown))}; "
                           f"they have: {', '.join(sorted(allowed))}", param="field")
    by_lower: dict[str, list[str]] = {}
    for name in raw.fields:
        by_lower.setdefault(name.lower(), []).append(name)
    out = {}
    for target in sorted(allowed):
        source = fields.get(target, target)
        match = source if source in raw.fields else (by_lower.get(source.lower()) or [None])[0]
        if match is not None:
            out[target] = raw.fields[match]
        elif target in fields or target in ("code", *spec.required):
            raise _missing_field(raw, target, source)
    return out


def _missing_field(raw: RawLayer, target: str, source: str) -> InvalidFile:
    listing = ", ".join(raw.fields) or "none"
    option = (f"--{target}-field" if target in ("code", "name", "parent", "households")
              else f"--field {target}=FIELD")
    return InvalidFile(f"{raw.name} has no field {source!r} for the {target}; its "
                       f"fields: {listing} (map one with {option})")
