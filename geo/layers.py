"""Layer files: read and check GeoJSON, GeoPackage and zipped Shapefile; write exports.

Reading is two steps. :func:`read_layer` checks that a file is what its name says (magic
bytes) and, for a zip, that it is safe to unpack (before GDAL sees it), then returns the raw
features and the CRS they are in. :func:`prepare` maps the fields, checks every row (code
pattern, duplicates, parent code, geometry type, Z, range after reprojection, validity) and
returns the rows fit for PostGIS with one :class:`Issue` per rejected or repaired row.
:mod:`geo.layerstore` loads them in one transaction. No Flask and no SQL here.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import stat
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

import numpy as np
import pyogrio.raw
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo import crs as geocrs
from geo.errors import GridmapError, InvalidFile, InvalidInput

FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage",
           ".zip": "zipped Shapefile"}
MAGIC = {"zipped Shapefile": b"PK\x03\x04", "GeoPackage": b"SQLite format 3\x00"}
MAX_ZIP_ENTRIES = 50
MAX_UNZIPPED_BYTES = 1 << 30  # 300,000 buildings are ~150 MB of .shp + .dbf
SHAPEFILE_PARTS = ("shp", "shx", "dbf")
WORLD = (-180.0, -90.0, 180.0, 90.0)
MAX_COUNT = 2**31 - 1  # households and residents are PostgreSQL integers
WGS84 = CRS.from_epsg(4326)


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


class RowsRejected(InvalidFile):
    """Some rows cannot be imported and ``--skip-invalid`` was not given."""

    def __init__(self, issues: Sequence[Issue], total: int) -> None:
        rejected = [i for i in issues if i.status == "rejected"]
        super().__init__(f"{len(rejected)} of {total} rows were rejected; nothing was imported",
                         details=list(issues))
        self.issues = list(issues)
        self.rejected = rejected


@dataclass
class RawLayer:
    """Features as read: field arrays, shapely geometries (None if missing) and their CRS."""

    name: str
    fields: dict[str, np.ndarray]
    geoms: np.ndarray
    crs: Any

    def __len__(self) -> int:
        return len(self.geoms)


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


def normalise_crs(value: str | None) -> str | None:
    """Check a ``--crs`` value: a :data:`geo.crs.CRS_NAMES` name or anything pyproj reads.

    >>> normalise_crs("GCJ-02"), normalise_crs("EPSG:4547")
    ('gcj02', 'EPSG:4547')
    """
    if value is None:
        return None
    try:
        return geocrs.parse_crs(value)
    except InvalidInput:
        try:
            CRS.from_user_input(value)
        except CRSError as err:
            raise InvalidInput(
                f"unknown --crs {value!r}: give an EPSG code (EPSG:4547), a PROJ/WKT string "
                f"or one of {', '.join(geocrs.CRS_NAMES)}", param="crs") from err
        return value


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sniff(path: Path) -> str:
    """The format named by the extension, after checking the file's first bytes match it."""
    label = FORMATS.get(path.suffix.lower())
    if label is None:
        raise InvalidFile(f"{path.name}: unsupported file type {path.suffix!r}; use .geojson, "
                          ".gpkg or a .zip holding a shapefile (.shp, .shx, .dbf, .prj)")
    with open(path, "rb") as f:
        head = f.read(64)
    if label == "GeoJSON":
        ok = head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")
    else:
        ok = head.startswith(MAGIC[label])
    if not ok:
        raise InvalidFile(f"{path.name} is not a {label} file (it starts with {head[:16]!r})")
    return label


