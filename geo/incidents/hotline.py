"""Bulk import of hotline (12345) exports: read, check, locate, route and store a file.

A file is a CSV (UTF-8 with or without a BOM, GBK or GB18030) or a GeoJSON
FeatureCollection of Point features whose properties hold the fields. Its columns are
mapped to :data:`FIELDS` by ``{field: column}``; an unmapped field is read from the
column of its own name when there is one. Every row is checked by the rules of
``geo.incidents.intake.check_report``, vectorised, and by what a file needs besides:

- a row is located by lon/lat when it has both, else by its building code, else by its
  address: the one building whose address is the text (after NFKC), else the only one
  whose address contains it (3 characters or more), as ``geo.places.geocode.resolve`` does (a
  single report must be located one way only; an export often fills several columns);
- ``source`` defaults to ``hotline``;
- ``reported_at`` without a UTC offset is local time in the TIMEZONE setting (hotline
  exports are local time); empty means now;
- an ``external_id`` given again later in the file rejects the later row;
- an importer limited to some communities has the rows located outside them rejected
  (:data:`OUT_OF_SCOPE`), as a single report outside them is refused.

Rejected rows are reported with their number (1 = first data record, blank lines not
counted, or first feature) and reason; the others are stored, in the caller's
transaction (``engine.begin()``): any failure leaves nothing written. Rows whose
``external_id`` is already stored are skipped as duplicates, so loading a file again
stores nothing new (rows without one would be stored again). Storing is set-based: the
rows go into a temporary table (COPY), are located and routed by ``geo.incidents.routing`` in one
statement, and inserted with their location and ``report`` event; possible duplicates
are flagged once they are all in, so rows of one file see each other.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from geo.core.crs import parse_crs, to_wgs84
from geo.core.errors import InvalidFile, InvalidInput
from geo.core.params import Box
from geo.core.statuses import SOURCES
from geo.incidents.intake import _TEXT_LIMITS, Rules, calendar, categories, due_times
from geo.incidents.routing import duplicates_sql, report_details, routed_select
from geo.pg.copyio import copy_frame

FIELDS = ("external_id", "category", "description", "address", "building", "lon", "lat",
          "source", "priority", "reported_at", "reporter_name", "reporter_phone")
FORMATS = ("csv", "geojson")
ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "gbk": "gbk", "gb2312": "gbk",
             "gb18030": "gb18030"}
DEFAULT_SOURCE = "hotline"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


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


class _Reasons:
    """The first reason each row fails, filled check by check."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)

    def reject(self, mask, why: str | Callable[[np.ndarray], Sequence[str]]) -> None:
        """``why``: the reason, or a function of the rows (a mask) giving one per row."""
        mask = np.asarray(mask, bool) & (self.reason == None)  # noqa: E711 - elementwise
        if mask.any():
            self.reason[mask] = why if isinstance(why, str) else list(why(mask))

    @property
    def bad(self) -> np.ndarray:
        return self.reason != None  # noqa: E711 - elementwise


def check(rows: Rows, cats: Mapping, area: Box | None, now: dt.datetime,
          timezone: str) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """(the valid rows as typed values, [(row number, reason)] for the others)."""
    f = rows.fields
    r = _Reasons(len(f))
    if rows.problems:
        r.reject(f.index.isin(list(rows.problems)), lambda m: [rows.problems[i] for i in
                                                               f.index[m]])
    if rows.has_nul:
        r.reject(f.apply(lambda col: col.str.contains("\x00", regex=False)).any(axis=1),
                 "contains a NUL character")
    r.reject(f["category"] == "", "category is empty")
    r.reject(~f["category"].isin(list(cats)), lambda m: [
        f"unknown category {c!r}; active categories: {', '.join(cats)}"
        for c in f["category"][m]])
    for key, limit in _TEXT_LIMITS.items():
        r.reject(f[key].str.len() > limit, f"'{key}' is longer than {limit} characters")
    source = f["source"].where(f["source"] != "", DEFAULT_SOURCE)
    r.reject(~source.isin(SOURCES), f"'source' must be one of {', '.join(SOURCES)}")
    priority = f["priority"].where(f["priority"] != "", "2")
    r.reject(~priority.isin(["1", "2", "3"]), "'priority' must be 1 (urgent), 2 or 3")
    r.reject(~f["reporter_phone"].str.fullmatch(r"[0-9+\-() ]*"),
             "'reporter_phone' must be a phone number")
    reported = _reported_at(f["reported_at"], r, now, ZoneInfo(timezone))
    lon, lat, locate_by = _location(f, r, area)
    ext = f["external_id"]
    repeated = (ext != "") & ext.duplicated(keep="first")
    firsts = pd.Series(np.arange(1, len(f) + 1)[~ext.duplicated()], index=ext[~ext.duplicated()])
    r.reject(repeated, lambda m: [f"external_id {e!r} repeated in the file (first at row "
                                  f"{firsts[e]})" for e in ext[m]])
    good = ~r.bad
    rejected = [(int(i) + 1, str(r.reason[i])) for i in np.flatnonzero(r.bad)]
    x, y = to_wgs84(lon[good], lat[good], rows.crs)
    valid = pd.DataFrame({
        "row_no": np.flatnonzero(good) + 1, "locate_by": locate_by[good],
        **{k: _none_if_empty(f[k][good]) for k in (
            "external_id", "category", "description", "address", "reporter_name",
            "reporter_phone")},
        "building": _none_if_empty(f["building"][good].where(locate_by[good] == "building", "")),
        "source": source[good].to_numpy(object),
        "priority": priority[good].to_numpy(object).astype(np.int32),
        "reported_at": reported[good], "lon": x, "lat": y})
    key = valid["address"].fillna("").str.normalize("NFKC").str.replace(r"\s+", " ", regex=True)
    valid["address_key"] = key.str.strip().where(valid["locate_by"] == "address")
    return valid.reset_index(drop=True), rejected


