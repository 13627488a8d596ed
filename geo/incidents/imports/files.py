"""Reading a hotline export: its options, its format (CSV, XLSX or GeoJSON), its columns
mapped to :data:`FIELDS`, chunk by chunk. Every cell comes out as text; the checks are
:mod:`.checks`."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.core.crs import parse_crs
from geo.core.errors import InvalidFile, InvalidInput
from geo.incidents.imports import sheets

FIELDS = ("external_id", "category", "description", "address", "building", "lon", "lat",
          "source", "priority", "reported_at", "reporter_name", "reporter_phone")
FORMATS = ("csv", "xlsx", "geojson")
ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "gbk": "gbk", "gb2312": "gbk",
             "gb18030": "gb18030"}
CHUNK_ROWS = 100_000  # rows read, checked and sent at a time: memory stays bounded
_SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".xlsx": "xlsx"}


@dataclass(frozen=True)
class Options:
    format: str = "csv"
    encoding: str = "utf-8"
    crs: str | None = None  # None: the GeoJSON crs member, else WGS-84
    mapping: Mapping[str, str] = field(default_factory=dict)
    strict: bool = False  # any rejected row: store nothing


def options(name: str, *, format: str | None = None, encoding: str | None = None,
            crs: str | None = None, mapping: Mapping[str, str] | None = None,
            strict: bool = False) -> Options:
    """Checked options; the format defaults from ``name``'s extension (.geojson/.json,
    .xlsx, else csv)."""
    suffix = Path(name or "").suffix.lower()
    fmt = (format or _SUFFIXES.get(suffix, "csv")).lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}", param="format")
    enc = (encoding or "utf-8").strip().lower().replace("_", "-")
    if enc not in ENCODINGS:
        raise InvalidInput(f"encoding must be one of {', '.join(ENCODINGS)}", param="encoding")
    mapping = dict(mapping or {})
    if unknown := sorted(set(mapping) - set(FIELDS)):
        raise InvalidInput(f"cannot map unknown field(s) {', '.join(unknown)}; fields are "
                           f"{', '.join(FIELDS)}", param="map")
    if any(not isinstance(c, str) or not c.strip() for c in mapping.values()):
        raise InvalidInput("map each field to a column name", param="map")
    return Options(fmt, enc, parse_crs(crs) if crs else None,
                   {k: v.strip() for k, v in mapping.items()}, strict)


def mapping_from_pairs(pairs: Sequence[str]) -> dict[str, str]:
    """``["external_id=工单编号", ...]`` (the command line) → ``{field: column}``."""
    out = {}
    for pair in pairs:
        target, sep, column = pair.partition("=")
        if not sep or not target.strip() or not column.strip():
            raise InvalidInput(f"{pair!r} is not FIELD=COLUMN", param="map")
        out[target.strip()] = column.strip()
    return out


def mapping_from_json(value: str | None) -> dict[str, str]:
    """A JSON object ``{"field": "column"}`` (the API's ``map``) → ``{field: column}``."""
    if not value:
        return {}
    try:
        mapping = json.loads(value)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict):
        raise InvalidInput('map must be a JSON object {"field": "column", ...}', param="map")
    return mapping


@dataclass
class Rows:
    """Some of a file's rows: ``fields`` (text by field name, '' when empty), ``raw`` (the
    original columns, for the report), the CRS of the coordinates, problems found while
    reading (by position in this chunk); ``start``: rows of the file before this chunk."""

    fields: pd.DataFrame
    raw: pd.DataFrame
    crs: str
    problems: dict[int, str] = field(default_factory=dict)  # position → reason
    has_nul: bool = True  # False: no NUL anywhere, no row needs looking at for one
    start: int = 0


def read(data: bytes, opts: Options, name: str) -> Rows:
    """The whole file as one :class:`Rows`; ``InvalidFile`` when it cannot be read."""
    parts = list(chunks(data, opts, name, chunk=1 << 62))
    return parts[0]


def chunks(data: bytes, opts: Options, name: str, chunk: int | None = None) -> Iterator[Rows]:
    """The file's rows, ``chunk`` (default :data:`CHUNK_ROWS`) at a time (a header-only
    file: one empty chunk)."""
    chunk = chunk or CHUNK_ROWS
    has_nul = b"\x00" in data or b"\\u0000" in data
    crs, start = opts.crs or "wgs84", 0
    for raw, problems, crs_found in _raw_chunks(data, opts, name, chunk):
        if start == 0:
            _check_columns(raw, opts, name)
            crs = opts.crs or crs_found
        yield _mapped(raw, opts, crs, problems, has_nul, start)
        start += len(raw)