def read_layer(path: Path, *, layer: str | None = None, encoding: str | None = None,
               crs: str | None = None) -> RawLayer:
    """Read one layer of a GeoJSON, GeoPackage or zipped Shapefile.

    Parameters
    ----------
    path : Path
        The file; its extension must match its content (see :func:`sniff`).
    layer : str, optional
        GeoPackage layer, or shapefile name inside a zip holding several.
    encoding : str, optional
        Text encoding of a shapefile's .dbf (e.g. ``gbk``), overriding its .cpg.
    crs : str, optional
        The CRS of the coordinates, overriding what the file declares (see
        :func:`normalise_crs`); required when the file declares none, and to confirm a
        GeoJSON ``crs`` member that is not WGS-84.

    Raises
    ------
    InvalidFile
        With a message naming the file and what is wrong with it.
    """
    label = sniff(path)
    crs = normalise_crs(crs)
    if label == "zipped Shapefile":
        with tempfile.TemporaryDirectory(prefix="gridmap-shp-") as tmp:
            shp, extras = unpack_shapefile(path, layer, Path(tmp))
            raw = _read(shp, path.name, encoding=encoding)
        if crs is None and "prj" not in extras:
            raise InvalidFile(f"{path.name}: the shapefile has no .prj, so its coordinate system "
                              "is unknown; give it with --crs (e.g. --crs EPSG:4547 or gcj02)")
        if encoding is None and "cpg" not in extras:
            _refuse_mojibake(raw)
    elif label == "GeoPackage":
        raw = _read(path, path.name, layer=_choose_layer(path, layer), encoding=encoding)
    else:
        if layer:
            raise InvalidInput("--layer applies to GeoPackages and zips only", param="layer")
        raw = _read(path, path.name, encoding=encoding)
        if crs is None:
            _refuse_geojson_crs(path, raw.crs)
            raw.crs = "wgs84"
    raw.crs = crs or raw.crs
    if raw.crs is None:
        raise InvalidFile(f"{path.name} declares no coordinate system; give it with --crs")
    return raw


def _read(path: Path, name: str, *, layer: str | None = None,
          encoding: str | None = None) -> RawLayer:
    try:
        meta, _, wkb, data = pyogrio.raw.read(path, layer=layer, encoding=encoding)
    except Exception as err:  # every GDAL/pyogrio failure here means a bad file
        raise InvalidFile(f"cannot read {name}: {err}") from err
    geoms = shapely.from_wkb(wkb, on_invalid="ignore") if len(wkb) else np.array([], object)
    fields = dict(zip(meta["fields"], data, strict=True))
    return RawLayer(name, fields, np.asarray(geoms, dtype=object), meta["crs"])


def _choose_layer(path: Path, layer: str | None) -> str:
    try:
        names = [str(n) for n, kind in pyogrio.list_layers(path) if kind is not None]
    except Exception as err:  # a damaged SQLite file
        raise InvalidFile(f"cannot read {path.name}: {err}") from err
    if layer is not None and layer not in names:
        raise InvalidFile(f"{path.name} has no layer {layer!r}; its layers: {', '.join(names)}")
    if layer is None and len(names) != 1:
        listing = ", ".join(names) or "none with geometries"
        raise InvalidFile(f"{path.name} has {len(names)} layers ({listing}); "
                          "choose one with --layer")
    return layer or names[0]


