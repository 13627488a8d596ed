"""A problem a worker found on patrol (主动发现): it enters intake like any report
(``geo.incidents.intake``: located, routed to its grid's worker, deadlines set, first
history row) with source ``patrol``, then carries the patrol's id, the phone's
``client_id`` (a repeat answers the first and changes nothing) and, on its report event,
the phone's fix with its accuracy. Photos go with it (``geo.field.evidence``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Connection

from geo.core.errors import Conflict, InvalidInput
from geo.core.params import Box
from geo.field import patrols
from geo.field.evidence import CleanPhoto
from geo.field.store import patrols as store
from geo.field.store import photos as photo_store
from geo.incidents import intake
from geo.incidents.worktime import WorkCalendar
from geo.places.assign import locate_point

FIELDS = ("client_id", "category", "description", "lon", "lat", "crs", "accuracy", "address")
DESCRIPTION_MAX = 500


def check(body: Mapping, cats: Mapping[str, intake.Category], now: dt.datetime,
          area: Box | None) -> dict:
    """The report's fields checked (intake's own checks for category, text and place)."""
    if unknown := sorted(set(body) - set(FIELDS)):
        raise InvalidInput(f"unknown field(s) {', '.join(unknown)}; fields are "
                           f"{', '.join(FIELDS)}", param=unknown[0])
    cid = patrols.client_id(body.get("client_id"))
    description = (body.get("description") or "").strip() if isinstance(
        body.get("description"), str | None) else None
    if not description:
        raise InvalidInput("describe the problem in a few words", param="description")
    if len(description) > DESCRIPTION_MAX:
        raise InvalidInput(f"the description has {len(description)} characters; at most "
                           f"{DESCRIPTION_MAX} are accepted", param="description")
    if body.get("lon") in (None, "") or body.get("lat") in (None, ""):
        raise InvalidInput("say where the problem is (lon, lat of the phone's fix)",
                           param="lon")
    accuracy = _accuracy(body.get("accuracy"))
    report = intake.check_report(
        {"category": body.get("category"), "description": description, "source": "patrol",
         "lon": _number(body.get("lon")), "lat": _number(body.get("lat")),
         "crs": body.get("crs") or None, "address": body.get("address") or None},
        cats, now, area)
    return {**report, "client_id": cid, "accuracy": accuracy}


def _number(value):
    """A form sends text: a number in it is passed on as a number, anything else as is
    (intake names it)."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _accuracy(value) -> float | None:
    if value in (None, ""):
        return None
    value = _number(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            0 <= value <= patrols.MAX_ACCURACY_M):
        raise InvalidInput(f"'accuracy' must be 0..{patrols.MAX_ACCURACY_M:g} metres",
                           param="accuracy")
    return float(value)


def existing(conn: Connection, report: dict, patrol_id: int) -> int | None:
    """The incident already stored for this report's client_id (taking the client_id's
    lock first, so that a repeat sent meanwhile waits for the first), or None."""
    store.lock_client_id(conn, report["client_id"])
    found = store.incident_by_client_id(conn, report["client_id"])
    if found is None:
        return None
    if found["patrol_id"] != patrol_id:
        raise Conflict(f"client_id {report['client_id']} was used for another report")
    return found["id"]


def file(conn: Connection, report: dict, patrol: dict, cats: Mapping[str, intake.Category],
         rules: intake.Rules, cal: WorkCalendar, photos: list[CleanPhoto], *, actor: str,
         user_id: int) -> int:
    """Store a checked report (after ``existing`` found none) with its cleaned photos
    (``geo.field.evidence.check_photos``, none or 1–6) in the caller's transaction; the
    incident id. A point in no community and near no grid is refused, as on the
    public map: nobody could act on it."""
    where = locate_point(conn, report["lon"], report["lat"], rules.snap_m)
    if where.grid_id is None and where.community_id is None:
        raise InvalidInput(f"the point ({report['lon']:.6f}, {report['lat']:.6f}) is in no "
                           "community of this service", param="lon")
    incident_id, _ = intake.store(conn, report, cats, rules, cal, actor=actor,
                                  user_id=user_id, scope=None)
    store.mark_report(conn, incident_id, report["client_id"], patrol["id"],
                      report["accuracy"])
    if photos:  # with the report, not with a later action: no event of their own
        photo_store.add(conn, incident_id, None, user_id, photos)
    return incident_id


def answer(conn: Connection, incident_id: int, repeated: bool) -> dict:
    """What the phone is told: the incident, where it was routed and to whom."""
    r = store.routed(conn, incident_id)
    return {"incident_id": r["id"], "status": r["status"], "category": r["category"],
            "grid": {"id": r["grid_id"], "code": r["grid_code"], "name": r["grid_name"]}
            if r["grid_id"] else None,
            "assignee": {"id": r["assignee_id"], "name": r["assignee_name"]}
            if r["assignee_id"] else None,
            "repeated": repeated}