def estimated_rows(data: bytes, opts: Options) -> int | None:
    """About how many rows the file holds (for progress), or None when unknown."""
    if opts.format == "csv":
        return max(data.count(b"\n") - 1 + (not data.endswith(b"\n")), 0)
    return None


def _raw_chunks(data: bytes, opts: Options, name: str, chunk: int):
    if opts.format == "geojson":
        raw, crs, problems = _read_geojson(data, opts, name)
        for at in range(0, max(len(raw), 1), chunk):
            part = raw.iloc[at:at + chunk].reset_index(drop=True)
            yield part, {i - at: why for i, why in problems.items()
                         if at <= i < at + chunk}, crs
    elif opts.format == "xlsx":
        for raw in sheets.xlsx_chunks(data, name, chunk):
            yield raw, {}, "wgs84"
    else:
        for raw in _csv_chunks(data, opts, name, chunk):
            yield raw, {}, "wgs84"


def _check_columns(raw: pd.DataFrame, opts: Options, name: str) -> None:
    columns = {f: opts.mapping.get(f, f) for f in FIELDS}
    if absent := [f"{c!r} (for {f})" for f, c in opts.mapping.items() if c not in raw]:
        raise InvalidFile(f"{name}: no column {', '.join(absent)}; columns are "
                          f"{', '.join(map(str, raw.columns))}")
    present = {f for f, c in columns.items() if c in raw}
    if "category" not in present:
        raise InvalidFile(f"{name}: missing column 'category'; map it to a column, e.g. "
                          f"category=问题类型 (columns are {', '.join(map(str, raw.columns))})")
    if ("lon" in present) != ("lat" in present) or not present & {"lon", "building",
                                                                  "address"}:
        raise InvalidFile(f"{name}: a row is located by lon and lat, building or address "
                          "columns; map lon and lat together (or neither)")


def _mapped(raw: pd.DataFrame, opts: Options, crs: str, problems: dict, has_nul: bool,
            start: int) -> Rows:
    columns = {f: opts.mapping.get(f, f) for f in FIELDS}
    fields = pd.DataFrame({f: raw[c] if c in raw else "" for f, c in columns.items()},
                          index=raw.index)
    return Rows(fields.apply(lambda col: col.str.strip()), raw, crs, problems, has_nul, start)


def _csv_chunks(data: bytes, opts: Options, name: str, chunk: int) -> Iterator[pd.DataFrame]:
    try:
        reader = pd.read_csv(io.BytesIO(data), encoding=ENCODINGS[opts.encoding], dtype=str,
                             keep_default_na=False, chunksize=min(chunk, 1 << 30))
        for raw in reader:  # a header alone: one empty chunk
            raw.columns = [str(c).strip() for c in raw.columns]
            yield raw.fillna("").reset_index(drop=True)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InvalidFile(f"{name}: not a readable {opts.encoding} CSV file ({err})") from None


def _read_geojson(data: bytes, opts: Options, name: str):
    try:
        doc = json.loads(data.decode(ENCODINGS[opts.encoding]))
    except (UnicodeDecodeError, ValueError) as err:
        raise InvalidFile(f"{name}: not a readable GeoJSON file ({err})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise InvalidFile(f"{name}: not a GeoJSON FeatureCollection")
    records, problems = [], {}
    for i, feature in enumerate(doc["features"]):
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties")
        record = {k: _cell(v) for k, v in (props if isinstance(props, dict) else {}).items()}
        geom = feature.get("geometry")
        point = _point(geom)
        if point is not None:
            record["lon"], record["lat"] = point
        elif geom is not None:
            problems[i] = "geometry must be a Point with two numbers (or null)"
        records.append(record)
    raw = pd.DataFrame.from_records(records, index=pd.RangeIndex(len(records)))
    return raw.fillna("").astype(str), _geojson_crs(doc.get("crs"), name), problems


def _point(geom) -> tuple[str, str] | None:
    coords = geom.get("coordinates") if isinstance(geom, dict) else None
    if (geom or {}).get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
        return None
    if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2]):
        return None
    return repr(coords[0]), repr(coords[1])


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 1.0 is priority 1, as in a JSON report
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _geojson_crs(member, name: str) -> str:
    """The (2008) GeoJSON ``crs`` member: EPSG:4326/4490 names, CRS84, or our names."""
    if member is None:
        return "wgs84"
    try:
        code = str(member["properties"]["name"]).rsplit(":", 1)[-1]
    except (TypeError, KeyError):
        raise InvalidFile(f"{name}: the crs member has no properties.name") from None
    return "wgs84" if code.upper() == "CRS84" else parse_crs(code)
