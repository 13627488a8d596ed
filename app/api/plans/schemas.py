"""Parameters, headers, bodies and answers of the redraw-plan API."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields

from app.api.fields import (
    Body,
    Choice,
    Code,
    Crs,
    Date,
    Flag,
    Integer,
    Paging,
    Query,
    loose,
    raw,
)
from geo.plans import auto, drafts
from geo.plans import buildings as planbuildings


class IfMatch(ma.Schema):
    """The plan's ETag as last read: without it a write is 428, with a stale one 412
    (``work.seen_version``)."""

    class Meta:
        unknown = ma.EXCLUDE

    if_match = fields.String(data_key="If-Match", metadata={
        "description": "the plan's ETag as last read (ETag header of GET /plans/{id}); "
                       "missing: 428, stale: 412"})


class PlansQuery(Paging):
    community = Code("12-digit community code", 12)
    status = Choice("draft | scheduled | published | discarded", drafts.STATUSES)


class EditQuery(Query):
    """How to read the coordinates sent."""

    crs = Crs("CRS of the coordinates sent (default wgs84)")
    make_valid = Flag("repair invalid polygons")


class CrsQuery(Query):
    crs = Crs("CRS of the coordinates sent (default wgs84)")


class AssignmentsQuery(Query):
    format = Choice("json (default) or csv", ("json", "csv"))


class EncodingQuery(Query):
    encoding = Choice("CSV encoding: utf-8 (default) or gbk", ("utf-8", "gbk"))


class AgainstQuery(Query):
    against = Integer("id of another plan of the community to compare with", minimum=1,
                      default=0, fill=False)
    at = Date("compare with the version in force on this date (default: the current grids)")


class ChangesetQuery(AgainstQuery):
    format = Choice("geojson (default) or csv", ("geojson", "csv"))


class PlanCreate(Body):
    """Checked by ``work.create_from_json``."""

    community = raw("12-digit community code", type="string", pattern="^[0-9]{12}$")
    name = raw("the plan's name", type="string", maxLength=200)
    source = raw("current (default), empty, version (with at) or plan (with plan)",
                 type="string", enum=list(drafts.SOURCES))
    at = raw("source version: the grids in force that day", type="string", format="date")
    plan = raw("source plan: the id of the plan to copy", type="integer")


class PublishQuery(Query):
    """Without ``effective`` (or with today) the plan is published now."""

    effective = Date("the day the plan's grids take effect, in the city's time zone "
                     "(TIMEZONE); a later day schedules the publish, which is applied on "
                     "that day and can be cancelled until then (POST /plans/{id}/cancel); "
                     "a past day is 400; default today")


class PlanFile(Query):
    """A plan from a file, as multipart/form-data (checked by ``work.create_from_file``)."""

    file = Upload(metadata={"description": "GeoJSON, GeoPackage or zipped Shapefile, "
                            "any CRS"})
    community = fields.String(metadata={"pattern": "^[0-9]{12}$"})
    name = fields.String(metadata={"maxLength": 200})
    layer = fields.String()
    encoding = fields.String()
    crs = fields.String()
    code_field = fields.String()
    name_field = fields.String()
    make_valid = fields.String(metadata={"enum": ["true", "false", "1", "0"]})


class Rename(Body):
    name = raw("the plan's new name", type="string", maxLength=200, nullable=False,
               required=True)


class GridFile(ma.Schema):
    """A GeoJSON FeatureCollection of grids (properties code, name), as a GIS writes it
    (other members such as name or crs are ignored); checked by ``geo.plans.parse``."""

    class Meta:
        unknown = ma.INCLUDE

    @ma.pre_load
    def _object(self, data, **kwargs):
        if not isinstance(data, dict):
            raise ma.ValidationError("send a GeoJSON FeatureCollection (a JSON object)")
        return data

    type = raw("FeatureCollection", type="string", enum=["FeatureCollection"])
    features = raw("Features with Polygon/MultiPolygon geometries", type="array")


class GridChanges(Body):
    """The grids to add or change (by feature ``id``, else ``code``; a null geometry keeps
    the boundary) and ``delete``: grid codes or ids to remove."""

    type = raw("FeatureCollection", type="string", enum=["FeatureCollection"])
    features = raw("Features with Polygon/MultiPolygon geometries", type="array")
    delete = raw("grid codes or plan grid ids to remove", type="array")


class Assignments(Body):
    assignments = raw("[{building: CODE, grid: CODE}]", type="array",
                      maxItems=planbuildings.MAX_ROWS, nullable=False)


class AssignmentsCsv(Query):
    file = Upload(metadata={"description": "CSV with building_code and grid_code columns"})


class Split(Body):
    grid = raw("the grid: code or plan grid id", nullable=False, required=True)
    line = raw("GeoJSON LineString", type="object", nullable=False, required=True)


class Merge(Body):
    grids = raw("[kept, merged into it]: codes or plan grid ids", type="array", minItems=2,
                maxItems=2, nullable=False, required=True)


class MoveVertex(Body):
    from_ = raw("[lon, lat]", type="array", nullable=False, required=True, data_key="from")
    to = raw("[lon, lat]", type="array", nullable=False, required=True)


class AutoPlan(Body):
    """Checked by ``geo.plans.auto.parse_request``."""

    community = raw("12-digit community code", type="string", pattern="^[0-9]{12}$",
                    nullable=False, required=True)
    name = raw("the plan's name", type="string", maxLength=200)
    band = raw("[min, max] households (default: the configured band)", type="array")
    grids = raw("how many grids (instead of band)", type="integer", minimum=1)
    seed = raw("random seed", type="integer", minimum=0, maximum=auto.MAX_SEED)
    caseload = raw("0..1: the weight of last year's incidents", type="number", minimum=0,
                   maximum=1)


Plan = loose("Plan", id=fields.Integer(required=True), name=fields.String(),
             status=fields.String(), version=fields.Integer(), etag=fields.String(),
             grids=fields.Raw(), last_change=fields.Raw(allow_none=True))
Plans = loose("Plans", plans=fields.List(fields.Dict()), total=fields.Integer())
PlanAssignments = loose("PlanAssignments", plan=fields.Integer(), version=fields.Integer(),
                        assignments=fields.List(fields.Dict()))
Check = loose("PlanCheck", plan=fields.Integer(), version=fields.Integer(),
              ok=fields.Boolean(), findings=fields.List(fields.Dict()))
Impact = loose("PlanImpact", plan=fields.Integer(), version=fields.Integer())
Changeset = loose("PlanChangeset", type=fields.String(), features=fields.List(fields.Dict()))
Published = loose("Published")
CSV = {"type": "string"}
