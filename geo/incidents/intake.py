"""Taking in one incident: check it, locate it, route it, set its deadlines, store it.

A report is located by coordinates (any supported CRS), by a building code, or by an
address text resolved to one building (``geo.places.geocode.resolve``). It is routed by the
rules of ``geo.incidents.routing`` in the same statement that stores it, with its first history
event; a report whose ``external_id`` (the hotline ticket number) is already stored
returns the stored incident instead, even when two arrive at the same moment (the
unique index decides, ``ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from sqlalchemy import Connection

from geo.core import params
from geo.core.crs import parse_crs, to_wgs84
from geo.core.errors import Forbidden, InvalidInput, NotFound
from geo.core.statuses import SOURCES
from geo.core.text import LIMITS as TEXT_LIMITS
from geo.core.text import optional as optional_text
from geo.incidents import worktime
from geo.incidents.store import intake as incident_store
from geo.places import geocode

URGENT = 1  # the priority that shortens the limits (categories.urgent_factor)
FIELDS = ("category", "description", "lon", "lat", "crs", "building", "address", "source",
          "priority", "reporter_name", "reporter_phone", "external_id", "reported_at")


@dataclass(frozen=True)
class Rules:
    """The settings routing and deadlines follow (see app.config)."""

    snap_m: float = 50.0
    boundary_m: float = 20.0
    duplicate_m: float = 50.0
    duplicate_hours: float = 72.0
    work_hours: str = "08:30-12:00,13:30-17:30"
    work_weekdays: str = "1,2,3,4,5"
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_config(cls, config) -> Rules:
        """From the app's settings (any mapping with the documented keys)."""
        return cls(config["ASSIGN_SNAP_METERS"], config["BOUNDARY_METERS"],
                   config["DUPLICATE_METERS"], config["DUPLICATE_HOURS"],
                   config["WORK_HOURS"], str(config["WORK_WEEKDAYS"]), config["TIMEZONE"])

    def params(self) -> dict:
        return {"snap": self.snap_m, "boundary": self.boundary_m,
                "dup_m": self.duplicate_m, "dup_h": self.duplicate_hours}


@dataclass(frozen=True)
class Category:
    code: str
    response_hours: float
    resolve_hours: float
    clock: str
    route_to: str
    urgent_factor: float = 1.0  # an urgent incident's limits are the hours times this

    def limits(self, priority: int) -> tuple[float, float]:
        """(response, resolution) hours for an incident of ``priority`` (1 = urgent)."""
        factor = self.urgent_factor if priority == URGENT else 1.0
        return self.response_hours * factor, self.resolve_hours * factor


def categories(conn: Connection) -> Mapping[str, Category]:
    """Active categories by code."""
    return _categories_of(incident_store.categories_json(conn))


def calendar(conn: Connection, rules: Rules) -> worktime.WorkCalendar:
    """The working calendar of ``rules`` with the holidays table's days."""
    return _calendar_of(rules, incident_store.holidays_json(conn))


def settings(conn: Connection, rules: Rules) -> tuple[Mapping[str, Category],
                                                      worktime.WorkCalendar]:
    """(``categories``, ``calendar``) in one round trip."""
    cats, days = incident_store.settings_json(conn)
    return _categories_of(cats), _calendar_of(rules, days)


# Categories and holidays are read on every intake (an admin may have changed them a
# moment ago) but parsed only when their text differs from the last seen.
@functools.lru_cache(maxsize=8)
def _categories_of(rows: str | None) -> Mapping[str, Category]:
    return MappingProxyType({row[0]: Category(*row) for row in json.loads(rows or "[]")})


@functools.lru_cache(maxsize=8)
def _calendar_of(rules: Rules, rows: str | None) -> worktime.WorkCalendar:
    days = {dt.date.fromisoformat(day): kind for day, kind in json.loads(rows or "[]")}
    return worktime.WorkCalendar.from_settings(rules.work_hours, rules.work_weekdays,
                                               rules.timezone, days)