def _none_if_empty(column: pd.Series) -> np.ndarray:
    values = column.to_numpy(object)
    return np.where(values == "", None, values)


def _reported_at(column: pd.Series, r: _Reasons, now: dt.datetime, tz: ZoneInfo) -> np.ndarray:
    """Microseconds since 1970 (UTC) per row: ISO 8601, naive = local time, '' = now.

    Parsed by ``datetime.fromisoformat`` (the single report's parser), once per distinct
    text: a pass in Python, but the formats accepted are exactly the same.
    """
    now_us = (now - _EPOCH) // dt.timedelta(microseconds=1)
    codes, texts = pd.factorize(column)
    moments = np.empty(len(texts), np.int64)
    for i, value in enumerate(texts):
        if value == "":
            moments[i] = now_us
            continue
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            moments[i] = -1 << 62
            continue
        moment = moment if moment.tzinfo else moment.replace(tzinfo=tz)
        moments[i] = (moment - _EPOCH) // dt.timedelta(microseconds=1)
    out = moments[codes]
    r.reject(out == -1 << 62, "'reported_at' must be an ISO 8601 time, e.g. "
                              "2026-11-20T08:30:00+08:00")
    r.reject(out > now_us + 300_000_000, "'reported_at' is in the future")
    return out


def _location(f: pd.DataFrame, r: _Reasons, area: Box | None):
    """(lon, lat, how each row is located: point | building | address), checked."""
    has_lon, has_lat = f["lon"] != "", f["lat"] != ""
    r.reject(has_lon != has_lat, "give both lon and lat, or neither")
    by_point = (has_lon & has_lat).to_numpy()
    lon = pd.to_numeric(f["lon"].where(has_lon), errors="coerce").to_numpy(float)
    lat = pd.to_numeric(f["lat"].where(has_lat), errors="coerce").to_numpy(float)
    r.reject(by_point & ~np.isfinite(lon), lambda m: [f"'lon' is not a number: {v!r}"
                                                      for v in f["lon"][m]])
    r.reject(by_point & ~np.isfinite(lat), lambda m: [f"'lat' is not a number: {v!r}"
                                                      for v in f["lat"][m]])
    with np.errstate(invalid="ignore"):
        bad_lat = by_point & (np.abs(lat) > 90)
        r.reject(bad_lat & (np.abs(lon) <= 90) & (np.abs(lat) <= 180), lambda m: [
            f"'lat' is {b:g}, outside -90..90; latitude and longitude look swapped"
            for b in lat[m]])
        r.reject(bad_lat, lambda m: [f"'lat' is {b:g}, outside -90..90" for b in lat[m]])
        r.reject(by_point & (np.abs(lon) > 180),
                 lambda m: [f"'lon' is {a:g}, outside -180..180" for a in lon[m]])
        if area:
            outside = by_point & ~_inside(lon, lat, area)
            r.reject(outside & _inside(lat, lon, area), lambda m: [
                f"point ({a:g}, {b:g}) is outside the service area; latitude and longitude "
                "look swapped" for a, b in zip(lon[m], lat[m], strict=True)])
            r.reject(outside, lambda m: [
                f"point ({a:g}, {b:g}) is outside the area this service covers"
                for a, b in zip(lon[m], lat[m], strict=True)])
    by_building = ~by_point & (f["building"] != "").to_numpy()
    r.reject(by_building & ~f["building"].str.fullmatch("[0-9]+").to_numpy(),
             "'building' must be a building code (digits)")
    by_address = ~by_point & ~by_building & (f["address"] != "").to_numpy()
    r.reject(~(by_point | by_building | by_address),
             "no location: give lon and lat, a building code or an address")
    locate_by = np.select([by_point, by_building], ["point", "building"], "address")
    return np.where(by_point, lon, np.nan), np.where(by_point, lat, np.nan), locate_by


