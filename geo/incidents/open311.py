"""Open311 GeoReport v2 in our terms: services are incident categories, service requests
are incidents. No Flask here; ``app.open311`` serialises these dicts as JSON or XML.

- Status: Open311 knows ``open`` and ``closed`` only. ``closed`` and ``rejected`` are
  closed; every other workflow status (``resolved`` included: it awaits verification) is
  open. ``status_notes`` names the workflow status in Chinese and English (and the request
  a duplicate was merged into); staff notes are never published, they may name people.
- Extension: ``extended_attributes`` carries the grid and community (code and name) the
  request is located in; ``address_id`` is the building code.
- Privacy: only categories marked public are offered as services and listed to callers
  without a key (neighbour disputes and anything about persons are not public; a request
  of another category answers 404 as if absent). Requests are public (the standard reads
  them without a key), so they carry no
  reporter and, for callers without a key, no ``description`` (hotline descriptions often
  repeat the caller's name and phone number), no ``address`` or ``address_id`` (the
  building code), and ``lat``/``long`` rounded to :data:`PUBLIC_DECIMALS` decimals (about
  100 m): whereabouts of a household are personal information.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Connection

from geo.core.crs import CRS_NAMES
from geo.core.errors import InvalidInput
from geo.core.statuses import FINISHED
from geo.incidents.store import open311 as o311_store

MAX_SPAN = dt.timedelta(days=90)  # the standard's default window and widest range
MAX_REQUESTS = 1000  # "the first 1000 requests", the standard's default volume
PUBLIC_DECIMALS = 3  # 0.001° ≈ 111 m north–south, ≈ 85 m east–west at Beijing

STATUS_NOTES = {
    "reported": "已受理登记 Reported, awaiting acceptance",
    "accepted": "已立案 Accepted",
    "dispatched": "已派遣 Dispatched to the grid",
    "in_progress": "处置中 Being handled",
    "returned": "已回退，待重新派遣 Returned for re-dispatch",
    "resolved": "已处置，待核查 Handled, awaiting verification",
    "reopened": "核查未通过，重新处置 Reopened after verification",
    "closed": "核查结案 Closed after verification",
    "rejected": "不予受理 Not accepted",
}

# The one attribute every service definition offers: phone map pickers in China give
# GCJ-02 or BD-09 coordinates, not the WGS-84 the standard assumes for lat/long.
CRS_ATTRIBUTE = {
    "variable": True, "code": "crs", "datatype": "singlevaluelist", "required": False,
    "datatype_description": "坐标系 coordinate system of lat/long (default wgs84)",
    "order": 1,
    "description": "lat/long 的坐标系：高德、腾讯地图为 gcj02，百度地图为 bd09。The coordinate "
                   "system of lat/long: gcj02 for Amap or Tencent map pickers, bd09 for Baidu.",
    "values": [{"key": name, "name": name} for name in CRS_NAMES],
}

POST_FIELDS = ("api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string",
               "address_id", "email", "device_id", "account_id", "first_name", "last_name",
               "phone", "description", "media_url", "attribute[crs]")
QUERY_FIELDS = ("jurisdiction_id", "service_request_id", "service_code", "start_date",
                "end_date", "status", "api_key", "page", "page_size")


def services(conn: Connection) -> list[dict]:
    """Every active public category (what residents may report) as an Open311 service."""
    return [_service(row) for row in o311_store.public_categories(conn)]


def _service(row) -> dict:
    clock = "工作时间 working hours" if row.clock == "working" else "自然时间 calendar hours"
    return {"service_code": row.code,
            "service_name": f"{row.code} {row.name_en}" if row.name_en else row.code,
            "description": f"{row.response_hours:g} 小时内响应，{row.resolve_hours:g} 小时内办结"
                           f"（{clock}）. Response within {row.response_hours:g} h, "
                           f"resolution within {row.resolve_hours:g} h.",
            "metadata": True, "type": "realtime", "keywords": row.name_en,
            "group": "社区办公室 community office" if row.route_to == "community_office"
                     else "网格 grid"}


def service_definition(conn: Connection, code: str) -> dict | None:
    found = o311_store.category_public(conn, code)
    return {"service_code": code, "attributes": [CRS_ATTRIBUTE]} if found else None


def _when(raw: str | None, name: str) -> dt.datetime | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"'{name}' must be a W3C date-time such as 2025-05-01T00:00:00Z, "
                           f"got {raw[:40]!r}", param=name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _list(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def parse_query(args: Mapping[str, str], now: dt.datetime) -> dict:
    """GET requests' filters with the standard's defaults: the last 90 days, at most 1000.

    ``service_request_id`` (a comma list) overrides every other filter. A window given by
    one end spans 90 days from it; a wider one is refused.
    """
    ids = _list(args.get("service_request_id"))
    if any(not (i.isascii() and i.isdigit() and len(i) < 19) for i in ids):
        raise InvalidInput("'service_request_id' must be request numbers separated by commas",
                           param="service_request_id")
    page_size = _count(args, "page_size", MAX_REQUESTS, MAX_REQUESTS)
    page = _count(args, "page", 1, 10**6)
    paging = {"limit": page_size, "offset": (page - 1) * page_size}
    if ids:
        return {"ids": [int(i) for i in ids[:MAX_REQUESTS]], **paging}
    start, end = _when(args.get("start_date"), "start_date"), _when(args.get("end_date"),
                                                                    "end_date")
    if start is None and end is None:
        end = now
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise InvalidInput("'end_date' is before 'start_date'", param="end_date")
    if end - start > MAX_SPAN:
        raise InvalidInput("'start_date' to 'end_date' may span at most 90 days",
                           param="end_date")
    statuses = _list(args.get("status"))
    if any(s not in ("open", "closed") for s in statuses):
        raise InvalidInput("'status' must be open, closed or both", param="status")
    return {"codes": _list(args.get("service_code")) or None, "start": start, "end": end,
            "closed": None if len(set(statuses)) != 1 else statuses[0] == "closed", **paging}


def _count(args: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise InvalidInput(f"'{name}' must be a whole number from 1 to {maximum}", param=name)
    return int(raw)


def requests(conn: Connection, query: dict, *, with_description: bool,
             scope: frozenset[int] | None = None) -> list[dict]:
    """Service requests matching a ``parse_query`` result, newest first; a caller limited
    to some communities (``scope``) sees only the requests located in them, a caller
    without a key (not ``with_description``) only those of public categories."""
    rows = o311_store.requests(conn, query, scope, public_only=not with_description)
    return [_request(row, with_description) for row in rows]


def request(conn: Connection, request_id: str, *, with_description: bool,
            scope: frozenset[int] | None = None) -> dict | None:
    """One service request, None when unknown, outside ``scope``, or of a category that
    is not public for a caller without a key."""
    if not (request_id.isascii() and request_id.isdigit() and len(request_id) < 19):
        return None
    row = o311_store.request(conn, int(request_id), scope, public_only=not with_description)
    return None if row is None else _request(row, with_description)


def _stamp(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _agency(row) -> str | None:
    """Who handles it, never a person: the department it was escalated to, the street
    office, or the community (and grid) office."""
    if row.department_name:
        return row.department_name
    if row.routed_to == "street_office" and row.street_name:
        return row.street_name
    if row.routed_to == "community_office":
        return row.community_name
    return " ".join(x for x in (row.community_name, row.grid_name) if x) or None


def _request(row, with_description: bool) -> dict:
    """The standard's fields; a caller without a key (``with_description`` False) gets no
    description, no address or building code and a coarsened location."""
    staff = with_description
    notes = STATUS_NOTES.get(row.status, row.status)
    if row.merged_into_id:
        notes = f"已合并至 {row.merged_into_id} Merged into request {row.merged_into_id}"
    agency = _agency(row)
    return {
        "service_request_id": str(row.id),
        "status": "closed" if row.status in FINISHED else "open",
        "status_notes": notes,
        "service_name": f"{row.category} {row.name_en}" if row.name_en else row.category,
        "service_code": row.category,
        "description": row.description if with_description else None,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _stamp(row.reported_at),
        "updated_datetime": _stamp(row.updated_at),
        "expected_datetime": _stamp(row.due_at),
        "address": row.address if staff else None,
        "address_id": row.building_code if staff else None,
        "zipcode": None,
        "lat": row.lat if staff else _coarse(row.lat),
        "long": row.lon if staff else _coarse(row.lon),
        "media_url": None,
        "extended_attributes": {"grid_code": row.grid_code, "grid_name": row.grid_name,
                                "community_code": row.community_code,
                                "community_name": row.community_name},
    }


def _coarse(degrees: float | None) -> float | None:
    return None if degrees is None else round(degrees, PUBLIC_DECIMALS)


def report_from_form(form: Mapping[str, str]) -> dict:
    """A POSTed service request as the body ``geo.incidents.intake.check_report`` checks.

    Located by lat/long (WGS-84 unless ``attribute[crs]`` says otherwise), else by
    ``address_id`` (a building code), else by ``address_string`` resolved to one building.
    ``email``, ``device_id``, ``account_id`` and ``media_url`` are accepted and not stored.
    """
    def value(name: str) -> str | None:
        raw = form.get(name)
        return raw.strip() if raw and raw.strip() else None

    if value("service_code") is None:
        raise InvalidInput("'service_code' is required", param="service_code")
    body = {"category": value("service_code"), "source": "resident",
            "description": value("description"), "address": value("address_string"),
            "reporter_phone": value("phone"),
            "reporter_name": " ".join(x for x in (value("first_name"), value("last_name"))
                                      if x) or None}
    if value("lat") or value("long"):
        body.update(lat=value("lat"), lon=value("long"), crs=value("attribute[crs]"))
        if body["lat"] is None or body["lon"] is None:
            raise InvalidInput("send both 'lat' and 'long'", param="lat" if body["lon"]
                               else "long")
    elif value("address_id"):
        body["building"] = value("address_id")
    elif not body["address"]:
        raise InvalidInput("a location is required: lat and long, address_id (a building "
                           "code) or address_string", param="lat")
    return {k: v for k, v in body.items() if v is not None}

