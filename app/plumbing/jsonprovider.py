"""JSON that refuses what JSON does not allow: NaN, Infinity and runaway nesting."""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 64


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON; send a finite number")


def _depth_ok(text: str | bytes, limit: int = MAX_DEPTH) -> bool:
    """True when brackets nest at most ``limit`` deep (cheap scan, strings ignored)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if text.count("[") + text.count("{") <= limit:  # too few brackets to nest that deep
        return True
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


class StrictJSONProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if not _depth_ok(s):
            raise ValueError(f"JSON nests deeper than {MAX_DEPTH} levels")
        kwargs.setdefault("parse_constant", _refuse_constant)
        return json.loads(s, **kwargs)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)
