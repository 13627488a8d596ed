"""The delivery worker: one :func:`step` fans new outbox rows out, leases the due
deliveries (committed, so a second worker skips them), sends each outside any transaction,
and records the outcome (committed). Killed between the lease and the outcome, it loses
nothing: the lease expires (``LEASE``) and the next step retakes the row. A delivered row is
never taken again. A webhook retried after a crash that came after the receiver's 2xx but
before the outcome was recorded carries the same ``webhook-id``: receivers deduplicate by it,
as the Standard Webhooks spec asks.

Back-off: ``BACKOFF`` after the 1st, 2nd… failure; no retry later than ``GIVE_UP`` after
the delivery was made (it is then ``failed``).

Retention: each pass removes up to ``purge_batch`` outbox rows older than ``keep`` that were
delivered to every target, with their deliveries and log (``store.retention``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Row

from geo.incidents.worktime import WorkCalendar
from geo.outbox import reminders, signing, sms
from geo.outbox.store import deliveries as store
from geo.outbox.store import retention
from geo.outbox.transport import Outcome, post

LEASE = dt.timedelta(seconds=60)
GIVE_UP = dt.timedelta(hours=24)
BACKOFF = tuple(dt.timedelta(seconds=s) for s in (5, 300, 1800, 7200, 18000, 36000, 36000))


def now() -> dt.datetime:
    """The worker's clock: ``GRIDMAP_NOW`` (ISO 8601 with offset) when set, else the time."""
    fixed = os.environ.get("GRIDMAP_NOW")
    return dt.datetime.fromisoformat(fixed) if fixed else dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Settings:
    disable_after: int = 10
    batch: int = 50
    lease: dt.timedelta = LEASE
    sms_gateway: str | None = None  # SMS_GATEWAY_URL; None: no texts
    # The working-time calendar of the reminders (read each pass: holidays change); None:
    # no reminders.
    calendar_of: Callable[[Connection], WorkCalendar] | None = None
    keep: dt.timedelta | None = dt.timedelta(days=90)  # OUTBOX_KEEP_DAYS; None: keep all
    purge_batch: int = 1000


def retry_at(row: Row, at: dt.datetime) -> dt.datetime | None:
    """When to try again after ``row.attempts`` failed tries; None: give up."""
    wait = BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
    later = at + wait
    return later if later <= row.created_at + GIVE_UP else None


def body(row: Row) -> bytes:
    """The JSON body of a webhook: ``{type, timestamp, data}`` (the same bytes every retry)."""
    payload = row.payload
    return json.dumps({"type": f"incident.{row.kind}", "timestamp": payload["at"],
                       "data": payload}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def send_webhook(row: Row, at: dt.datetime) -> Outcome:
    data = body(row)
    msg_id = f"msg_{row.outbox_id}"
    return post(row.url, data, signing.headers(row.secret, msg_id, int(at.timestamp()), data))


def _senders(settings: Settings) -> dict:
    found = {"webhook": send_webhook}
    if settings.sms_gateway:
        found["sms"] = sms.sender(settings.sms_gateway)
    return found


def step(conn: Connection, commit: Callable[[], None], at: dt.datetime,
         settings: Settings = Settings(),
         senders: dict[str, Callable[[Row, dt.datetime], Outcome]] | None = None) -> int:
    """Fire due reminders, fan out, lease, send, record, purge a batch of old delivered
    rows; how many deliveries were attempted."""
    senders = senders or _senders(settings)
    if settings.calendar_of is not None:
        reminders.fire(conn, at, settings.calendar_of(conn))
    store.fan_out(conn, at, sms_kinds=sms.KINDS if "sms" in senders else ())
    taken = store.claim(conn, at, settings.lease, settings.batch)
    commit()
    for row in taken:
        outcome = senders[row.channel](row, at)
        if outcome.ok:
            store.delivered(conn, row, at, outcome.status_code)
        else:
            store.failed(conn, row, at, outcome.error or "failed", outcome.status_code,
                         retry_at(row, at), settings.disable_after)
        commit()
    if settings.keep is not None:
        retention.purge(conn, at - settings.keep, settings.purge_batch)
        commit()
    return len(taken)
