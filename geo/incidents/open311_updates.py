"""Open311 ``servicerequestupdates`` (the GeoReport v2 extension): each status change of a
service request in a time window, oldest first.

An update is an ``incident_events`` row whose status differs from the one before. Its
``description`` is the public text of the new status (``STATUS_NOTES``), never the staff
note (notes may name people); ``media_url`` is always null (evidence photos may show people
and homes). Callers without a key see the public categories only, as for requests; a
caller limited to some communities sees the requests located in them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Connection

from geo.core.statuses import FINISHED
from geo.incidents import open311
from geo.incidents.store import open311 as o311_store

MAX_SPAN = dt.timedelta(days=90)
MAX_UPDATES = 1000
QUERY_FIELDS = ("jurisdiction_id", "start_date", "end_date", "api_key", "page", "page_size")


def parse_query(args: Mapping[str, str], now: dt.datetime) -> dict:
    """The window (default: the last 90 days to now; at most 90 days) and the page."""
    window = open311.parse_query({k: v for k, v in args.items()
                                  if k in ("start_date", "end_date", "page", "page_size")},
                                 now)
    return {"start": window["start"], "end": window["end"], "limit": window["limit"],
            "offset": window["offset"]}


def updates(conn: Connection, query: dict, *, public_only: bool,
            scope: frozenset[int] | None = None) -> list[dict]:
    return [_update(row) for row in o311_store.updates(conn, query, scope, public_only)]


def _update(row) -> dict:
    notes = open311.STATUS_NOTES.get(row.to_status, row.to_status)
    if row.merged_into_id and row.to_status == "closed":
        notes = f"已合并至 {row.merged_into_id} Merged into request {row.merged_into_id}"
    return {"update_id": str(row.id), "service_request_id": str(row.incident_id),
            "status": "closed" if row.to_status in FINISHED else "open",
            "updated_datetime": row.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "description": notes, "media_url": None}
