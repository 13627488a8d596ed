"""Input no route may receive: a NUL byte, refused with a 400 in one place for every route.

PostgreSQL text cannot hold NUL (``\\x00``): a value carrying one that reached a query
failed there as a 500, and a NUL in a logged path or name could cut what a log reader
shows. The path and the query string are checked before any view runs; form fields and
JSON bodies when they are first read (a form is parsed only by the view that wants it,
after the view has set its own upload limit, so it is not parsed here ahead of time).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, Request, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from geo.core.errors import InvalidInput

NUL = "\x00"


def _refused(where: str) -> InvalidInput:
    return InvalidInput(f"a NUL byte (%00) is not allowed in the {where}")


def _texts(value: Any) -> Iterator[str]:
    """Every string in a decoded JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _has_nul(values: Iterable[str | None]) -> bool:
    """Whether a text holds a NUL (a form part may come without a name: None)."""
    return any(isinstance(value, str) and NUL in value for value in values)


def _fields(values: MultiDict) -> Iterator[str]:
    """Every name and every value (each of a repeated one) of a query or form."""
    for name, value in values.items(multi=True):
        yield name
        yield value


class CheckedRequest(Request):
    """Flask's request whose form and JSON body refuse a NUL byte when read."""

    def _load_form_data(self) -> None:
        loaded = "form" in self.__dict__
        super()._load_form_data()
        if not loaded and _has_nul(_fields(self.form)):
            # Nothing later (an error handler, the CSRF check) may read the values.
            self.__dict__["form"] = ImmutableMultiDict()
            raise _refused("form")

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        value = super().get_json(force=force, silent=silent, cache=cache)
        # A NUL can only be in the decoded value if the body holds one (or its escape):
        # a plan's many coordinates are not walked unless it does.
        raw = self.get_data(cache=True)
        if (b"\\u0000" in raw or b"\x00" in raw) and _has_nul(_texts(value)):
            raise _refused("JSON body")
        return value


def _check_path_and_query() -> None:
    if NUL in request.path:
        raise _refused("path")
    if _has_nul(_fields(request.args)):
        raise _refused("query")


def init_app(app: Flask) -> None:
    app.request_class = CheckedRequest
    app.before_request(_check_path_and_query)
