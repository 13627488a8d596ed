"""What the field app adds to a workflow action (``geo.incidents.workflow.check_action``).

- ``client_id``: the UUID the phone made for the action. The phone queues actions offline
  and retries, so the same action may arrive twice: the second finds the first's event
  (``incident_events.client_id`` is unique) and changes nothing.
- ``lon``/``lat``/``accuracy``: the phone's GPS fix (WGS-84 degrees, metres) when the
  action was taken; its distance to the incident is recorded, and a fix farther than the
  ``far_m`` the caller passes (the setting ``RESOLVE_FAR_METERS``) is flagged ``far``.
- ``seen_status``: the status the phone showed; if the incident has moved on since, the
  action is refused as a conflict instead of being applied to a state the worker never saw.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from geo.core import params
from geo.core.errors import InvalidInput
from geo.core.statuses import STATUSES

FIELDS = ("client_id", "lon", "lat", "accuracy", "seen_status")
MAX_ACCURACY_M = 100_000.0


@dataclass(frozen=True)
class Fix:
    lon: float
    lat: float
    accuracy_m: float | None


def check(body: dict) -> dict:
    """The field inputs of an action body, checked: client_id (UUID), fix (Fix), seen_status."""
    out: dict = {"client_id": _client_id(body.get("client_id")), "fix": _fix(body),
                 "seen_status": body.get("seen_status")}
    if out["seen_status"] is not None and out["seen_status"] not in STATUSES:
        raise InvalidInput(f"'seen_status' must be one of {', '.join(STATUSES)}",
                           param="seen_status")
    return out


def _client_id(value) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value) if isinstance(value, str) else _bad_uuid()
    except ValueError:
        return _bad_uuid()


def _bad_uuid():
    raise InvalidInput("'client_id' must be a UUID, e.g. 0f8fad5b-d9cb-469f-a165-70867728950e",
                       param="client_id")


def _fix(body: dict) -> Fix | None:
    lon, lat, accuracy = (_number(body, k) for k in ("lon", "lat", "accuracy"))
    if lon is None and lat is None:
        if accuracy is not None:
            raise InvalidInput("'accuracy' goes with 'lon' and 'lat'", param="accuracy")
        return None
    if lon is None or lat is None:
        missing = "lat" if lat is None else "lon"
        raise InvalidInput(f"send 'lon' and 'lat' together: '{missing}' is missing",
                           param=missing)
    lon, lat = params.point(lon, lat)
    if accuracy is not None and not 0 <= accuracy <= MAX_ACCURACY_M:
        raise InvalidInput(f"'accuracy' must be 0..{MAX_ACCURACY_M:g} metres", param="accuracy")
    return Fix(lon, lat, accuracy)


def _number(body: dict, key: str) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"'{key}' must be a number", param=key)
    return float(value)