def unpack_shapefile(path: Path, layer: str | None, dest: Path) -> tuple[Path, set[str]]:
    """Check a zip and extract one shapefile's parts into ``dest`` under generated names.

    Refuses absolute paths, ``..``, symlinks, encryption, more than
    :data:`MAX_ZIP_ENTRIES` entries and more than :data:`MAX_UNZIPPED_BYTES` in all,
    before anything is unpacked. Returns the .shp path and the optional parts present.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise InvalidFile(f"{path.name} is not a readable zip: {err}") from err
    with archive:
        infos = archive.infolist()
        _check_archive(path.name, infos)
        shapefiles = _group_parts(infos)
        parts = _choose_shapefile(path.name, shapefiles, layer)
        for ext, info in parts.items():
            try:
                _extract(archive, info, dest / f"layer.{ext}", path.name)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as err:
                raise InvalidFile(f"{path.name}: cannot unpack {info.filename!r}: {err}") from err
    return dest / "layer.shp", set(parts) - set(SHAPEFILE_PARTS)


def _check_archive(name: str, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise InvalidFile(f"{name} has {len(infos)} entries (at most {MAX_ZIP_ENTRIES})")
    for info in infos:
        entry = info.filename.replace("\\", "/")
        if entry.startswith("/") or re.match(r"[A-Za-z]:", entry):
            raise InvalidFile(f"{name}: entry {info.filename!r} has an absolute path")
        if ".." in PurePosixPath(entry).parts:
            raise InvalidFile(f"{name}: entry {info.filename!r} points outside the archive")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise InvalidFile(f"{name}: entry {info.filename!r} is a symbolic link")
        if info.flag_bits & 0x1:
            raise InvalidFile(f"{name}: entry {info.filename!r} is encrypted")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise InvalidFile(f"{name} unpacks to {total:,} bytes "
                          f"(at most {MAX_UNZIPPED_BYTES:,}); refusing a possible zip bomb")


def _group_parts(infos: list[zipfile.ZipInfo]) -> dict[str, dict[str, zipfile.ZipInfo]]:
    """``{'dir/grids': {'shp': info, 'dbf': info, ...}}``, ignoring macOS resource forks."""
    groups: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for info in infos:
        entry = PurePosixPath(info.filename.replace("\\", "/"))
        ext = entry.suffix.lower().lstrip(".")
        if info.is_dir() or entry.name.startswith("._") or "__MACOSX" in entry.parts:
            continue
        if ext in (*SHAPEFILE_PARTS, "prj", "cpg"):
            groups.setdefault(str(entry.with_suffix("")), {})[ext] = info
    return groups


def _choose_shapefile(name: str, groups: dict[str, dict[str, zipfile.ZipInfo]],
                      layer: str | None) -> dict[str, zipfile.ZipInfo]:
    stems = {PurePosixPath(s).name: s for s, parts in groups.items() if "shp" in parts}
    if layer is not None and layer not in stems:
        raise InvalidFile(f"{name} has no shapefile {layer!r}; it has: {', '.join(stems)}")
    if layer is None and len(stems) != 1:
        if not stems:
            raise InvalidFile(f"{name} holds no .shp file")
        raise InvalidFile(f"{name} holds {len(stems)} shapefiles ({', '.join(stems)}); "
                          "choose one with --layer")
    parts = groups[stems[layer or next(iter(stems))]]
    missing = [f".{ext}" for ext in SHAPEFILE_PARTS if ext not in parts]
    if missing:
        found = ", ".join(PurePosixPath(i.filename).name for i in parts.values())
        raise InvalidFile(f"{name}: the shapefile is missing its {' and '.join(missing)} "
                          f"(found: {found})")
    return parts


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, name: str) -> None:
    # Counted as it is written: the sizes in a zip's directory can lie.
    written = 0
    with archive.open(info) as src, open(target, "wb") as out:
        while block := src.read(1 << 20):
            written += len(block)
            if written > min(info.file_size, MAX_UNZIPPED_BYTES):
                raise InvalidFile(f"{name}: {info.filename!r} is larger than its header says")
            out.write(block)


def _refuse_mojibake(raw: RawLayer) -> None:
    """GBK .dbf files without a .cpg come out as Latin-1 mojibake (东城 → ¶«³Ç)."""
    for values in raw.fields.values():
        for value in values[:200]:
            if not isinstance(value, str) or value.isascii() or max(value) > "\xff":
                continue
            try:
                fixed = value.encode("latin-1").decode("gbk")
            except UnicodeError:
                continue
            if re.search(r"[\u4e00-\u9fff]", fixed):
                raise InvalidFile(
                    f"{raw.name}: the .dbf has no .cpg and its text looks like GBK read as "
                    f"Latin-1 ({value!r} would be {fixed!r}); pass --encoding gbk "
                    "(or --encoding latin1 if the text really is Latin-1)")


def _refuse_geojson_crs(path: Path, gdal_crs: Any) -> None:
    """RFC 7946 GeoJSON is WGS-84: any other ``crs`` member must be confirmed with --crs."""
    member = _crs_member(path)
    named = None
    if isinstance(member, dict):
        props = member.get("properties") or {}
        named = props.get("name") or props.get("href") or (
            f"EPSG:{props['code']}" if "code" in props else repr(member))
    elif member not in (None, _ABSENT):
        named = repr(member)
    if named is None and gdal_crs is not None and not _is_wgs84(gdal_crs):
        named = str(gdal_crs)
    if named is not None and not _is_wgs84(named):
        raise InvalidFile(
            f"{path.name} declares crs {named!r}, but GeoJSON (RFC 7946) is WGS-84 lon/lat; "
            f"if the coordinates really are in that system, confirm it with --crs {named}")


_ABSENT = object()


def _crs_member(path: Path) -> Any:
    """The top-level ``crs`` member, looked for before ``features`` (where writers put it)."""
    with open(path, "rb") as f:
        head = f.read(1 << 20).decode("utf-8-sig", errors="replace")
    head = head[:head.find('"features"')] if '"features"' in head else head
    found = re.search(r'"crs"\s*:\s*', head)
    if not found:
        return _ABSENT
    try:
        return json.JSONDecoder().raw_decode(head, found.end())[0]
    except ValueError:
        return head[found.end():found.end() + 60]


def _is_wgs84(value: Any) -> bool:
    try:
        return CRS.from_user_input(value).to_2d().equals(WGS84, ignore_axis_order=True)
    except CRSError:
        return False


def prepare(raw: RawLayer, kind: str, *, fields: Mapping[str, str] | None = None,
            make_valid: bool = False, force_2d: bool = False,
            bounds: Sequence[float] = WORLD, progress: Callable[[int], None] | None = None,
            chunk: int = 10_000) -> PreparedLayer:
    """Map fields and check every row; see the module docstring.

    Parameters
    ----------
    raw : RawLayer
        From :func:`read_layer`.
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
        hexes, rejects, repairs = check_geometries(raw.geoms[start:rows.stop], raw.crs,
                                                   make_valid, force_2d, bounds)
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
        if progress:
            progress(len(rows))
    _reject_duplicates(good, issues)
    derived = {"parent"} if KINDS[kind].parent_digits else set()
    derived |= {"street_code"} if kind == "communities" else set()
    present = frozenset(columns) | derived
    return PreparedLayer(kind, len(raw), good, present, sorted(issues))


