"""The interface language: one choice per request, shared by templates, Python and the JS.

Order: ``?lang=`` (which also sets the cookie, so the 中文/English switch in every page's
header sticks), then the ``lang`` cookie, then ``Accept-Language``, else Chinese. Messages
are gettext catalogs (``app/translations``) with Chinese msgids: Chinese is the source
language, ``en`` the one translation. ``make i18n`` extracts and compiles them.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from flask import Flask, Response, has_request_context, request
from flask_babel import get_locale, pgettext

COOKIE = "lang"
DEFAULT = "zh_CN"
LOCALES = ("zh_CN", "en")
# What ?lang= and the cookie accept → the catalog's locale.
ALIASES = {"zh": "zh_CN", "zh_cn": "zh_CN", "zh-cn": "zh_CN", "en": "en"}


def N_(key: str, message: str) -> tuple[str, str]:  # noqa: N802 - gettext's marker name
    """A page's text ``(key, message)``, marked for extraction with the key as its context;
    ``texts`` translates it per request."""
    return key, message


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    for wanted in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if wanted and wanted.lower() in ALIASES:
            return ALIASES[wanted.lower()]
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    return "en" if best == "en" else DEFAULT


def lang() -> str:
    """``"en"`` or ``"zh"``: the short code pages give their script."""
    return "en" if str(get_locale()) == "en" else "zh"


def texts(table: Mapping[str, str]) -> dict[str, str]:
    """A page's ``key → message`` table in the request's language (the key is the context)."""
    return {key: pgettext(key, message) if message else message
            for key, message in table.items()}


def switch_url() -> str:
    """This page in the other language (the query string kept)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = ["zh" if lang() == "en" else "en"]
    return request.path + "?" + urlencode(args, doseq=True)


def _remember(response: Response) -> Response:
    if response.mimetype == "text/html":  # a page's language depends on these
        response.vary.update(("Cookie", "Accept-Language"))
    wanted = (request.args.get("lang") or "").lower()
    if wanted in ALIASES and request.cookies.get(COOKIE) != ALIASES[wanted]:
        response.set_cookie(COOKIE, ALIASES[wanted], max_age=365 * 86400, samesite="Lax",
                            httponly=True, secure=request.is_secure)
    return response


def init_app(app: Flask) -> None:
    """Babel with the selector, the template helpers and the cookie."""
    from app.extensions import babel

    babel.init_app(app, locale_selector=select_locale, default_locale=DEFAULT,
                   default_domain="messages")
    app.context_processor(_template_values)
    app.after_request(_remember)


def _template_values() -> dict[str, str]:
    if not has_request_context():
        return {"lang": "zh"}
    return {"lang": lang(), "lang_switch_url": switch_url()}
