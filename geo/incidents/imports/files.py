"""Reading a hotline export: its options, its format (CSV or GeoJSON), its columns mapped
to :data:`FIELDS`. Every cell comes out as text; the checks are :mod:`.checks`."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.core.crs import parse_crs
from geo.core.errors import InvalidFile, InvalidInput

FIELDS = ("external_id", "category", "description", "address", "building", "lon", "lat",
          "source", "priority", "reported_at", "reporter_name", "reporter_phone")
FORMATS = ("csv", "geojson")
ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "gbk": "gbk", "gb2312": "gbk",
             "gb18030": "gb18030"}


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
    """Checked options; the format defaults from ``name``'s extension (.geojson/.json)."""
    suffix = Path(name or "").suffix.lower()
    fmt = (format or ("geojson" if suffix in (".geojson", ".json") else "csv")).lower()
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
    """A file's rows: ``fields`` (text by field name, '' when empty), ``raw`` (the original
    columns, for the report), the CRS of the coordinates, problems found while reading."""

    fields: pd.DataFrame
    raw: pd.DataFrame
    crs: str
    problems: dict[int, str] = field(default_factory=dict)  # row position → reason
    has_nul: bool = True  # False: no NUL anywhere, no row needs looking at for one


def read(data: bytes, opts: Options, name: str) -> Rows:
    """Parse a file and map its columns; ``InvalidFile`` when it cannot be read."""
    if opts.format == "geojson":
        raw, crs, problems = _read_geojson(data, opts, name)
    else:
        raw, crs, problems = _read_csv(data, opts, name), opts.crs or "wgs84", {}
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
    fields = pd.DataFrame({f: raw[c] if f in present else "" for f, c in columns.items()},
                          index=raw.index)
    return Rows(fields.apply(lambda col: col.str.strip()), raw, crs, problems,
                has_nul=b"\x00" in data or b"\\u0000" in data)


def _read_csv(data: bytes, opts: Options, name: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(io.BytesIO(data), encoding=ENCODINGS[opts.encoding], dtype=str,
                          keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InvalidFile(f"{name}: not a readable {opts.encoding} CSV file ({err})") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw.fillna("").reset_index(drop=True)


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
    return raw.fillna("").astype(str), opts.crs or _geojson_crs(doc.get("crs"), name), problems


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