def map_fields(raw: RawLayer, kind: str, fields: Mapping[str, str]) -> dict[str, np.ndarray]:
    """Target column → the file's field array, for the columns the file has."""
    spec = KINDS[kind]
    allowed = {"code", *spec.texts, *spec.counts} | ({"parent"} if spec.parent_digits else set())
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(f"{kind} have no field {', '.join(sorted(unknown))}; "
                           f"they have: {', '.join(sorted(allowed))}", param="field")
    by_lower: dict[str, list[str]] = {}
    for name in raw.fields:
        by_lower.setdefault(name.lower(), []).append(name)
    listing = ", ".join(raw.fields) or "none"
    out = {}
    for target in sorted(allowed):
        source = fields.get(target, target)
        match = source if source in raw.fields else (by_lower.get(source.lower()) or [None])[0]
        if match is not None:
            out[target] = raw.fields[match]
        elif target in fields or target in ("code", *spec.required):
            option = (f"--{target}-field" if target in ("code", "name", "parent", "households")
                      else f"--field {target}=FIELD")
            raise InvalidFile(f"{raw.name} has no field {source!r} for the {target}; its "
                              f"fields: {listing} (map one with {option})")
    return out


def check_attributes(columns: Mapping[str, np.ndarray], kind: str,
                     rows: range) -> tuple[dict[str, list], list[list[str]]]:
    """Clean values per column for ``rows``, and each row's list of reasons to reject it."""
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
    for name, limit in spec.texts.items():
        clean[name] = _text(row.get(name))
        if clean[name] is not None and len(clean[name]) > limit:
            problems.append(f"{name} is longer than {limit} characters")
    problems += [f"missing {name}" for name in spec.required if clean[name] is None]
    for name in spec.counts:
        try:
            clean[name] = _count(row.get(name))
        except ValueError:
            problems.append(f"{name} {row.get(name)!r} is not a whole number "
                            f"from 0 to {MAX_COUNT}")
    name, digits, default = (("parent", spec.parent_digits, prefix) if spec.parent_digits
                             else ("street_code", (9,), prefix and prefix[:9]))
    clean[name] = _text(row.get(name)) or default
    if clean[name] and not _is_code(clean[name], digits):
        label = "parent code" if name == "parent" else "street code"
        problems.append(f"{label} {clean[name]!r} is not a code of "
                        f"{' or '.join(map(str, digits))} digits")
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


def _reject_duplicates(good: dict[str, list], issues: list[Issue]) -> None:
    """Every row of a code that appears more than once is rejected: which one is right?"""
    counts = Counter(good["code"])
    dupes = {code for code, n in counts.items() if n > 1}
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


