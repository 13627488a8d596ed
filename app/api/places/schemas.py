"""Parameters and answers of the places API (lookup, geocode, communities, grids,
buildings, outlines)."""

from __future__ import annotations

from marshmallow import fields

from app.api.fields import (
    Bbox,
    Body,
    Checked,
    Code,
    Crs,
    Date,
    Integer,
    LonLat,
    Paging,
    Query,
    loose,
    raw,
)
from app.api.places import gridedits
from geo.core.crs import CRS_NAMES
from geo.places import geocode, outlines

AT = "date YYYY-MM-DD: the versions in force then (default: current)"


class LookupQuery(LonLat):
    crs = Crs("coordinate system of lon/lat (default wgs84)", names=CRS_NAMES)
    at = Date("date YYYY-MM-DD: locate against the grid versions in force that day "
              "(default: the current ones); a past version lists no workers")


class GeocodeQuery(Query):
    q = Checked("address, building/compound name or code (≤ 100 characters)",
                geocode.normalize, required=True, maxLength=geocode.MAX_QUERY)
    limit = Integer("at most this many (default 10, ≤ 50)", minimum=1, maximum=50, default=10)


class CommunitiesQuery(Paging):
    bbox = Bbox()


class GridsQuery(Paging):
    community = Code("12-digit community code", 12)
    bbox = Bbox()
    at = Date(AT)


class BuildingsQuery(Query):
    bbox = Bbox(required=True)
    limit = Integer("at most this many (default and cap: BUILDINGS_LIMIT_MAX)", minimum=1,
                    maximum="BUILDINGS_LIMIT_MAX", default="BUILDINGS_LIMIT_MAX")


class OutlinesQuery(Query):
    bbox = Bbox(required=True)
    zoom = Integer(f"the map's zoom, 0–{outlines.MAX_ZOOM}: outlines are simplified to "
                   "about one pixel at it", minimum=0, maximum=outlines.MAX_ZOOM,
                   required=True)


class GridPatch(Body):
    """The fields of a current grid staff may change (``gridedits.EDITABLE``)."""

    name = fields.String(metadata={"description": "the grid's name (printable text)",
                                   "minLength": 1, "maxLength": gridedits.EDITABLE["name"]})


LookupResult = loose(
    "LookupResult", community=raw("the community (code, name), or null"),
    grid=raw("the grid (code, name), or null"),
    workers=fields.List(fields.Dict(), metadata={"description": "grid workers' public "
                                                 "contact: name, role, public_phone, "
                                                 "service_hours"}),
    snapped=fields.Boolean(), distance_m=fields.Float(allow_none=True))
GeocodeResults = loose("GeocodeResults", results=fields.List(fields.Dict(), required=True,
                       metadata={"description": "code, name, address, lon, lat, grid, "
                                 "community"}))
GridName = loose("GridName", id=fields.Integer(), code=fields.String(), name=fields.String())
Outlines = loose("Outlines", type=fields.String(required=True),
                 features=fields.List(fields.Dict(), required=True),
                 truncated=fields.Boolean())
