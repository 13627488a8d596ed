"""Resident call-back (回访): after closure the reporter rates it (满意 / 基本满意 / 不满意,
with a comment) on their report's page, or staff record the rating of a phone call-back;
one rating per closure (a second is 409). An unsatisfied rating reopens the incident, up to
``UNSATISFIED_REOPENS`` times (1): then it goes back to the dispatcher as ``reopened``.
Ratings are kept (``incident_ratings``) so evaluation can compute 满意率; each is also an
event in the history.

Also the resident's side of verification: with ``verify_by = reporter`` their "fixed" /
"not fixed" answer on the report's page passes or fails the verification.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection

from geo.core.errors import Conflict, InvalidInput, NotFound
from geo.core.statuses import RATINGS
from geo.incidents import workflow
from geo.incidents.store import verification as store
from geo.incidents.store import workflow as flow_store

COMMENT_MAX = 500
# The rating's words in the history (Chinese first, like the other public-note events).
WORDS = {"satisfied": "满意", "fair": "基本满意", "unsatisfied": "不满意"}


def check_rating(body) -> tuple[str, str | None]:
    """(rating, comment) of a ``{"rating": ..., "comment": ...}`` body, checked."""
    if not isinstance(body, dict) or set(body) - {"rating", "comment"}:
        raise InvalidInput("send {\"rating\": satisfied | fair | unsatisfied, "
                           "\"comment\": text}", param="rating")
    if body.get("rating") not in RATINGS:
        raise InvalidInput(f"'rating' must be one of {', '.join(RATINGS)}", param="rating")
    return body["rating"], _comment(body.get("comment"))


def check_confirmation(body) -> tuple[bool, str | None]:
    """(fixed, comment) of a ``{"fixed": true|false, "comment": ...}`` body, checked."""
    if not isinstance(body, dict) or set(body) - {"fixed", "comment"} or not isinstance(
            body.get("fixed"), bool):
        raise InvalidInput("send {\"fixed\": true or false, \"comment\": text}",
                           param="fixed")
    comment = _comment(body.get("comment"))
    if not body["fixed"] and not comment:
        raise InvalidInput("say in a few words what is still wrong", param="comment")
    return body["fixed"], comment


def _comment(value) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value.strip()) > COMMENT_MAX
                              or "\x00" in value):
        raise InvalidInput(f"'comment' must be text of at most {COMMENT_MAX} characters",
                           param="comment")
    return (value or "").strip() or None


def rate(conn: Connection, incident_id: int, rating: str, comment: str | None, *,
         actor: workflow.Actor, channel: str, reopens_max: int) -> dict:
    """Record the rating of the incident's closure in the caller's transaction; reopens it
    when unsatisfied and it has been reopened so fewer than ``reopens_max`` times."""
    if flow_store.lock(conn, incident_id) is None:
        raise NotFound(f"no incident {incident_id}")
    closure = store.closure(conn, incident_id)
    if closure is None:
        raise Conflict("only a closed incident can be rated: it is not closed now")
    rating_id = store.add_rating(conn, incident_id, closure, rating, comment, channel,
                                 actor.user_id)
    if rating_id is None:
        raise Conflict("this closure has been rated already: one rating per closure")
    note = f"回访 Call-back: {WORDS[rating]}" + (f" — {comment}" if comment else "")
    _event(conn, incident_id, actor, "rate", "closed", note,
           {"rating": rating, "channel": channel})
    reopened = rating == "unsatisfied" and store.reopens(conn, incident_id) < reopens_max
    if reopened:
        store.mark_reopened(conn, rating_id)
        flow_store.update(conn, incident_id, {"status": "reopened", "closed_at": None})
        _event(conn, incident_id, actor, "reopen_unsatisfied", "reopened",
               "回访不满意，重新办理 Reopened: the reporter is unsatisfied")
    return {"rating": rating, "comment": comment, "channel": channel, "reopened": reopened}


def _event(conn: Connection, incident_id: int, actor: workflow.Actor, action: str,
           to_status: str, note: str, details: dict | None = None) -> None:
    """The history event of a rating or of the reopening it caused (from closed)."""
    flow_store.event(conn, incident_id, actor.name, actor.user_id, action, "closed",
                     to_status, note, json.dumps(details, ensure_ascii=False)
                     if details else None)


def confirm(conn: Connection, incident_id: int, fixed: bool, comment: str | None) -> str:
    """The reporter's verification answer (verify or rework); the status after it."""
    row = flow_store.lock(conn, incident_id)
    if row is None or row.status != "resolved":
        raise Conflict("nothing to confirm: the report is not awaiting your confirmation")
    note = comment or "居民确认已解决 The reporter confirmed it is fixed"
    done = workflow.act(conn, incident_id, {"action": "verify" if fixed else "rework",
                                            "note": note}, workflow.RESIDENT)
    return done.to_status


def resident_view(conn: Connection, incident_id: int, status: str, category: str) -> dict:
    """The call-back part of a report's public status: the history a resident sees, the
    rating of the current closure and whether they may confirm or rate now."""
    closure = store.closure(conn, incident_id)
    rating = store.rating_of(conn, closure) if closure is not None else None
    return {"status": status,
            "timeline": [{"at": t.at.isoformat(), "status": t.status, "reply": t.reply}
                         for t in store.public_timeline(conn, incident_id)],
            "rating": rating,
            "can_rate": closure is not None and rating is None,
            "can_confirm": status == "resolved"
            and store.verify_by(conn, category) == "reporter"}


def ratings(conn: Connection, incident_id: int) -> list[dict]:
    """The incident's ratings for staff, oldest first."""
    return [{"rating": r.rating, "comment": r.comment, "channel": r.channel,
             "at": r.at.isoformat(), "reopened": r.reopened, "recorded_by": r.recorded_by}
            for r in store.ratings(conn, incident_id)]
