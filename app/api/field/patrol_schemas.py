"""Parameters, bodies and answers of the patrol API (``app.api.field.patrols``). Bodies are
checked by ``geo.field.patrols`` and ``geo.field.patrol_reports`` (one rule each)."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields

from app.api.fields import Body, Code, Date, Flag, Integer, Query, loose, raw
from geo.field import patrols

UUID = {"type": "string", "format": "uuid"}
TIME = {"type": "string", "format": "date-time"}


class PatrolStart(Body):
    client_id = raw("the patrol's id, a UUID made on the phone (a repeat: the same patrol)",
                    nullable=False, **UUID)
    started_at = raw("when it started, with a UTC offset (default: now)", **TIME)


class PatrolPoints(Body):
    points = raw(f"1–{patrols.MAX_POINTS} positions {{at (ISO 8601 with offset), lon, lat "
                 f"(WGS-84), accuracy (metres, ≤ {patrols.MAX_ACCURACY_M:g})}}; a time the "
                 "patrol has already is a repeat", type="array", nullable=False,
                 items={"type": "object", "properties": {
                     "at": TIME, "lon": {"type": "number"}, "lat": {"type": "number"},
                     "accuracy": {"type": "number", "minimum": 0}}})


class PatrolFinish(Body):
    finished_at = raw("when it ended, with a UTC offset (default: now, or the last point's "
                      "time if later)", **TIME)


class ProblemBody(Body):
    """A problem found on patrol, as JSON (no photos)."""

    client_id = raw("the report's id, a UUID made on the phone (a repeat: the same answer)",
                    nullable=False, **UUID)
    category = raw("an active category (GET /categories)", type="string", nullable=False)
    description = raw("what is wrong (≤ 500 characters)", type="string", maxLength=500)
    lon = raw("longitude of the phone's fix", type="number", nullable=False)
    lat = raw("latitude of the phone's fix", type="number", nullable=False)
    crs = raw("wgs84 (default), cgcs2000, gcj02, bd09", type="string")
    accuracy = raw("the fix's accuracy in metres", type="number")
    address = raw("an address text, if the worker typed one", type="string", maxLength=200)


class ProblemForm(Query):
    """The same as multipart/form-data, with 1–6 photos (the field repeated)."""

    client_id = fields.String(metadata=UUID)
    category = fields.String()
    description = fields.String(metadata={"maxLength": 500})
    lon = fields.String(metadata={"description": "longitude, degrees"})
    lat = fields.String(metadata={"description": "latitude, degrees"})
    crs = fields.String()
    accuracy = fields.String(metadata={"description": "metres"})
    address = fields.String(metadata={"maxLength": 200})
    photos = Upload(metadata={"description": "JPEG, PNG or WebP; 1–6 (repeat the field); "
                              "stored re-encoded, ≤ 1600 px, without metadata"})


class DayQuery(Query):
    date = Date("the day (YYYY-MM-DD, local time; default: today)")


class CoverageQuery(Query):
    since = Date("first day (YYYY-MM-DD, local time; default: this week's Monday)",
                 data_key="from")
    until = Date("day after the last (exclusive; default: 7 days after `from`)",
                 data_key="to")
    community = Code("only this community (12-digit code)", 12)
    idle_days = Integer("a grid not walked in this many days is idle (default: setting "
                        "PATROL_IDLE_DAYS)", minimum=1, maximum=365,
                        default="PATROL_IDLE_DAYS")
    geometry = Flag("true: each grid with its outline (GeoJSON, simplified to about 1 m)")


Patrol = loose("Patrol", id=fields.Integer(required=True), client_id=fields.String(),
               status=fields.String(), started_at=fields.String(),
               finished_at=fields.String(allow_none=True),
               duration_s=fields.Integer(allow_none=True),
               distance_m=fields.Float(allow_none=True), points=fields.Integer(),
               grids=fields.List(fields.Dict()), problems=fields.List(fields.Dict()),
               repeated=fields.Boolean())
PatrolTrack = loose("PatrolTrack", id=fields.Integer(required=True),
                    track=fields.Dict(allow_none=True, metadata={
                        "description": "GeoJSON LineString (null below two points)"}))
PointsAdded = loose("PointsAdded", added=fields.Integer(required=True),
                    repeated=fields.Integer(required=True))
Problem = loose("PatrolProblem", incident_id=fields.Integer(required=True),
                status=fields.String(), grid=fields.Dict(allow_none=True),
                assignee=fields.Dict(allow_none=True), repeated=fields.Boolean())
DayLog = loose("PatrolDay", date=fields.String(), worker=fields.Dict(),
               patrols=fields.List(fields.Dict()))
Coverage = loose("PatrolCoverage", grids=fields.List(fields.Dict()),
                 workers=fields.List(fields.Dict()), idle_grids=fields.List(fields.Dict()),
                 totals=fields.Dict(), bands=fields.List(fields.Integer()))
