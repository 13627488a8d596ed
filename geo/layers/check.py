"""Per-row checks of a layer: codes, names, counts, parent codes and geometries.

:func:`check_attributes` cleans one chunk of field values and lists each row's reasons to
reject it; :func:`check_geometries` reprojects to EPSG:4326, rejects what cannot be a
MultiPolygon in range, and repairs invalid polygons when asked; :func:`reject_duplicates`
rejects every row of a repeated code. :func:`geo.layers.files.prepare` puts them together.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import shapely

from geo.core import crs as geocrs

WORLD = (-180.0, -90.0, 180.0, 90.0)
MAX_COUNT = 2**31 - 1  # households and residents are PostgreSQL integers


@dataclass(frozen=True)
class Kind:
    """What a row of one layer kind holds: code length, text limits, counts, parent codes."""

    code_digits: int
    pattern: str
    texts: Mapping[str, int]
    counts: tuple[str, ...]
    required: tuple[str, ...]
    parent_digits: tuple[int, ...]


KINDS = {
    "communities": Kind(12, "6 district + 3 street + 3 community digits",
                        {"name": 200, "street_name": 200, "street_code": 9,
                         "office_address": 300}, ("households",), ("name",), ()),
    "grids": Kind(15, "12-digit community code + 3 digits", {"name": 200},
                  ("households",), ("name",), (12,)),
    "buildings": Kind(19, "15-digit grid code + 4 digits", {"name": 200, "address": 300},
                      ("households", "residents"), (), (15, 12)),
}


class Issue(NamedTuple):
    """One line of the import report; ``row`` counts features from 1 in file order."""

    row: int
    code: str
    status: str  # "rejected" or "repaired"
    reason: str


# --- attributes ---------------------------------------------------------------------------

def check_attributes(columns: Mapping[str, np.ndarray], kind: str,
                     rows: range) -> tuple[dict[str, list], list[list[str]]]:
    """Clean values per column for ``rows``, and each row's list of reasons to reject it.

    Parameters
    ----------
    columns : mapping of str to array
        Target column → the file's whole field array (see :func:`geo.layers.prep.map_fields`).
    kind : {"communities", "grids", "buildings"}
    rows : range
        The slice of rows to check; the values returned (``None`` where missing or bad)
        include the derived ``parent`` and ``street_code``.
    """
    sliced = {name: column[rows.start:rows.stop].tolist() for name, column in columns.items()}
    values: dict[str, list] = {name: [] for name in (*sliced, "parent", "street_code")}
    reasons: list[list[str]] = []
    for k in range(len(rows)):
        clean, problems = _check_row({name: column[k] for name, column in sliced.items()}, kind)
        for name in values:
            values[name].append(clean.get(name))
        reasons.append(problems)
    return values, reasons


def _check_row(row: Mapping[str, Any], kind: str) -> tuple[dict[str, Any], list[str]]:
    spec = KINDS[kind]
    code, problems = _check_code(row.get("code"), kind)
    # Codes derived from the code's prefix: a grid's community, a community's street.
    prefix = None if problems else code[:12]
    clean: dict[str, Any] = {"code": code}
    for values, more in (_check_texts(row, spec), _check_counts(row, spec),
                         _check_parent(row, spec, prefix)):
        clean.update(values)
        problems += more
    return clean, problems


def _check_code(value: Any, kind: str) -> tuple[str | None, list[str]]:
    spec = KINDS[kind]
    code = _text(value)
    if code is None:
        return None, ["missing code"]
    if isinstance(value, float) and abs(value) >= 2**53:
        return code, [f"code {code!r} was stored as a floating-point number and has lost "
                      "digits; store codes as text"]
    if not _is_code(code, (spec.code_digits,)):
        return code, [f"code {code!r} does not match the {kind} pattern "
                      f"({spec.code_digits} digits: {spec.pattern})"]
    return code, []


def _check_texts(row: Mapping[str, Any], spec: Kind) -> tuple[dict[str, Any], list[str]]:
    clean = {name: _text(row.get(name)) for name in spec.texts}
    problems = [f"{name} is longer than {limit} characters"
                for name, limit in spec.texts.items()
                if clean[name] is not None and len(clean[name]) > limit]
    problems += [f"missing {name}" for name in spec.required if clean[name] is None]
    return clean, problems


def _check_counts(row: Mapping[str, Any], spec: Kind) -> tuple[dict[str, Any], list[str]]:
    clean: dict[str, Any] = {}
    problems = []
    for name in spec.counts:
        try:
            clean[name] = _count(row.get(name))
        except ValueError:
            problems.append(f"{name} {row.get(name)!r} is not a whole number "
                            f"from 0 to {MAX_COUNT}")
    return clean, problems


def _check_parent(row: Mapping[str, Any], spec: Kind,
                  prefix: str | None) -> tuple[dict[str, Any], list[str]]:
    """A grid's or building's parent code, or a community's street code."""
    name, digits, default = (("parent", spec.parent_digits, prefix) if spec.parent_digits
                             else ("street_code", (9,), prefix and prefix[:9]))
    value = _text(row.get(name)) or default
    if value and not _is_code(value, digits):
        label = "parent code" if name == "parent" else "street code"
        return {name: value}, [f"{label} {value!r} is not a code of "
                               f"{' or '.join(map(str, digits))} digits"]
    return {name: value}, []


