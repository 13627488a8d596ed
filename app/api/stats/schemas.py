"""Parameters and answers of the statistics API and of the statistics maps' data."""

from __future__ import annotations

from marshmallow import fields

from app.api.fields import Bbox, Checked, Choice, Code, Date, Integer, Number, Query, Text, loose
from geo.stats import caseload, classes, coverage, evaluation, mapshapes


class Period(Query):
    """The caseload's period and category (``geo.stats.caseload.period``)."""

    since = Date("first day (YYYY-MM-DD, local time; default: 30 days before `to`)",
                 data_key="from")
    until = Date("day after the last (exclusive; default: tomorrow)", data_key="to")
    category = Text("one category (GET /categories); default: all", 50)


class CaseloadQuery(Period):
    level = Choice("grid (default) or community", caseload.LEVELS)
    community = Code("only this community (12-digit code)", 12)


def target() -> Number:
    return Number("households per serving member aimed at (default: setting "
                  "COVERAGE_TARGET_HOUSEHOLDS)", minimum=1, maximum=10_000,
                  unit=" households", default="COVERAGE_TARGET_HOUSEHOLDS")


def distance() -> Number:
    return Number("metres beyond which a building is far from every serving member's home "
                  "(default: COVERAGE_DISTANCE_METERS)", minimum=50,
                  maximum=coverage.MAX_DISTANCE_M, unit=" metres",
                  default="COVERAGE_DISTANCE_METERS")


class CoverageQuery(Query):
    level = Choice("grid (default), community or building", coverage.LEVELS)
    target = target()
    distance = distance()
    bbox = Bbox("minLon,minLat,maxLon,maxLat in WGS-84 degrees (building level)")
    community = Code("12-digit community code (building level)", 12)
    limit = Integer(f"buildings at most (≤ {coverage.BUILDING_LIMIT}; building level)",
                    minimum=1, maximum=coverage.BUILDING_LIMIT,
                    default=coverage.BUILDING_LIMIT, fill=False)


class Classes(Query):
    scheme = Choice("natural_breaks (default), quantiles or equal_interval", classes.SCHEMES)
    k = Integer(f"classes, 2–{classes.MAX_K} (default 5)", minimum=2, maximum=classes.MAX_K,
                default=5)


BASEMAP_CRS = ("wgs84", "gcj02")


class View(Query):
    """A map view: bbox (in the basemap's crs) and the crs."""

    bbox = Bbox(required=True)
    crs = Choice("wgs84 (default) or gcj02: coordinates shifted for a GCJ-02 basemap "
                 "(Amap); bbox is then in GCJ-02 too", BASEMAP_CRS)


class ZoomedView(View):
    zoom = Integer(f"map zoom {mapshapes.MIN_ZOOM}–{mapshapes.MAX_ZOOM}",
                   minimum=mapshapes.MIN_ZOOM, maximum=mapshapes.MAX_ZOOM, required=True)


class CaseloadMapQuery(Period, Classes):
    pass


class CoverageMapQuery(Classes):
    target = target()
    distance = distance()


class HeatQuery(Period, ZoomedView):
    pass


class OpenPointsQuery(View):
    limit = Integer("at most (≤ 5000, default 2000)", minimum=1, maximum=5000, default=2000)


class MapBuildingsQuery(View):
    distance = distance()
    limit = Integer("at most (≤ 5000, default 3000)", minimum=1, maximum=5000, default=3000)


CSV = {"type": "string", "description": "UTF-8 with BOM, one header row"}
Caseload = loose("Caseload", rows=fields.List(fields.Dict(), required=True),
                 outside=fields.Raw(), totals=fields.Raw(), definitions=fields.Dict())
Coverage = loose("Coverage", level=fields.String(required=True),
                 rows=fields.List(fields.Dict(), required=True))
MapColumns = loose("MapColumns", ids=fields.List(fields.Integer(), required=True),
                   values=fields.Dict(required=True), classes=fields.Dict(required=True))
MapShapes = loose("MapShapes")
GridCard = loose("GridCard")
Heat = loose("Heat")
OpenPoints = loose("OpenPoints", points=fields.List(fields.List(fields.Raw())),
                   truncated=fields.Boolean())
MapBuildings = loose("MapBuildings", type=fields.String(required=True),
                     features=fields.List(fields.Dict(), required=True),
                     truncated=fields.Boolean())


class EvaluationBase(Query):
    """What every evaluation question takes (``geo.stats.evaluation``)."""

    level = Choice("street, community, grid (default), worker or department",
                   evaluation.LEVELS)
    category = Text("one category (GET /categories); default: all", 50)
    within = Checked("only the units in this street (9-digit code) or community (12-digit "
                     "code): the drill-down street → communities → grids",
                     evaluation.check_within, pattern="^([0-9]{9}|[0-9]{12})$")


class EvaluationQuery(EvaluationBase):
    since = Date("first day (YYYY-MM-DD, local time; default: the first day of last month)",
                 data_key="from")
    until = Date("day after the last (exclusive; default: the first day of this month)",
                 data_key="to")


def indicator(description: str, required: bool = False) -> Choice:
    return Choice(description, evaluation.KEYS, required=required)


class RankingQuery(EvaluationQuery):
    indicator = indicator("the indicator to rank by (default: satisfaction_rate)")


class TrendQuery(EvaluationBase):
    month = Checked("the last month of the trend, YYYY-MM (default: last month)",
                    evaluation.check_month, pattern="^[0-9]{4}-[0-9]{2}$")
    indicator = indicator("only this indicator (default: every one)")
    unit = Checked("only this unit (its code, or a worker's or department's id)",
                   evaluation.check_unit, pattern="^[0-9]{1,15}$")


class DrillQuery(EvaluationQuery):
    unit = Checked("the unit (its code, or a worker's or department's id)",
                   evaluation.check_unit, pattern="^[0-9]{1,15}$", required=True)
    indicator = indicator("the indicator whose number is opened", required=True)
    part = Choice("numerator or denominator (default)", evaluation.PARTS)
    limit = Integer(f"incidents at most (≤ {evaluation.DRILL_LIMIT}, default 200)", minimum=1,
                    maximum=evaluation.DRILL_LIMIT, default=200)


Evaluation = loose("Evaluation", level=fields.String(required=True),
                   rows=fields.List(fields.Dict(), required=True), totals=fields.Dict(),
                   formulas=fields.List(fields.Dict()))
Ranking = loose("EvaluationRanking", rows=fields.List(fields.Dict(), required=True),
                previous=fields.Dict(), formula=fields.Dict())
Trend = loose("EvaluationTrend", months=fields.List(fields.String(), required=True),
              rows=fields.List(fields.Dict(), required=True))
Drill = loose("EvaluationIncidents", total=fields.Integer(required=True),
              incidents=fields.List(fields.Dict(), required=True))
