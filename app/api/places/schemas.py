"""Parameters and answers of the places API (lookup, geocode, communities, grids,
buildings, outlines, responsibility overlays)."""

from __future__ import annotations

from marshmallow import fields

from app.api.fields import (
    Bbox,
    Body,
    Checked,
    Choice,
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
from geo.boundaries import overlays
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
    at = Date("date YYYY-MM-DD: the communities (boundaries, names, streets) as they were "
              "that day (default: the current ones)")


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


class OverlaysQuery(Paging):
    at = Date("date YYYY-MM-DD: only the overlays in force that day (default: every one)")
    kind = Choice("road | market | compound | park | other", overlays.KINDS)


class OverlayBody(Body):
    """A responsibility overlay (``geo.boundaries.overlays``); a change sends only the
    fields it changes (the others stay)."""

    name = raw("", type="string", maxLength=200, nullable=False)
    kind = raw("road | market | compound | park | other", type="string",
               enum=list(overlays.KINDS), nullable=False)
    unit = raw("who answers: department | company (a property company) | grid",
               type="string", enum=list(overlays.UNITS), nullable=False)
    department = raw("the department's id (unit department)", type="integer")
    company_name = raw("the property company (unit company)", type="string", maxLength=200)
    company_phone = raw("its phone (unit company)", type="string", maxLength=30)
    grid = raw("15-digit grid code (unit grid): its current workers answer", type="string")
    categories = raw("the incident category codes it answers for", type="array")
    buffer_m = raw("a line's buffer in metres (over 0, at most 500); none for a polygon",
                   type="number")
    geometry = raw("GeoJSON Polygon, MultiPolygon, LineString or MultiLineString, WGS-84",
                   type="object")
    valid_from = raw("in force from this day (default today)", type="string", format="date")
    valid_to = raw("no longer in force from this day (null: open)", type="string",
                   format="date")


Overlay = loose("Overlay", id=fields.Integer(), version=fields.Integer(),
                name=fields.String(), geometry=fields.Dict())
Overlays = loose("Overlays", total=fields.Integer(), items=fields.List(fields.Dict()))
