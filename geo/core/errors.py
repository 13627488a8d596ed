"""The errors ``geo`` raises. ``app.errors`` maps each class to one HTTP status."""

from __future__ import annotations

from typing import Any


class GridmapError(Exception):
    """Base class: ``str(err)`` is a message fit to show the user."""

    code = "error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(GridmapError, ValueError):
    """A value the caller sent is wrong; ``param`` names it when there is one."""

    code = "invalid_input"

    def __init__(self, message: str, *, param: str | None = None, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.param = param


class InvalidFile(InvalidInput):
    """A file cannot be read as the layer it claims to be."""

    code = "invalid_file"


class NotFound(GridmapError):
    code = "not_found"


class Conflict(GridmapError):
    code = "conflict"


class Forbidden(GridmapError):
    """The caller may not do this to this thing (e.g. outside their communities)."""

    code = "forbidden"


class IllegalTransition(Conflict):
    """A workflow action not allowed in the incident's status; details list the allowed."""

    code = "illegal_transition"


class TooLarge(InvalidInput):
    """A file or value bigger than the documented limit (HTTP 413)."""

    code = "too_large"


class UnsupportedType(InvalidInput):
    """A file of a type this input does not take (HTTP 415)."""

    code = "unsupported_media_type"


class PreconditionFailed(GridmapError):
    """A write named a version (If-Match) that is no longer the current one."""

    code = "stale_version"


class PreconditionRequired(GridmapError):
    """A write to a versioned thing came without the version it was based on (If-Match)."""

    code = "if_match_required"
