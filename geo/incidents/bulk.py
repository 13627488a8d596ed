"""One workflow action for several incidents at once (the console's selected rows).

Each incident is its own transaction (the caller commits or rolls back after each), so one
refused row — taken by someone else meanwhile (409), out of reach (404) — leaves the others
done, and every row gets its own result: nothing is dropped silently.
"""

from __future__ import annotations

from geo.core.errors import InvalidInput
from geo.incidents import workflow

MAX_BULK = 100


def check_bulk(body) -> tuple[list[int], dict]:
    """(incident ids, the checked action) of ``{"ids": [...], "action": ..., ...}``."""
    if not isinstance(body, dict):
        raise InvalidInput("send a JSON object: {\"ids\": [...], \"action\": ...}")
    ids = body.get("ids")
    if (not isinstance(ids, list) or not 1 <= len(ids) <= MAX_BULK
            or any(isinstance(i, bool) or not isinstance(i, int) or i < 1 for i in ids)):
        raise InvalidInput(f"'ids' must be a list of 1 to {MAX_BULK} incident ids",
                           param="ids")
    if len(set(ids)) != len(ids):
        raise InvalidInput("'ids' lists an incident twice", param="ids")
    if body.get("action") in ("merge", "move"):
        raise InvalidInput("merge and move name one target per incident: act on them one "
                           "at a time", param="action")
    return ids, workflow.check_action({k: v for k, v in body.items() if k != "ids"})
