"""An action from the field app: the one workflow (``geo.incidents.workflow.act``) and what
the field work keeps beside it, in the same transaction: the evidence photos (with the
action's event) and the notifications the action makes for a worker.

Not a second action path: every action of the API, a dispatcher's or a worker's, comes
through here to ``workflow.act``, which checks and records it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from geo.field import notifications
from geo.field.evidence import CleanPhoto
from geo.field.store import photos as photo_store
from geo.incidents import workflow


def act(conn: Connection, incident_id: int, request: dict, actor: workflow.Actor,
        photos: Sequence[CleanPhoto] = (), *, far_m: float = workflow.FAR_M) -> workflow.Done:
    """Apply a checked action (``workflow.check_action(body, len(photos))``) with its photos
    in the caller's transaction. A repeated client id stores nothing again."""
    done = workflow.act(conn, incident_id, request, actor, far_m=far_m)
    if done.repeated:
        return done
    if photos:
        photo_store.add(conn, incident_id, done.event_id, actor.user_id, photos)
    notifications.after_action(conn, incident_id, done)
    return done
