"""The anti-abuse checks of the public report form, besides its rate limits.

Two checks a person never notices and a naive script fails:

* **Honeypot**: the form has a field ``website`` that is hidden from people (and from
  screen readers); a bot filling in every field fills it too. A report with it is refused.
* **Minimum fill time**: the page asks for a form token (``GET /api/v1/reports/form``) when
  the report form opens; the token is the time, signed with the app's secret key. A report
  sent less than ``REPORT_MIN_SECONDS`` after it, or with a token older than
  ``REPORT_FORM_MAX_AGE``, forged or missing, is refused.

A determined script can wait and leave the honeypot empty; the per-address daily cap
(``RATELIMIT_REPORT``) bounds what it can then do. Refusals are plain 400s naming the
check: legitimate users who trip one (a very fast typist) see why and can resend.
"""

from __future__ import annotations

import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from geo.core.errors import InvalidInput

HONEYPOT = "website"
TOKEN = "form_token"


class Refused(InvalidInput):
    code = "report_refused"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="gridmap-report-form")


def issue_token() -> str:
    """A token recording now, to be sent back with the report."""
    return _serializer().dumps({"t": round(time.time(), 3)})


def check(form) -> None:
    """Refuse a report that filled the honeypot or came too fast, too late or unsigned."""
    if (form.get(HONEYPOT) or "").strip():
        raise Refused("the report looks automated (a hidden field was filled in)",
                      param=HONEYPOT)
    token = form.get(TOKEN) or ""
    try:
        issued = float(_serializer().loads(token)["t"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise Refused("the form token is missing or invalid; reload the form and send "
                      "again", param=TOKEN) from None
    age = time.time() - issued
    cfg = current_app.config
    if age < cfg["REPORT_MIN_SECONDS"]:
        raise Refused(f"the report was sent {max(age, 0):.1f} s after the form opened; "
                      f"take at least {cfg['REPORT_MIN_SECONDS']} s", param=TOKEN)
    if age > cfg["REPORT_FORM_MAX_AGE"]:
        raise Refused("the form has been open too long; open it again and send the report",
                      param=TOKEN)
