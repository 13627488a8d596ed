"""The message catalogs: every message the code and templates use is in the ``en`` catalog,
translated, with the same placeholders; the language is chosen in one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "lazy_gettext": None, "_l": None, "N_": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"\{(\w*)\}|%\((\w+)\)s")


def used_messages() -> dict[tuple[str | None, str], str]:
    """(context, msgid) → where, extracted from the source like ``make i18n`` does."""
    found = {}
    for filename, _line, message, _comments, context in extract_from_dir(
            str(APP), METHODS, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found[(context, msgid)] = filename
    return found


def catalog(lang: str):
    with open(APP / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def test_every_message_is_in_the_english_catalog_and_translated():
    en = catalog("en")
    used = used_messages()
    assert len(used) > 300  # the page texts are there at all
    missing = [f"{where}: {ctx or ''} {msgid!r}" for (ctx, msgid), where in used.items()
               if en.get(msgid, context=ctx) is None]
    assert missing == [], "not in app/translations/en (run make i18n):\n" + "\n".join(missing)
    untranslated = [f"{m.context or ''} {m.id!r}" for m in en if m.id and (
        not m.string or m.fuzzy)]
    assert untranslated == [], "untranslated in en:\n" + "\n".join(untranslated)


def test_translations_use_only_the_placeholders_they_are_given():
    """An English text may leave a value out, never name one the page does not fill."""
    wrong = [f"{m.context} {m.id!r} → {m.string!r}" for m in catalog("en")
             if m.id and not set(PLACEHOLDER.findall(m.string)) <= set(PLACEHOLDER.findall(m.id))]
    assert wrong == []


def test_the_check_catches_a_missing_message():
    """The first test fails on a message the catalog lacks (not just on an empty one)."""
    en = catalog("en")
    assert en.get("调度台", context="title") is not None
    assert en.get("这句话不在目录里", context="title") is None


@pytest.mark.parametrize(("query", "cookie", "accept", "expected"), [
    ("?lang=en", None, None, "en"), ("?lang=zh", "en", "en", "zh"),
    ("", "en", "zh-CN", "en"), ("", None, "en-GB,en;q=0.9", "en"),
    ("", None, "zh-CN,zh;q=0.9,en;q=0.5", "zh"), ("", None, "fr", "zh"), ("", None, None, "zh"),
    ("?lang=xx", None, "en", "en"),
])
def test_the_language_is_lang_then_cookie_then_accept_language(app, query, cookie, accept,
                                                              expected):
    from app.web import i18n

    headers = {"Accept-Language": accept} if accept else {}
    if cookie:
        headers["Cookie"] = f"{i18n.COOKIE}={cookie}"
    with app.test_request_context("/map" + query, headers=headers):
        assert i18n.lang() == expected


def test_lang_sets_the_cookie_and_every_page_shows_the_switch(client, town):
    page = client.get("/map?lang=en")
    assert "lang=en" in page.headers.get("Set-Cookie", "")
    assert {"Cookie", "Accept-Language"} <= set(page.headers["Vary"].replace(" ", "").split(","))
    html = page.get_data(as_text=True)
    assert 'id="lang-switch"' in html and ">中文</a>" in html
    # The cookie keeps English on the next page, whose switch leads back to Chinese.
    login = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in login and "lang=zh" in login
    assert 'id="lang-switch"' in client.get("/login?lang=zh").get_data(as_text=True)