def due_times(cal: worktime.WorkCalendar, category: Category | list[Category],
              reported: list[dt.datetime], priorities: list[int] | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """(response due, resolution due) as UTC epoch seconds, one per reported time;
    an urgent one's (``priorities``, 1 = urgent) by the category's ``urgent_factor``."""
    cats = category if isinstance(category, list) else [category] * len(reported)
    hours = [c.limits(p) for c, p in zip(cats, priorities or [0] * len(cats), strict=True)]
    starts = np.array([r.timestamp() for r in reported], np.float64)
    working = np.array([c.clock == "working" for c in cats])
    response = worktime.deadlines(starts, [h[0] for h in hours], working, cal)
    resolve = worktime.deadlines(starts, [h[1] for h in hours], working, cal)
    return response, resolve


def check_report(body, cats: dict[str, Category], now: dt.datetime,
                 area: params.Box | None = None) -> dict:
    """The report's fields, checked; ``InvalidInput`` naming the first bad one."""
    if not isinstance(body, dict):
        raise InvalidInput("send a JSON object describing the incident")
    params.check_fields(body, FIELDS)
    category = body.get("category")
    if not isinstance(category, str) or category.strip() not in cats:
        raise InvalidInput(f"'category' must be one of {', '.join(cats)}", param="category")
    out = {"category": category.strip(), **{k: optional_text(body.get(k), k)
                                             for k in TEXT_LIMITS}}
    source = body.get("source", "other")
    if source not in SOURCES:
        raise InvalidInput(f"'source' must be one of {', '.join(SOURCES)}", param="source")
    priority = body.get("priority", 2)
    if isinstance(priority, bool) or priority not in (1, 2, 3):
        raise InvalidInput("'priority' must be 1 (urgent), 2 or 3", param="priority")
    out.update(source=source, priority=priority, reported_at=_reported_at(body, now))
    if out["reporter_phone"] and not all(c.isdigit() or c in "+-() " for c in
                                         out["reporter_phone"]):
        raise InvalidInput("'reporter_phone' must be a phone number", param="reporter_phone")
    given = [k for k in ("lon", "building") if body.get(k) not in (None, "")]
    if body.get("lat") not in (None, "") and "lon" not in given:
        given.append("lon")
    if not given and out["address"]:
        given.append("address")
    if len(given) != 1:
        raise InvalidInput("locate the incident one way: lon and lat (with crs), a "
                           "building code, or an address text", param="lon")
    out["locate_by"] = given[0]
    if given[0] == "lon":
        out["lon"], out["lat"] = _lon_lat(body, area)
    elif given[0] == "building":
        if not isinstance(body["building"], str) or not body["building"].isdigit():
            raise InvalidInput("'building' must be a building code (digits)", param="building")
        out["building"] = body["building"]
    return out


def _lon_lat(body: dict, area: params.Box | None) -> tuple[float, float]:
    raw = {}
    for key in ("lon", "lat"):
        value = body.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise InvalidInput(f"'{key}' must be a number", param=key)
        raw[key] = str(value)
    lon, lat = params.lon_lat(raw, area)
    if area and not (area[0] <= lon <= area[2] and area[1] <= lat <= area[3]):
        raise InvalidInput(f"point ({lon:g}, {lat:g}) is outside the area this service "
                           "covers", param="lon")
    return to_wgs84(lon, lat, parse_crs(body.get("crs")))


def _reported_at(body: dict, now: dt.datetime) -> dt.datetime:
    value = body.get("reported_at")
    if value in (None, ""):
        return now
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("'reported_at' must be an ISO 8601 time", param="reported_at") \
            from None
    if moment.tzinfo is None:
        raise InvalidInput("'reported_at' needs a UTC offset (e.g. +08:00)",
                           param="reported_at")
    if moment > now + dt.timedelta(minutes=5):
        raise InvalidInput("'reported_at' is in the future", param="reported_at")
    return moment


def store(conn: Connection, report: dict, cats: Mapping[str, Category], rules: Rules,
          cal: worktime.WorkCalendar, *, actor: str, user_id: int | None,
          scope: frozenset[int] | None) -> tuple[int, bool]:
    """Store a checked report (``check_report``) in one statement, atomic by itself (the
    caller may run it in autocommit).

    Returns (incident id, created): a repeated ``external_id`` gives the stored incident
    and False. ``scope`` (community ids, None for all) refuses reports located outside it:
    the statement then writes nothing and ``Forbidden`` is raised.
    """
    if report["external_id"]:
        found = incident_store.by_external_id(conn, report["external_id"])
        if found is not None:
            return found, False
    building_id = None
    if report["locate_by"] == "building":
        row = incident_store.building_point(conn, report["building"])
        if row is None:
            raise NotFound(f"no building with code {report['building']}")
        building_id, lon, lat = row.id, row.lon, row.lat
        report["address"] = report["address"] or row.address
    elif report["locate_by"] == "address":
        found = geocode.resolve(conn, report["address"])
        building_id, lon, lat = found["building_id"], found["lon"], found["lat"]
    else:
        lon, lat = report["lon"], report["lat"]
    category = cats[report["category"]]
    response_due, due = due_times(cal, category, [report["reported_at"]], [report["priority"]])
    values = {key: report[key] for key in (
        "category", "description", "address", "source", "external_id", "priority",
        "reporter_name", "reporter_phone", "reported_at")}
    row = incident_store.insert(conn, {
        **values, **rules.params(), "lon": lon, "lat": lat, "building_id": building_id,
        "route_to": category.route_to, "actor": actor, "user_id": user_id,
        "due_at": _utc(due[0]), "response_due_at": _utc(response_due[0]),
        "scope": None if scope is None else sorted(scope)})
    if scope is not None and row.community_id not in scope:  # refused by the statement
        raise Forbidden("the incident's location is outside the communities you work in")
    if not row.stored:  # the same ticket arrived at the same moment: theirs won
        return incident_store.by_external_id(conn, report["external_id"]), False
    return row.id, True


def _utc(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(float(epoch), dt.UTC)