def check_geometries(geoms: np.ndarray, source_crs: Any, make_valid: bool, force_2d: bool,
                     bounds: Sequence[float]) -> tuple[list, list, list]:
    """Hex EWKB MultiPolygons in EPSG:4326, and per row a reject reason or a repair note."""
    n = len(geoms)
    reject: list[str | None] = [None] * n
    repair: list[str | None] = [None] * n
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    has_z = shapely.has_z(geoms)
    for i in np.flatnonzero(missing | ~polygonal | (has_z & (not force_2d))):
        if missing[i]:
            reject[i] = "empty or missing geometry"
        elif not polygonal[i]:
            reject[i] = (f"geometry type {geoms[i].geom_type} is not allowed "
                         "(Polygon or MultiPolygon only)")
        else:
            reject[i] = "3D coordinates (Z); pass --force-2d to drop them"
    ok = np.flatnonzero(np.array([r is None for r in reject], dtype=bool))
    g = np.where(has_z[ok], shapely.force_2d(geoms[ok]), geoms[ok]) if len(ok) else geoms[ok]
    g = _to_wgs84(g, source_crs)
    for k in np.flatnonzero(_suspect(g, bounds)):
        reject[ok[k]], repair[ok[k]], g[k] = _check_one(g[k], make_valid, bounds)
    out = np.full(n, None, dtype=object)
    kept = np.array([x is not None for x in g], dtype=bool)
    g = g[kept]
    single = shapely.get_type_id(g) == 3
    g[single] = shapely.multipolygons(g[single], indices=np.arange(single.sum()))
    out[ok[kept]] = shapely.to_wkb(shapely.set_srid(g, 4326), hex=True, include_srid=True)
    return out.tolist(), reject, repair


def _suspect(g: np.ndarray, bounds: Sequence[float]) -> np.ndarray:
    """Rows that are invalid, non-finite or out of bounds: checked one by one."""
    xy, which = shapely.get_coordinates(g, return_index=True)
    bad = np.zeros(len(g), dtype=bool)
    bad[which[~np.isfinite(xy).all(axis=1)]] = True
    box = shapely.bounds(g)
    bad |= (box[:, 0] < bounds[0]) | (box[:, 1] < bounds[1])
    bad |= (box[:, 2] > bounds[2]) | (box[:, 3] > bounds[3])
    return bad | ~shapely.is_valid(g)


def _to_wgs84(geoms: np.ndarray, source_crs: Any) -> np.ndarray:
    if not len(geoms):
        return geoms
    if source_crs in geocrs.CRS_NAMES:
        return np.asarray(geocrs.geometry_to_wgs84(geoms, source_crs), dtype=object)
    return geocrs.reproject_geometries(geoms, source_crs)


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
    """The polygons of any geometry as one MultiPolygon, or None if it has none."""
    parts = shapely.get_parts(shapely.get_parts(g))
    polygons = [p for p in parts if p.geom_type == "Polygon" and not p.is_empty]
    return shapely.MultiPolygon(polygons) if polygons else None


def write_report(path: Path, issues: Sequence[Issue]) -> None:
    """CSV ``row,code,status,reason``; UTF-8 with a BOM so that Excel shows Chinese text."""
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(Issue._fields)
        writer.writerows(sorted(issues))


def export_driver(path: Path) -> str:
    drivers = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG"}
    if path.suffix.lower() not in drivers:
        raise InvalidInput(f"cannot export to {path.name}: the name must end in .geojson "
                           "or .gpkg", param="file")
    return drivers[path.suffix.lower()]


def write_layer(path: Path, layer: str, columns: Mapping[str, Sequence[Any]],
                wkb: Sequence[bytes]) -> None:
    """Write features in EPSG:4326 as RFC 7946 GeoJSON or as one GeoPackage layer.

    GeoJSON gets counter-clockwise exteriors, coordinates rounded to 7 decimals and no
    ``crs`` member, and replaces ``path``; a GeoPackage keeps its other layers.
    """
    driver = export_driver(path)
    geoms = shapely.orient_polygons(shapely.from_wkb(np.array(wkb, dtype=object)))
    data, masks = [], []
    for values in columns.values():
        ints = all(v is None or isinstance(v, int) for v in values) and any(
            v is not None for v in values)
        mask = np.array([v is None for v in values], dtype=bool)
        if ints:
            data.append(np.array([v or 0 for v in values], dtype="int64"))
        else:
            data.append(np.array([None if v is None else str(v) for v in values], dtype=object))
        masks.append(mask)
    options = {"RFC7946": "YES", "COORDINATE_PRECISION": "7"} if driver == "GeoJSON" else {}
    try:
        if driver == "GeoJSON":
            path.unlink(missing_ok=True)
        pyogrio.raw.write(path, shapely.to_wkb(geoms), data, list(columns), field_mask=masks,
                          layer=layer, driver=driver, geometry_type="MultiPolygon",
                          crs="EPSG:4326", layer_options=options)
    except Exception as err:  # GDAL: a folder that does not exist, a full disk, ...
        raise GridmapError(f"cannot write {path}: {err}") from err
