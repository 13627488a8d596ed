"""SMS through an HTTP gateway (``SMS_GATEWAY_URL``: POST ``{"to", "text"}``, a 2xx is sent).

Who gets texts (decided here, issue 21 was silent on the detail): staff only — the grid
worker an incident is assigned to, on their phone of record (``private_phone``, else
``public_phone``). Residents get no SMS: no table records a resident's consent to texts,
so none is sent to a reporter's phone (their channel is the report's reference page).
Texts are Chinese, one template per event kind (:data:`TEMPLATES`); kinds without a
template send nothing. The text is built at sending time from the incident's number and
category only — never its description or address (an SMS leaves our servers).
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Row

from geo.outbox.transport import Outcome, post

TEMPLATES = {
    "dispatch": "【网格通知】新任务：事件{id}（{category}）已派给您，请及时处置。",
    "reopen": "【网格通知】事件{id}（{category}）核查未通过，已重新打开，请再次处置。",
}
KINDS = tuple(TEMPLATES)


def text_of(row: Row) -> str:
    return TEMPLATES[row.kind].format(id=row.incident_id, category=row.category or "")


def sender(gateway_url: str):
    """A sender of the worker's ``sms`` channel posting to ``gateway_url``."""
    def send(row: Row, at: dt.datetime) -> Outcome:
        data = json.dumps({"to": row.recipient, "text": text_of(row)},
                          ensure_ascii=False).encode()
        return post(gateway_url, data, {"content-type": "application/json"})

    return send