def _text(value: Any) -> str | None:
    if isinstance(value, float):
        if value != value:  # NaN: a missing number
            return None
        if value.is_integer():
            value = int(value)  # numeric code fields: 110101001000.0 → "110101001000"
    text = None if value is None else str(value).strip()
    return text or None


def _count(value: Any) -> int | None:
    text = _text(value)
    if text is None:
        return None
    number = int(text)
    if not 0 <= number <= MAX_COUNT:
        raise ValueError(text)
    return number


def _is_code(text: str, digits: Sequence[int]) -> bool:
    return text.isascii() and text.isdigit() and len(text) in digits


def reject_duplicates(good: dict[str, list], issues: list[Issue]) -> None:
    """Reject every row of a code that appears more than once: which one is right?

    Parameters
    ----------
    good : dict of str to list
        The accepted rows by column (``row``, ``code``, ...); duplicates are removed.
    issues : list of Issue
        Gets one rejection per duplicate row, replacing any repair note of that row.
    """
    dupes = {code for code, n in Counter(good["code"]).items() if n > 1}
    if not dupes:
        return
    rows_of: dict[str, list[int]] = {}
    for row, code in zip(good["row"], good["code"], strict=True):
        if code in dupes:
            rows_of.setdefault(code, []).append(row)
    keep = [k for k, code in enumerate(good["code"]) if code not in dupes]
    dropped = {row for rows in rows_of.values() for row in rows}
    issues[:] = [i for i in issues if i.row not in dropped]
    for code, rows in rows_of.items():
        for row in rows:
            issues.append(Issue(row, code, "rejected",
                                f"duplicate code (rows {', '.join(map(str, rows))})"))
    for name, column in good.items():
        good[name] = [column[k] for k in keep]


# --- geometries ---------------------------------------------------------------------------

MAX_VERTICES = 100_000

def check_geometries(geoms: np.ndarray, source_crs: Any, make_valid: bool, force_2d: bool,
                     bounds: Sequence[float], max_vertices: int = MAX_VERTICES,
                     ) -> tuple[list, list, list]:
    """Hex EWKB MultiPolygons in EPSG:4326, and per row a reject reason or a repair note.

    Parameters
    ----------
    geoms : array of shapely geometries
        One chunk of a layer's geometries (None where missing).
    source_crs : str or CRS
        A :data:`geo.core.crs.CRS_NAMES` name or anything pyproj reads.
    make_valid, force_2d : bool
        Repair invalid polygons (:func:`polygonal_parts`); drop Z. Otherwise reject the row.
    bounds : (minx, miny, maxx, maxy)
        Where lon/lat must fall after reprojection.
    max_vertices : int
        More vertices than this in one geometry is refused (a runaway digitisation or a
        hostile file would otherwise cost every later spatial query).
    """
    reject = _reject_unfit(geoms, force_2d, max_vertices)
    repair: list[str | None] = [None] * len(geoms)
    ok = np.flatnonzero(np.array([r is None for r in reject], dtype=bool))
    g = geoms[ok]
    if len(ok):
        g = np.where(shapely.has_z(g), shapely.force_2d(g), g)
    g = _to_wgs84(g, source_crs)
    for k in np.flatnonzero(_suspect(g, bounds)):
        reject[ok[k]], repair[ok[k]], g[k] = _check_one(g[k], make_valid, bounds)
    out = np.full(len(geoms), None, dtype=object)
    kept = np.array([x is not None for x in g], dtype=bool)
    out[ok[kept]] = _hex_multipolygons(g[kept])
    return out.tolist(), reject, repair