def _inside(x: np.ndarray, y: np.ndarray, box: Box) -> np.ndarray:
    return (box[0] <= x) & (x <= box[2]) & (box[1] <= y) & (y <= box[3])


@dataclass(frozen=True)
class Importer:
    """Who imports under which settings: the actor and user of the report events, the
    communities they are limited to (None: all), the routing rules, the service area."""

    actor: str
    rules: Rules
    area: Box | None = None
    user_id: int | None = None
    scope: frozenset[int] | None = None


OUT_OF_SCOPE = "located outside the communities you work in"


@dataclass
class ImportResult:
    rows: int = 0
    loaded: int = 0
    duplicates: int = 0  # external_id already stored: skipped
    rejected: list[tuple[int, str]] = field(default_factory=list)
    located: dict[str, int] = field(default_factory=dict)  # state → rows
    routed: dict[str, int] = field(default_factory=dict)  # routed_to → rows
    flagged: dict[str, int] = field(default_factory=dict)  # boundary, possible_duplicate

    def summary(self, limit: int = 1000) -> dict:
        """As JSON: the counts and the first ``limit`` rejected rows."""
        return {"rows": self.rows, "loaded": self.loaded, "duplicates": self.duplicates,
                **rejected_details(self.rejected, limit), "located": self.located,
                "routed": self.routed, "flagged": self.flagged}


def rejected_details(rejected: list[tuple[int, str]], limit: int) -> dict:
    return {"rejected_count": len(rejected), "rejected_truncated": len(rejected) > limit,
            "rejected": [{"row": row, "reason": why} for row, why in rejected[:limit]]}


class RowsRejected(InvalidInput):
    """Strict mode: some rows were rejected, so nothing was stored."""

    def __init__(self, rejected: list[tuple[int, str]], total: int) -> None:
        super().__init__(f"{len(rejected)} of {total} rows rejected; nothing was imported "
                         "(strict)", details=rejected_details(rejected, 1000))
        self.rejected = rejected


