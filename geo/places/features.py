"""Feature collections as OGC API – Features serves them: what each holds, and its queries.

No Flask here: ``app.ogc`` parses a request into the plain values these functions take
(a collection, a box, a time interval, code filters, a page) and wraps the GeoJSON text
they return with links. As in :mod:`geo.places.store`, features are assembled by PostgreSQL; a
page is one statement that also counts the matches (``numberMatched``).

A collection's feature ids are stable public keys: the national code for communities and
buildings, the version id for grids (every boundary version is a feature of its own:
``datetime`` picks the versions in force), the incident number for incidents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from geo.core.errors import InvalidInput
from geo.core.params import Box
from geo.core.statuses import STATUSES as INCIDENT_STATUSES

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# Geographic CRSs we answer in besides CRS84: the same coordinates with the axis order
# their EPSG definitions give (latitude first). CGCS2000 is treated as WGS-84 at this
# scale (see DESIGN.md "Coordinates").
CRS_LAT_FIRST = ("http://www.opengis.net/def/crs/EPSG/0/4326",
                 "http://www.opengis.net/def/crs/EPSG/0/4490")
CRS_LIST = (CRS84, *CRS_LAT_FIRST)

MAX_OFFSET = 2**31 - 1  # far past any collection; keeps OFFSET within PostgreSQL's bigint

Interval = tuple[dt.datetime | None, dt.datetime | None]


@dataclass(frozen=True)
class Filter:
    """An equality filter on a code: query parameter → SQL column, with its check."""

    column: str
    digits: int | None = None  # codes: exactly this many digits
    choices: tuple[str, ...] | None = None  # or one of these values
    max_length: int = 50


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    from_sql: str
    id_sql: str
    id_is_code: bool
    order_sql: str
    props_sql: str
    geometry_type: str
    filters: dict[str, Filter] = field(default_factory=dict)
    # "validity": grids (valid_from/valid_to dates); "instant": one timestamp column
    temporal: str | None = None
    temporal_sql: str | None = None
    staff_only: bool = False


COLLECTIONS: dict[str, Collection] = {c.id: c for c in (
    Collection(
        "communities", "社区 Communities",
        "社区边界与公开信息。Community (社区) boundaries with their street, households "
        "and office address. Feature id: the 12-digit community code.",
        "communities c", "c.code", True, "c.code",
        """json_build_object('code', c.code, 'name', c.name, 'street_name', c.street_name,
                             'street_code', c.street_code, 'households', c.households,
                             'office_address', c.office_address)""",
        "MultiPolygon",
        {"code": Filter("c.code", 12), "street_code": Filter("c.street_code", 9)}),
    Collection(
        "grids", "网格 Grids",
        "网格边界（按版本）。Grid (网格) boundaries, one feature per boundary version. "
        "Without datetime: the versions in force today; datetime=DATE: those in force "
        "that day; an interval: those in force at any time in it (../.. gives every "
        "version). Feature id: the version id.",
        "grids g JOIN communities c ON c.id = g.community_id", "g.id", False, "g.code, g.id",
        """json_build_object(
               'code', g.code, 'name', g.name, 'community_code', c.code,
               'community_name', c.name,
               'households', coalesce(g.households, (SELECT sum(b.households)::int
                                                      FROM buildings b WHERE b.grid_id = g.id)),
               'valid_from', g.valid_from, 'valid_to', g.valid_to)""",
        "MultiPolygon",
        {"code": Filter("g.code", 15), "community_code": Filter("c.code", 12)},
        temporal="validity"),
    Collection(
        "buildings", "楼栋 Buildings",
        "楼栋轮廓及其所属网格。Building (楼栋) footprints with the grid and community they "
        "are assigned to. Feature id: the 19-digit building code.",
        """buildings b LEFT JOIN grids g ON g.id = b.grid_id
           LEFT JOIN communities c ON c.id = b.community_id""", "b.code", True, "b.code",
        """json_build_object('code', b.code, 'name', b.name, 'address', b.address,
                             'grid_code', g.code, 'community_code', c.code)""",
        "MultiPolygon",
        {"code": Filter("b.code", 19), "grid_code": Filter("g.code", 15),
         "community_code": Filter("c.code", 12)}),
    Collection(
        "incidents", "事件 Incidents",
        "事件位置与办理状态（仅工作人员，不含反映人信息）。Incident points with their "
        "category, status and deadlines, for staff only; never who reported them or how "
        "to reach them. datetime filters by the time reported. Feature id: the incident number.",
        """incidents i LEFT JOIN incident_locations l ON l.incident_id = i.id
           LEFT JOIN grids g ON g.id = l.grid_id
           LEFT JOIN communities c ON c.id = l.community_id""", "i.id", False, "i.id",
        """json_build_object('category', i.category, 'status', i.status,
                             'priority', i.priority, 'source', i.source,
                             'address', i.address, 'description', i.description,
                             'reported_at', i.reported_at, 'due_at', i.due_at,
                             'closed_at', i.closed_at, 'grid_code', g.code,
                             'community_code', c.code, 'location_state', l.state)""",
        "Point",
        {"category": Filter("i.category"), "status": Filter("i.status",
                                                           choices=INCIDENT_STATUSES),
         "grid_code": Filter("g.code", 15), "community_code": Filter("c.code", 12)},
        temporal="instant", temporal_sql="i.reported_at", staff_only=True),
)}


@dataclass(frozen=True)
class Query:
    """A checked items request: every field already validated."""

    box: Box | None = None
    interval: Interval | None = None
    filters: dict[str, str] = field(default_factory=dict)
    limit: int = 100
    offset: int = 0
    lat_first: bool = False
    scope: frozenset[int] | None = None  # incidents: the caller's communities


def parse_datetime(raw: str | None) -> Interval | None:
    """``datetime``: an RFC 3339 instant or date, or an interval ``a/b`` with ``..`` (or
    nothing) for an open end. Dates mean the whole day (UTC when no offset is given).

    >>> parse_datetime("2024-05-01")[0].isoformat()
    '2024-05-01T00:00:00+00:00'
    >>> parse_datetime("../2024-05-01T08:00:00+08:00")[0] is None
    True
    """
    if raw is None or raw.strip() == "":
        return None
    parts = raw.split("/")
    if len(parts) > 2:
        raise InvalidInput("parameter 'datetime' is an instant or an interval start/end",
                           param="datetime")
    if len(parts) == 1:
        start, end = _instant(parts[0], False), _instant(parts[0], True)
        if start is None:
            raise InvalidInput("parameter 'datetime' needs a date or time", param="datetime")
        return start, end
    start, end = _instant(parts[0], False), _instant(parts[1], True)
    if start and end and start > end:
        raise InvalidInput("parameter 'datetime' ends before it starts", param="datetime")
    return start, end


def _instant(raw: str, end_of_day: bool) -> dt.datetime | None:
    raw = raw.strip()
    if raw in ("", ".."):
        return None
    try:
        if len(raw) == 10:
            day = dt.date.fromisoformat(raw)
            moment = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min)
        else:
            moment = dt.datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise InvalidInput(f"parameter 'datetime' must be RFC 3339 dates or times "
                           f"(2024-05-01, 2024-05-01T08:00:00Z, a/b, ../b), got {raw[:40]!r}",
                           param="datetime") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def check_filters(coll: Collection, args) -> dict[str, str]:
    """The collection's code filters present in ``args``, each checked."""
    out = {}
    for name, spec in coll.filters.items():
        raw = args.get(name)
        if raw is None or raw == "":
            continue
        if spec.digits and not (raw.isascii() and raw.isdigit() and len(raw) == spec.digits):
            raise InvalidInput(f"parameter '{name}' must be a {spec.digits}-digit code, got "
                               f"{raw[:40]!r}", param=name)
        if spec.choices and raw not in spec.choices:
            raise InvalidInput(f"parameter '{name}' must be one of {', '.join(spec.choices)}",
                               param=name)
        if len(raw) > spec.max_length or not raw.isprintable():
            raise InvalidInput(f"parameter '{name}' is too long or not printable", param=name)
        out[name] = raw
    return out