def _reject_unfit(geoms: np.ndarray, force_2d: bool, max_vertices: int) -> list[str | None]:
    """Missing, empty, not polygonal, too many vertices or (without ``force_2d``) 3D."""
    reject: list[str | None] = [None] * len(geoms)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    has_z = shapely.has_z(geoms)
    vertices = shapely.get_num_coordinates(geoms)
    too_big = vertices > max_vertices
    for i in np.flatnonzero(missing | ~polygonal | too_big | (has_z & (not force_2d))):
        if too_big[i]:
            reject[i] = (f"{vertices[i]} vertices; at most {max_vertices} are allowed per "
                         "geometry (simplify it, or raise MAX_GEOMETRY_VERTICES)")
        elif missing[i]:
            reject[i] = "empty or missing geometry"
        elif not polygonal[i]:
            reject[i] = (f"geometry type {geoms[i].geom_type} is not allowed "
                         "(Polygon or MultiPolygon only)")
        else:
            reject[i] = "3D coordinates (Z); pass --force-2d to drop them"
    return reject


def _to_wgs84(geoms: np.ndarray, source_crs: Any) -> np.ndarray:
    if not len(geoms):
        return geoms
    if source_crs in geocrs.CRS_NAMES:
        return np.asarray(geocrs.geometry_to_wgs84(geoms, source_crs), dtype=object)
    return geocrs.reproject_geometries(geoms, source_crs)


def _suspect(g: np.ndarray, bounds: Sequence[float]) -> np.ndarray:
    """Rows that are invalid, non-finite or out of bounds: checked one by one."""
    xy, which = shapely.get_coordinates(g, return_index=True)
    bad = np.zeros(len(g), dtype=bool)
    bad[which[~np.isfinite(xy).all(axis=1)]] = True
    box = shapely.bounds(g)
    bad |= (box[:, 0] < bounds[0]) | (box[:, 1] < bounds[1])
    bad |= (box[:, 2] > bounds[2]) | (box[:, 3] > bounds[3])
    return bad | ~shapely.is_valid(g)


def _check_one(g: Any, make_valid: bool, bounds: Sequence[float]) -> tuple:
    """(reject reason, repair note, polygonal geometry or None) for one suspect row."""
    if not np.isfinite(shapely.get_coordinates(g)).all():
        return "non-finite coordinates (NaN or infinity)", None, None
    minx, miny, maxx, maxy = g.bounds
    if minx < bounds[0] or miny < bounds[1] or maxx > bounds[2] or maxy > bounds[3]:
        return (f"coordinates out of range after reprojection (lon {minx:.6f}..{maxx:.6f}, "
                f"lat {miny:.6f}..{maxy:.6f}; allowed lon {bounds[0]}..{bounds[2]}, "
                f"lat {bounds[1]}..{bounds[3]}): wrong --crs or swapped axes?"), None, None
    reason = shapely.is_valid_reason(g)
    if not make_valid:
        return f"invalid geometry: {reason}; pass --make-valid to repair", None, None
    fixed = polygonal_parts(shapely.make_valid(g, method="structure", keep_collapsed=False))
    if fixed is None:
        return f"invalid geometry: {reason}; repair left no area", None, None
    return None, f"invalid geometry: {reason}; repaired with make_valid", fixed


def polygonal_parts(g: Any) -> shapely.MultiPolygon | None:
    """The polygons of any geometry as one MultiPolygon, or None if it has none.

    Parameters
    ----------
    g : shapely geometry
        Typically the output of ``shapely.make_valid``, a mix of polygons, lines and points.
    """
    parts = shapely.get_parts(shapely.get_parts(g))
    polygons = [p for p in parts if p.geom_type == "Polygon" and not p.is_empty]
    return shapely.MultiPolygon(polygons) if polygons else None


def _hex_multipolygons(g: np.ndarray) -> np.ndarray:
    """Hex EWKB with SRID 4326, every Polygon promoted to a MultiPolygon."""
    single = shapely.get_type_id(g) == 3
    g[single] = shapely.multipolygons(g[single], indices=np.arange(single.sum()))
    return shapely.to_wkb(shapely.set_srid(g, 4326), hex=True, include_srid=True)
