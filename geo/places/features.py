"""Feature collections as OGC API – Features serves them: what each holds, and its queries.

No Flask here: ``app.ogc`` parses a request into the plain values these functions take
(a collection, a box, a time interval, code filters, a page) and wraps the GeoJSON text
they return with links. Each collection is described here as data (its tables, id,
order, properties and filters, as SQL fragments); the queries over them are
:mod:`geo.places.store.features`, where features are assembled by PostgreSQL and a page
is one statement that also counts the matches (``numberMatched``).

A collection's feature ids are stable public keys: the national code for communities and
buildings, the version id for grids (every boundary version is a feature of its own:
``datetime`` picks the versions in force), the incident number for incidents.

``datetime`` on communities and grids answers the boundaries (communities with their
streets) in force then: the recorded versions, and from its ``effective`` day a change
scheduled for a later day (its grids or communities replace the ones it changes; a
scheduled grid has no version id yet and is answered with minus the id of its row in
``boundary_change_grids``). A community keeps its code as feature id across versions, so
an interval spanning a redraw answers one feature per version with the same id, told
apart by ``valid_from``/``valid_to``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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
    # "validity": versions with valid_from/valid_to dates, read from ``dated_sql`` (same
    # alias, a unique ``key`` column) when datetime is given; "instant": one timestamp column
    temporal: str | None = None
    temporal_sql: str | None = None
    staff_only: bool = False
    dated_sql: str | None = None
    current_sql: str | None = None  # "validity" without datetime: today's rows of from_sql


# Every version ever recorded or scheduled, each with the days it is (or will be) in
# force: a current version that a scheduled change replaces ends on the change's day.
_GRID_VERSIONS = """(
    SELECT g.id, g.id AS key, g.code, g.name, g.community_id, g.geom, g.households,
           g.valid_from,
           coalesce(g.valid_to, (
               SELECT min(bc.effective) FROM boundary_changes bc
                WHERE bc.status = 'scheduled'
                  AND (bc.community_id = g.community_id
                       OR EXISTS (SELECT 1 FROM boundary_change_grids bg
                                   WHERE bg.change_id = bc.id AND bg.code = g.code))))
               AS valid_to
      FROM grids g
    UNION ALL
    SELECT -bg.id, -bg.id, bg.code, bg.name, bg.community_id, bg.geom, bg.households,
           bc.effective, NULL::date
      FROM boundary_change_grids bg JOIN boundary_changes bc ON bc.id = bg.change_id
     WHERE bc.status = 'scheduled') g JOIN communities c ON c.id = g.community_id"""

_COMMUNITY_VERSIONS = """(
    SELECT v.community_id AS id, v.id AS key, v.code, v.name, v.street_name, v.street_code,
           v.geom, cc.households, cc.office_address, v.valid_from,
           coalesce(v.valid_to, (
               SELECT min(bc.effective) FROM boundary_change_communities bk
                 JOIN boundary_changes bc ON bc.id = bk.change_id
                WHERE bc.status = 'scheduled' AND bk.code = v.code)) AS valid_to
      FROM community_versions v JOIN communities cc ON cc.id = v.community_id
    UNION ALL
    SELECT coalesce(cc.id, -bk.id), -bk.id, bk.code, coalesce(bk.name, cc.name),
           coalesce(bk.street_name, cc.street_name), coalesce(bk.street_code, cc.street_code),
           bk.geom, coalesce(bk.households, cc.households),
           coalesce(bk.office_address, cc.office_address), bc.effective, NULL::date
      FROM boundary_change_communities bk JOIN boundary_changes bc ON bc.id = bk.change_id
      LEFT JOIN communities cc ON cc.code = bk.code
     WHERE bc.status = 'scheduled') c"""


COLLECTIONS: dict[str, Collection] = {c.id: c for c in (
    Collection(
        "communities", "社区 Communities",
        "社区边界与公开信息（按版本）。Community (社区) boundaries with their street, "
        "households and office address. Without datetime: today's; datetime=DATE: the "
        "communities (and streets) as they were, or will be, that day; an interval: every "
        "version in force at any time in it, with valid_from/valid_to. Feature id: the "
        "12-digit community code.",
        "communities c", "c.code", True, "c.code",
        """json_build_object('code', c.code, 'name', c.name, 'street_name', c.street_name,
                             'street_code', c.street_code, 'households', c.households,
                             'office_address', c.office_address)""",
        "MultiPolygon",
        {"code": Filter("c.code", 12), "street_code": Filter("c.street_code", 9)},
        temporal="validity", dated_sql=_COMMUNITY_VERSIONS),
    Collection(
        "grids", "网格 Grids",
        "网格边界（按版本）。Grid (网格) boundaries, one feature per boundary version. "
        "Without datetime: the versions in force today; datetime=DATE: those in force "
        "that day, a change scheduled by then included; an interval: those in force at "
        "any time in it (../.. gives every version). Feature id: the version id (a "
        "scheduled grid, which has none yet: a negative number).",
        "grids g JOIN communities c ON c.id = g.community_id", "g.id", False, "g.code, g.id",
        """json_build_object(
               'code', g.code, 'name', g.name, 'community_code', c.code,
               'community_name', c.name,
               'households', coalesce(g.households, (SELECT sum(b.households)::int
                                                      FROM buildings b WHERE b.grid_id = g.id)),
               'valid_from', g.valid_from, 'valid_to', g.valid_to)""",
        "MultiPolygon",
        {"code": Filter("g.code", 15), "community_code": Filter("c.code", 12)},
        temporal="validity", dated_sql=_GRID_VERSIONS, current_sql="g.valid_to IS NULL"),
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