_STAGING = """
    DROP TABLE IF EXISTS hotline_staging, hotline_routed;
    CREATE TEMP TABLE hotline_staging (
        row_no int, locate_by text, external_id text, category text, description text,
        address text, reporter_name text, reporter_phone text, building text, source text,
        priority int, reported_at timestamptz, lon float8, lat float8, address_key text,
        route_to text, due_at timestamptz, response_due_at timestamptz, building_id int,
        point geometry(Point, 4326), matches int)
"""
# A building code: its building (and its address when the row has none), as a report.
_BY_CODE = """
    UPDATE hotline_staging s SET building_id = b.id, address = coalesce(s.address, b.address)
      FROM buildings b WHERE s.locate_by = 'building' AND b.code = s.building
"""
# An address: the buildings whose address is the text. Hash-joined (``|| ''`` keeps the
# trigram index out of it: probing it for an equal CJK text costs milliseconds a row).
_BY_ADDRESS = """
    UPDATE hotline_staging s SET matches = m.n,
           building_id = CASE WHEN m.n = 1 THEN m.building_id END
      FROM (SELECT s.row_no, count(*) AS n, min(b.id) AS building_id
              FROM hotline_staging s JOIN buildings b ON b.address || '' = s.address_key
             WHERE s.locate_by = 'address' GROUP BY s.row_no) m
     WHERE m.row_no = s.row_no
"""
# None: the buildings whose address contains it (the trigram index serves LIKE; two
# found are enough to know it is ambiguous).
_BY_ADDRESS_PART = r"""
    UPDATE hotline_staging s SET matches = m.n,
           building_id = CASE WHEN m.n = 1 THEN m.building_id END
      FROM (SELECT s.row_no, x.n, x.building_id
              FROM hotline_staging s
              CROSS JOIN LATERAL (
                    SELECT count(*) AS n, min(c.id) AS building_id
                      FROM (SELECT b.id FROM buildings b
                             WHERE b.address LIKE '%' || replace(replace(replace(
                                   s.address_key, '\', '\\'), '%', '\%'), '_', '\_') || '%'
                             LIMIT 2) c) x
             WHERE s.locate_by = 'address' AND s.matches IS NULL
               AND length(s.address_key) >= 3) m
     WHERE m.row_no = s.row_no
"""
_BUILDING_POINTS = """
    UPDATE hotline_staging s SET point = ST_PointOnSurface(b.geom)
      FROM buildings b WHERE b.id = s.building_id
"""
_UNRESOLVED = """
    DELETE FROM hotline_staging WHERE locate_by <> 'point' AND point IS NULL
    RETURNING row_no, locate_by, building, coalesce(matches, 0)
"""
_STORED = """
    DELETE FROM hotline_staging s USING incidents i
     WHERE s.external_id IS NOT NULL AND i.external_id IS NOT NULL
       AND i.external_id = s.external_id
"""
# Ids come from the incidents' sequence here, in file order, so that the routing rules
# (and the duplicate rule's tie-break) see each row's final id.
_ROUTE = """
    CREATE TEMP TABLE hotline_routed AS {routed};
    ANALYZE hotline_routed
"""
_SOURCE = """(SELECT nextval(pg_get_serial_sequence('incidents', 'id')) AS id,
                     coalesce(st.point, ST_SetSRID(ST_MakePoint(st.lon, st.lat), 4326)) AS geom,
                     st.*
                FROM hotline_staging st ORDER BY st.row_no) s"""
_OUTSIDE_SCOPE = """
    DELETE FROM hotline_routed
     WHERE community_id IS NULL OR community_id <> ALL(CAST(:scope AS int[]))
    RETURNING row_no
"""
# A ticket stored meanwhile by someone else is skipped, as a stored one (the unique index
# decides, as for a single report).
_INSERT = """
    WITH ins AS (
        INSERT INTO incidents (id, category, description, geom, address, source, external_id,
                               reported_at, status, priority, assignee_id, due_at,
                               response_due_at, reporter_name, reporter_phone, building_id,
                               routed_to, boundary_grid_id, boundary_distance_m, updated_at)
        SELECT id, category, description, geom, address, source, external_id, reported_at,
               'reported', priority, assignee_id, due_at, response_due_at, reporter_name,
               reporter_phone, building_id, routed_to, boundary_grid_id, boundary_distance_m,
               now()
          FROM hotline_routed ORDER BY id
        ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO NOTHING
        RETURNING id),
    located AS (
        INSERT INTO incident_locations (incident_id, grid_id, community_id, state,
                                        snap_distance_m)
        SELECT r.id, r.grid_id, r.community_id, r.state, r.distance_m
          FROM hotline_routed r JOIN ins USING (id))
    SELECT id FROM ins ORDER BY id
"""
# After the duplicate flags, so that the event records them as a single report's does.
_EVENTS = """
    WITH ev AS (
        INSERT INTO incident_events (incident_id, at, actor, user_id, action, to_status,
                                     details)
        SELECT r.id, r.reported_at, :actor, :user_id, 'report', 'reported', DETAILS
          FROM hotline_routed r JOIN incidents i ON i.id = r.id
        RETURNING details)
    SELECT details->>'located', details->>'routed_to', details->'boundary_grid_id' IS NOT NULL,
           details->'duplicate_of_id' IS NOT NULL, count(*)
      FROM ev GROUP BY 1, 2, 3, 4
""".replace("DETAILS", report_details("r", "i"))


