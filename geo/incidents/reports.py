"""Reports residents make on the public map, and what a resident may see of them later.

A resident report is an ordinary incident (``geo.incidents.intake``, ``source = 'resident'``) plus a
``resident_reports`` row holding the reference the resident was given, the note staff
publish for them and the report's photo (already cleaned by ``geo.incidents.photos``). Looking a
report up by its reference shows only its state (open or closed), the category and day it
was made and the public note: never the description, the contact, the staff history, or
anything about other reports.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping

from sqlalchemy import Connection

from geo.core.errors import InvalidInput, NotFound
from geo.core.params import Box
from geo.core.statuses import FINISHED
from geo.incidents import callback, intake
from geo.incidents.store import reports as report_store
from geo.incidents.worktime import WorkCalendar
from geo.places.assign import locate_point

# 32 letters and digits without 0/O and 1/I, so a reference read out over the phone or
# copied by hand survives; 8 of them are 40 bits, far beyond guessing at the rate limit.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 8
FIELDS = ("category", "description", "lon", "lat", "crs", "contact_name", "contact_phone")
DESCRIPTION_MAX = 500
NOTE_MAX = 500
CLOSED = FINISHED  # finished, from the resident's point of view
_INTAKE_NAMES = {"reporter_name": "contact_name", "reporter_phone": "contact_phone"}


def new_reference() -> str:
    """A fresh random reference, shown as ``XXXX-XXXX``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_reference(value: str | None) -> str:
    """A reference as typed (any case, spaces or dashes) → ``XXXX-XXXX``, or InvalidInput.

    >>> normalize_reference(" abcd efgh ")
    'ABCD-EFGH'
    """
    raw = "".join(ch for ch in (value or "").upper() if ch not in " -")
    if len(raw) != REFERENCE_LENGTH or any(ch not in ALPHABET for ch in raw):
        raise InvalidInput(f"a reference has {REFERENCE_LENGTH} letters and digits, like "
                           "K7QM-3XPA", param="reference")
    return f"{raw[:4]}-{raw[4:]}"


def resident_categories(conn: Connection, cats: Mapping[str, intake.Category]
                        ) -> Mapping[str, intake.Category]:
    """The categories of ``cats`` (active ones) residents may report in: the public ones.
    Neighbour disputes and the like go to the community office by phone, not by a form."""
    public = report_store.public_category_codes(conn)
    return {code: cat for code, cat in cats.items() if code in public}


def check_report(form, cats: Mapping[str, intake.Category], now: dt.datetime,
                 area: Box | None) -> dict:
    """The form's fields as a report for ``geo.incidents.intake`` (source resident), checked;
    ``cats`` are those residents may report in (:func:`resident_categories`)."""
    unknown = sorted(set(form) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(unknown)}; fields are "
                           f"{', '.join(FIELDS)}", param=unknown[0])
    description = (form.get("description") or "").strip()
    if not description:
        raise InvalidInput("describe the problem in a few words", param="description")
    if len(description) > DESCRIPTION_MAX:
        raise InvalidInput(f"the description has {len(description)} characters; at most "
                           f"{DESCRIPTION_MAX} are accepted", param="description")
    if form.get("lon") in (None, "") or form.get("lat") in (None, ""):
        raise InvalidInput("say where the problem is: tap the map or use your location",
                           param="lon")
    body = {"category": form.get("category"), "description": description,
            "lon": form.get("lon"), "lat": form.get("lat"), "crs": form.get("crs") or None,
            "source": "resident", "reporter_name": form.get("contact_name"),
            "reporter_phone": form.get("contact_phone")}
    try:
        return intake.check_report(body, cats, now, area)
    except InvalidInput as err:  # name the form's fields, not the intake's
        if err.param in _INTAKE_NAMES:
            public = _INTAKE_NAMES[err.param]
            raise InvalidInput(err.message.replace(err.param, public), param=public) from None
        raise


def store(conn: Connection, report: dict, cats: Mapping[str, intake.Category],
          rules: intake.Rules, cal: WorkCalendar, photo: bytes | None) -> str:
    """Store a checked report with its photo in the caller's transaction; its reference.

    A point in no community and near no grid is refused: the public map serves the city's
    own area, and staff could not act on it.
    """
    where = locate_point(conn, report["lon"], report["lat"], rules.snap_m)
    if where.grid_id is None and where.community_id is None:
        raise InvalidInput(f"the point ({report['lon']:.6f}, {report['lat']:.6f}) is outside "
                           "the area this map serves", param="lon")
    incident_id, _ = intake.store(conn, report, cats, rules, cal, actor="public",
                                  user_id=None, scope=None)
    while True:  # a clash of 40-bit references is all but impossible; retry if it happens
        reference = new_reference()
        if report_store.add_reference(conn, reference, incident_id, photo,
                                      "image/jpeg" if photo else None):
            return reference


def public_status(conn: Connection, reference: str) -> dict | None:
    """What the resident holding ``reference`` may see of their report, or None."""
    row = report_store.by_reference(conn, reference)
    if row is None:
        return None
    closed = row.status in CLOSED
    return {"reference": row.reference, "category": row.category,
            "reported_at": row.reported_at.isoformat(),
            "state": "closed" if closed else "open",
            "closed_at": row.closed_at.isoformat() if closed and row.closed_at else None,
            "public_note": row.public_note,
            "public_note_at": row.public_note_at.isoformat() if row.public_note_at else None,
            **callback.resident_view(conn, row.incident_id, row.status, row.category_code)}


def set_public_note(conn: Connection, incident_id: int, note: str | None, *, actor: str,
                    user_id: int | None) -> dict:
    """Publish (or clear, with None) the note the reporting resident sees; in history.

    The caller has checked that ``incident_id`` is in its communities.
    """
    if note is not None:
        if not isinstance(note, str) or len(note.strip()) > NOTE_MAX or "\x00" in note:
            raise InvalidInput(f"'public_note' must be text of at most {NOTE_MAX} characters",
                               param="public_note")
        note = note.strip() or None
    row = report_store.set_public_note(conn, incident_id, note)
    if row is None:
        raise NotFound(f"incident {incident_id} was not reported on the public map")
    report_store.public_note_event(conn, incident_id, actor, user_id,
                                   f"公开答复 Public note: {note}" if note
                                   else "公开答复已撤回 Public note withdrawn", note)
    return {"reference": row.reference, "public_note": row.public_note,
            "public_note_at": row.public_note_at.isoformat() if row.public_note_at else None}


def photo(conn: Connection, incident_id: int) -> tuple[bytes, str] | None:
    """The photo of a resident report (bytes, media type), for staff; None without one."""
    row = report_store.photo(conn, incident_id)
    return (bytes(row.photo), row.photo_type) if row else None
