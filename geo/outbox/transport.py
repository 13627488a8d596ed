"""HTTP POST of a delivery (webhooks and the SMS gateway): a 2xx answer is success;
another status, a redirect (never followed) or no answer is a failure."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is a failed delivery
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, data: bytes, headers: dict[str, str]) -> Outcome:
    """POST ``data``; a 2xx answer is success, anything else (or no answer) a failure."""
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            return Outcome(200 <= response.status < 300, response.status)
    except urllib.error.HTTPError as exc:
        return Outcome(False, exc.code, f"HTTP {exc.code}")
    except (OSError, ValueError) as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}")
