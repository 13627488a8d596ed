"""Parse request parameters once: typed values out, or ``InvalidInput`` naming the parameter.

Plain functions over string mappings (``request.args`` works, so does a dict), so the
rules are unit-tested without a web server.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from geo.core.errors import InvalidInput

Box = tuple[float, float, float, float]


def check_known(args: Mapping[str, str], allowed: Iterable[str]) -> None:
    """Unknown parameters are refused rather than silently ignored (a typo is not a filter)."""
    # a form part may come without a name (None): it is unknown too
    unknown = sorted({"" if name is None else str(name) for name in set(args) - set(allowed)})
    if unknown:
        raise InvalidInput(
            f"unknown parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
            param=unknown[0])


def check_fields(body: Mapping, allowed: Iterable[str]) -> None:
    """Unknown fields of a JSON body are refused, naming the ones accepted."""
    allowed = tuple(allowed)
    if unknown := sorted(set(body) - set(allowed)):
        raise InvalidInput(f"unknown field(s) {', '.join(unknown)}; fields are "
                           f"{', '.join(allowed)}", param=unknown[0])


def number(args: Mapping[str, str], name: str, *, required: bool = True,
           default: float | None = None) -> float | None:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        if required:
            raise InvalidInput(f"missing parameter '{name}'", param=name)
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(f"parameter '{name}' must be a number, got {raw[:40]!r}",
                           param=name) from None
    if not math.isfinite(value):
        raise InvalidInput(f"parameter '{name}' must be a finite number, got {raw[:40]!r}",
                           param=name)
    return value


def lon_lat(args: Mapping[str, str], service_area: Box | None = None) -> tuple[float, float]:
    """``lon`` and ``lat`` in degrees, range-checked, with a hint when they look swapped.

    >>> lon_lat({"lon": "116.4", "lat": "39.9"})
    (116.4, 39.9)
    >>> try:
    ...     lon_lat({"lon": "39.9", "lat": "116.4"})
    ... except InvalidInput as err:
    ...     print(err.param, "look swapped (send lon=116.4&lat=39.9)" in str(err))
    lat True
    """
    return point(number(args, "lon"), number(args, "lat"), service_area)


def point(lon: float, lat: float, service_area: Box | None = None) -> tuple[float, float]:
    """The range checks of :func:`lon_lat` on numbers already parsed."""
    swapped = f"latitude and longitude look swapped (send lon={lat:g}&lat={lon:g})"
    if not -90 <= lat <= 90:
        hint = f"; {swapped}" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
        raise InvalidInput(f"parameter 'lat' is {lat:g}, outside -90..90{hint}", param="lat")
    if not -180 <= lon <= 180:
        raise InvalidInput(f"parameter 'lon' is {lon:g}, outside -180..180", param="lon")
    if service_area and not _inside(lon, lat, service_area) and _inside(lat, lon, service_area):
        raise InvalidInput(f"point ({lon:g}, {lat:g}) is outside the service area; {swapped}",
                           param="lat")
    return lon, lat


def _inside(x: float, y: float, box: Box) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def bbox(args: Mapping[str, str], *, required: bool = False) -> Box | None:
    """``bbox=minLon,minLat,maxLon,maxLat`` in WGS-84 degrees."""
    raw = args.get("bbox")
    if raw is None or raw.strip() == "":
        if required:
            raise InvalidInput("missing parameter 'bbox' (minLon,minLat,maxLon,maxLat)",
                               param="bbox")
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise InvalidInput(f"parameter 'bbox' needs 4 numbers minLon,minLat,maxLon,maxLat; "
                           f"got {len(parts)}", param="bbox")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InvalidInput(f"parameter 'bbox' must be 4 numbers, got {raw[:80]!r}",
                           param="bbox") from None
    if not all(math.isfinite(v) for v in values):
        raise InvalidInput("parameter 'bbox' must hold finite numbers", param="bbox")
    x0, y0, x1, y1 = values
    if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= 90 and -90 <= y1 <= 90):
        raise InvalidInput("parameter 'bbox' is out of range: longitudes -180..180, "
                           "latitudes -90..90", param="bbox")
    if x0 > x1 or y0 > y1:
        raise InvalidInput("parameter 'bbox' has a minimum above its maximum "
                           "(order: minLon,minLat,maxLon,maxLat)", param="bbox")
    return x0, y0, x1, y1


def integer(args: Mapping[str, str], name: str, *, default: int, minimum: int = 0,
            maximum: int | None = None) -> int:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"parameter '{name}' must be a whole number, got {raw[:40]!r}",
                           param=name) from None
    if value < minimum:
        raise InvalidInput(f"parameter '{name}' must be at least {minimum}", param=name)
    if maximum is not None and value > maximum:
        raise InvalidInput(f"parameter '{name}' must be at most {maximum}, got {value}",
                           param=name)
    return value


def date(args: Mapping[str, str], name: str) -> dt.date | None:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"parameter '{name}' must be a date YYYY-MM-DD, got {raw[:40]!r}",
                           param=name) from None


def code(args: Mapping[str, str], name: str, digits: int) -> str | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) == digits):
        raise InvalidInput(f"parameter '{name}' must be a {digits}-digit code, got {raw[:40]!r}",
                           param=name)
    return raw


def choice(args: Mapping[str, str], name: str, allowed: Iterable[str]) -> str | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    allowed = tuple(allowed)
    if raw not in allowed:
        raise InvalidInput(f"parameter '{name}' must be one of {', '.join(allowed)}, "
                           f"got {raw[:40]!r}", param=name)
    return raw


def short_text(args: Mapping[str, str], name: str, max_length: int = 100) -> str | None:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return None
    if len(raw) > max_length or not raw.isprintable():
        raise InvalidInput(f"parameter '{name}' must be printable text of at most "
                           f"{max_length} characters", param=name)
    return raw.strip()


def local_period(start: dt.date, end: dt.date, max_days: int,
                 timezone: str) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    """The period ``[start, end)`` (parameters ``from`` and ``to``) checked — start before
    end, at most ``max_days`` long — as dates and as the instants its local days begin.

    >>> local_period(dt.date(2025, 5, 1), dt.date(2025, 6, 1), 31, "Asia/Shanghai")[3]
    datetime.datetime(2025, 6, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='Asia/Shanghai'))
    """
    if start >= end:
        raise InvalidInput(f"'from' ({start}) must be before 'to' ({end}); the period is "
                           "[from, to)", param="from")
    if (end - start).days > max_days:
        raise InvalidInput(f"the period may span at most {max_days} days", param="to")
    zone = ZoneInfo(timezone)
    return (start, end, dt.datetime.combine(start, dt.time(), zone),
            dt.datetime.combine(end, dt.time(), zone))