def _where(coll: Collection, q: Query) -> tuple[str, dict]:
    alias = coll.id_sql.split(".")[0]
    clauses, values = ["TRUE"], {}
    if q.box is not None:
        # && uses the GiST index; ST_Intersects drops features whose box merely touches.
        clauses.append(f"{alias}.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326) AND "
                       f"ST_Intersects({alias}.geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))")
        values.update(zip(("x0", "y0", "x1", "y1"), q.box, strict=True))
    if coll.temporal == "validity":
        # Grids: a version is in force from valid_from (inclusive) to valid_to (exclusive).
        # Without datetime, today's versions (what a map of "the grids" means).
        start, end = q.interval if q.interval else (None, None)
        if q.interval is None:
            clauses.append("g.valid_to IS NULL")
        else:
            if end is not None:
                clauses.append("g.valid_from <= CAST(:t_end AS date)")
                values["t_end"] = end.date()
            if start is not None:
                clauses.append("(g.valid_to IS NULL OR g.valid_to > CAST(:t_start AS date))")
                values["t_start"] = start.date()
    elif coll.temporal == "instant" and q.interval is not None:
        start, end = q.interval
        if start is not None:
            clauses.append(f"{coll.temporal_sql} >= :t_start")
            values["t_start"] = start
        if end is not None:
            clauses.append(f"{coll.temporal_sql} <= :t_end")
            values["t_end"] = end
    for name, value in q.filters.items():
        clauses.append(f"{coll.filters[name].column} = :f_{name}")
        values[f"f_{name}"] = value
    if coll.staff_only:
        clauses.append("(CAST(:scope AS int[]) IS NULL OR l.community_id = ANY(:scope))")
        values["scope"] = None if q.scope is None else sorted(q.scope)
    return " AND ".join(clauses), values


