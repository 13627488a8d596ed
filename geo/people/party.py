"""Party members: who counts, and the 双报到 decision.

A member **counts** (coverage map, ``/api/v1/stats/coverage``, a plan's impact) when their
registration is ``confirmed`` and they have not left (``left_on`` empty or later than
today). Resident members are entered confirmed; an in-service member's 双报到
registration starts ``pending`` and counts only once a community administrator confirms.
"""

from __future__ import annotations

from geo.core.errors import Conflict, InvalidInput

# Over a party_members row aliased ``p``.
COUNTED_SQL = "(p.status = 'confirmed' AND (p.left_on IS NULL OR p.left_on > current_date))"

DECISIONS = {"confirm": "confirmed", "decline": "declined"}


def decision(action: str, current: str) -> str:
    """The status a registration takes for ``action`` (confirm | decline) from ``current``.

    >>> decision("confirm", "pending")
    'confirmed'
    """
    if action not in DECISIONS:
        raise InvalidInput(f"unknown decision {action!r}: confirm or decline", param="action")
    if current != "pending":
        raise Conflict(f"the registration is {current} already; only a pending one can be "
                       "confirmed or declined")
    return DECISIONS[action]
