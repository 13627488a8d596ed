"""Responsibility overlays (部件先属主、事件先属地): who answers for a road, a market, a
property-managed compound or a park, whatever grid the place is in.

An overlay is a polygon, or a line with a buffer in metres, naming its unit — a department
(``geo.people`` departments), a property company (a name and a phone on the overlay) or a
grid (by code: its current version's workers) — the categories it covers, and the days it
is in force (``valid_from``, ``valid_to`` exclusive). Routing applies it after the grid by
the category's precedence (``geo.incidents.routing``). This module checks one overlay as
sent (:func:`check`); the SQL is in ``store.overlays``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from shapely.errors import ShapelyError
from shapely.geometry import MultiLineString, MultiPolygon, shape

from geo.core import text
from geo.core.errors import InvalidInput

KINDS = ("road", "market", "compound", "park", "other")
UNITS = ("department", "company", "grid")
FIELDS = ("name", "kind", "unit", "department", "company_name", "company_phone", "grid",
          "categories", "buffer_m", "geometry", "valid_from", "valid_to")
MAX_BUFFER_M = 500.0
_LINES = ("LineString", "MultiLineString")
_POLYGONS = ("Polygon", "MultiPolygon")


def check(body: Mapping, before: Mapping | None = None) -> dict:
    """An overlay's fields from ``body`` (JSON as sent), over ``before`` (the stored
    overlay's fields, for a change), checked together: a dict with ``geometry`` as WKT
    (Multi, 2D) and ``department``/``grid`` still to be found by the store.

    Raises InvalidInput naming the field.
    """
    merged = {**(before or {}), **{k: v for k, v in body.items() if k in FIELDS}}
    out = {"name": text.name(merged.get("name")),
           "kind": _one_of(merged.get("kind"), "kind", KINDS),
           "unit": _one_of(merged.get("unit"), "unit", UNITS),
           "categories": _categories(merged.get("categories"))}
    out.update(_unit(merged, out["unit"]))
    out["geometry"], line = _geometry(merged.get("geometry"))
    out["buffer_m"] = _buffer(merged.get("buffer_m"), line)
    out["valid_from"] = _day(merged.get("valid_from"), "valid_from") or dt.date.today()
    out["valid_to"] = _day(merged.get("valid_to"), "valid_to")
    if out["valid_to"] is not None and out["valid_to"] <= out["valid_from"]:
        raise InvalidInput("'valid_to' must be after 'valid_from'", param="valid_to")
    return out


def _one_of(value, key: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InvalidInput(f"'{key}' must be one of {', '.join(allowed)}", param=key)
    return value


def _categories(value) -> list[str]:
    if (not isinstance(value, list) or not value
            or not all(isinstance(v, str) and 0 < len(v) <= 50 for v in value)):
        raise InvalidInput("'categories' must be a non-empty list of category codes",
                           param="categories")
    return sorted(set(value))


def _unit(merged: Mapping, unit: str) -> dict:
    """The unit's own fields; the other units' are cleared."""
    out = {"department": None, "company_name": None, "company_phone": None, "grid": None}
    if unit == "department":
        value = merged.get("department")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
            raise InvalidInput("'department' must be a department id", param="department")
        out["department"] = value
    elif unit == "company":
        out["company_name"] = text.name(merged.get("company_name"), "company_name")
        out["company_phone"] = text.optional(merged.get("company_phone"), "company_phone", 30)
    else:
        value = merged.get("grid")
        if not (isinstance(value, str) and value.isascii() and value.isdigit()
                and len(value) == 15):
            raise InvalidInput("'grid' must be a 15-digit grid code", param="grid")
        out["grid"] = value
    return out


def _geometry(value) -> tuple[str, bool]:
    """(WKT of the Multi geometry, whether it is a line)."""
    kind = value.get("type") if isinstance(value, Mapping) else None
    if kind not in _LINES + _POLYGONS:
        raise InvalidInput("'geometry' must be a GeoJSON Polygon, MultiPolygon, LineString "
                           "or MultiLineString (WGS-84 lon/lat)", param="geometry")
    try:
        geom = shape(value)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError,
            ShapelyError) as err:
        raise InvalidInput(f"'geometry' cannot be read: {str(err)[:80]}",
                           param="geometry") from None
    if geom.is_empty or not geom.is_valid or geom.has_z:
        raise InvalidInput("'geometry' must be a valid, non-empty 2D shape", param="geometry")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput("'geometry' must be in WGS-84 lon/lat", param="geometry")
    line = kind in _LINES
    if kind in ("Polygon", "LineString"):
        geom = (MultiLineString if line else MultiPolygon)([geom])
    return geom.wkt, line


def _buffer(value, line: bool) -> float | None:
    if not line:
        if value is not None:
            raise InvalidInput("'buffer_m' is for lines only", param="buffer_m")
        return None
    if (not isinstance(value, int | float) or isinstance(value, bool)
            or not 0 < value <= MAX_BUFFER_M):
        raise InvalidInput(f"a line needs 'buffer_m', metres over 0 and at most "
                           f"{MAX_BUFFER_M:g}", param="buffer_m")
    return float(value)


def _day(value, key: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"'{key}' must be a date YYYY-MM-DD", param=key) from None