def import_rows(conn: Connection, rows: Rows, who: Importer, *, strict: bool = False,
                now: dt.datetime | None = None,
                progress: Callable[[str], None] | None = None) -> ImportResult:
    """Check, locate, route and store ``rows`` (from :func:`read`) in the caller's
    transaction. ``strict``: any rejected row raises :class:`RowsRejected` first."""
    if conn.connection.dbapi_connection.autocommit:
        raise ValueError("import in a transaction (engine.begin()): all rows or none")
    say = progress or (lambda _: None)
    cats = categories(conn)
    valid, rejected = check(rows, cats, who.area, now or dt.datetime.now(dt.UTC),
                            who.rules.timezone)
    result = ImportResult(rows=len(rows.fields), rejected=rejected)
    say(f"{result.rows} rows read, {len(rejected)} rejected by the checks")
    # Bulk work on a file the size of an upload: longer than a request's usual limit.
    conn.exec_driver_sql("SET LOCAL statement_timeout = '600s'")
    conn.exec_driver_sql(_STAGING)
    if len(valid):
        copy_frame(conn, "hotline_staging", _staged(conn, valid, cats, who.rules))
        conn.exec_driver_sql("ANALYZE hotline_staging")
        result.rejected += _resolve(conn)
        result.duplicates = conn.execute(text(_STORED)).rowcount
    conn.execute(text(_ROUTE.format(routed=routed_select(_SOURCE, duplicates=False))),
                 who.rules.params())
    if who.scope is not None:
        outside = conn.execute(text(_OUTSIDE_SCOPE), {"scope": sorted(who.scope)})
        result.rejected += [(row, OUT_OF_SCOPE) for row, in outside]
    result.rejected.sort()
    if strict and result.rejected:
        raise RowsRejected(result.rejected, result.rows)
    say("located and routed; storing")
    _insert(conn, who, result)
    conn.exec_driver_sql("DROP TABLE hotline_staging, hotline_routed")
    return result


def _staged(conn: Connection, valid: pd.DataFrame, cats: Mapping, rules: Rules):
    """The rows as the staging table takes them, with their deadlines."""
    rows_cats = [cats[c] for c in valid["category"]]
    reported = [_EPOCH + dt.timedelta(microseconds=int(us)) for us in valid["reported_at"]]
    response, resolve = due_times(calendar(conn, rules), rows_cats, reported)
    return valid.assign(
        reported_at=_timestamps(valid["reported_at"].to_numpy()),
        route_to=[c.route_to for c in rows_cats],
        due_at=_timestamps(np.round(resolve * 1e6).astype(np.int64)),
        response_due_at=_timestamps(np.round(response * 1e6).astype(np.int64)))


def _timestamps(micros: np.ndarray) -> np.ndarray:
    """UTC microseconds since 1970 as COPY text (the binary form would need no NULLs)."""
    iso = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us")
    return np.char.add(iso, "Z").astype(object)


def _resolve(conn: Connection) -> list[tuple[int, str]]:
    """Locate rows given by building code or address; reject those that cannot be."""
    for sql in (_BY_CODE, _BY_ADDRESS, _BY_ADDRESS_PART, _BUILDING_POINTS):
        conn.execute(text(sql))
    rejected = []
    for row, by, code, matches in conn.execute(text(_UNRESOLVED)):
        rejected.append((row, f"no building with code {code}" if by == "building" else
                         "address matches several buildings; give a building code or "
                         "coordinates" if matches > 1 else "address not found"))
    return rejected


def _insert(conn: Connection, who: Importer, result: ImportResult) -> None:
    ids = conn.execute(text(_INSERT)).scalars().all()
    routed = conn.execute(text("SELECT count(*) FROM hotline_routed")).scalar_one()
    result.loaded, result.duplicates = len(ids), result.duplicates + routed - len(ids)
    if ids:
        conn.execute(text(duplicates_sql()), {"ids": ids, **who.rules.params()})
    counts = conn.execute(text(_EVENTS), {"actor": who.actor, "user_id": who.user_id})
    result.located = dict.fromkeys(("covered", "snapped", "out_of_area"), 0)
    result.flagged = {"boundary": 0, "possible_duplicate": 0}
    for state, routed_to, boundary, duplicate, n in counts:
        result.located[state] += n
        result.routed[routed_to] = result.routed.get(routed_to, 0) + n
        result.flagged["boundary"] += n * boundary
        result.flagged["possible_duplicate"] += n * duplicate


def import_file(conn: Connection, data: bytes, opts: Options, name: str, who: Importer,
                **kwargs) -> ImportResult:
    """:func:`read` then :func:`import_rows`."""
    return import_rows(conn, read(data, opts, name), who, strict=opts.strict, **kwargs)


def write_report(path: str | Path, rows: Rows, rejected: list[tuple[int, str]]) -> None:
    """CSV ``row,reason`` and the row's original columns; UTF-8 with a BOM (Excel)."""
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["row", "reason", *map(str, rows.raw.columns)])
        raw = rows.raw.to_numpy(object)
        writer.writerows([row, why, *raw[row - 1]] for row, why in rejected)