def _feature_sql(coll: Collection, lat_first: bool) -> str:
    """One feature as GeoJSON text. Concatenated rather than json_build_object'ed: the
    geometry text from ST_AsGeoJSON is then never parsed and re-serialised."""
    alias = coll.id_sql.split(".")[0]
    geom = f"ST_ForcePolygonCCW({alias}.geom)"
    if lat_first:
        geom = f"ST_FlipCoordinates({geom})"
    return (f"""'{{"type":"Feature","id":' || to_json({coll.id_sql})::text ||
               ',"geometry":' || coalesce(ST_AsGeoJSON({geom}, 7), 'null') ||
               ',"properties":' || ({coll.props_sql})::text || '}}'""")


def items(conn: Connection, coll: Collection, q: Query) -> tuple[int, int, str]:
    """(numberMatched, numberReturned, JSON array text of the page's features).

    The page's ids are picked first and only those features built: building every
    feature up to the offset and dropping all but the last ``limit`` made deep pages of
    the city's grids twice as slow."""
    where, values = _where(coll, q)
    alias = coll.id_sql.split(".")[0]
    sql = f"""
        WITH page AS MATERIALIZED (
            SELECT {alias}.id AS pid, row_number() OVER (ORDER BY {coll.order_sql}) AS ord
              FROM {coll.from_sql} WHERE {where}
             ORDER BY {coll.order_sql} LIMIT :limit OFFSET :offset),
        built AS (
            SELECT {_feature_sql(coll, q.lat_first)} AS feature, page.ord
              FROM page, {coll.from_sql} WHERE {alias}.id = page.pid)
        SELECT (SELECT count(*) FROM {coll.from_sql} WHERE {where}),
               (SELECT count(*) FROM page),
               (SELECT '[' || coalesce(string_agg(feature, ',' ORDER BY ord), '') || ']'
                  FROM built)"""
    matched, returned, features = conn.execute(
        text(sql), {**values, "limit": q.limit, "offset": q.offset}).one()
    return matched, returned, features


def item(conn: Connection, coll: Collection, feature_id: str, *, lat_first: bool = False,
         scope: frozenset[int] | None = None) -> str | None:
    """One feature as GeoJSON text, or None (also for an id of the wrong form)."""
    if coll.id_is_code:
        if not (feature_id.isascii() and feature_id.isdigit() and len(feature_id) <= 30):
            return None
        key = feature_id
    else:
        if not (feature_id.isascii() and feature_id.isdigit() and len(feature_id) <= 18):
            return None
        key = int(feature_id)
    where, values = _where(coll, Query(interval=(None, None), scope=scope))
    sql = (f"SELECT {_feature_sql(coll, lat_first)} FROM {coll.from_sql}"
           f" WHERE {where} AND {coll.id_sql} = :fid")
    return conn.execute(text(sql), {**values, "fid": key}).scalar()


def extent(conn: Connection, coll: Collection) -> dict:
    """The collection's spatial extent (and temporal one where it has time), for its
    metadata. The bounding box comes from the planner's statistics when they exist
    (``ST_EstimatedExtent``, instant even for a million incidents), else is computed."""
    table = coll.from_sql.split()[0]
    alias = coll.id_sql.split(".")[0]
    box = conn.execute(text(f"""
        SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
          FROM (SELECT coalesce(ST_EstimatedExtent('{table}', 'geom')::geometry,
                                (SELECT ST_Extent({alias}.geom)::geometry
                                   FROM {table} {alias})) AS e) x""")).one()
    out: dict = {"spatial": {"bbox": [[round(v, 6) for v in box]] if box[0] is not None
                             else [[-180, -90, 180, 90]], "crs": CRS84}}
    if coll.temporal == "validity":
        first = conn.execute(text("SELECT min(valid_from) FROM grids")).scalar()
        out["temporal"] = {"interval": [[_day(first), None]]}
    elif coll.temporal == "instant":
        first, last = conn.execute(text(
            f"SELECT min({coll.temporal_sql}), max({coll.temporal_sql}) FROM {table} i")).one()
        out["temporal"] = {"interval": [[_stamp(first), _stamp(last)]]}
    return out


def _day(day: dt.date | None) -> str | None:
    return None if day is None else f"{day.isoformat()}T00:00:00Z"


def _stamp(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat().replace(
        "+00:00", "Z")
