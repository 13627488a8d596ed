"""marshmallow fields and base schemas of the API: one declaration per parameter.

Each field both documents a parameter (its OpenAPI type, range, enum, pattern) and checks
it, by calling the rule of :mod:`geo.core.params` (or :mod:`geo.core.crs`), so that a rule
is written once, in ``geo``. A rule's :class:`~geo.core.errors.InvalidInput` becomes a
marshmallow ``ValidationError`` with the same message; ``app.errors`` answers it as the
400 ``{"error": {code, message, details: {param}}}`` the rule has always produced.

Limits that are settings (``API_PAGE_LIMIT_MAX`` ...) are named by their setting: checked
against the running app's value, documented with the default's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import marshmallow as ma
from flask import current_app
from marshmallow import fields

from app.config import Defaults
from geo.core import crs as geocrs
from geo.core import params
from geo.core.errors import InvalidInput

Setting = int | float | str | None


def setting(value: Setting, *, live: bool = True):
    """A number, or the name of a setting (its value in the app, or its default)."""
    if not isinstance(value, str):
        return value
    return current_app.config[value] if live else getattr(Defaults, value)


def rule_error(err: InvalidInput, name: str | None = None) -> ma.ValidationError:
    return ma.ValidationError(err.message, field_name=err.param or name or "_schema")


class Rule:
    """Mixin: ``_deserialize`` runs ``self.rule({name: raw}, name)`` from ``geo.core.params``."""

    def rule(self, args: Mapping[str, str], name: str):
        raise NotImplementedError

    def _deserialize(self, value, attr, data, **kwargs):
        name = self.data_key or attr
        raw = value if isinstance(value, str) else str(value)
        try:
            return self.rule({name: raw}, name)
        except InvalidInput as err:
            raise ma.ValidationError(err.message) from None


def empty_value(converter, field, **kwargs) -> dict:
    """apispec parameter attribute: an optional parameter checked by a rule of
    ``geo.core.params`` takes an empty value as not given (``lon=&at=`` from a form), which
    the document says with ``allowEmptyValue``."""
    if isinstance(field, Rule) and not field.required:
        return {"allowEmptyValue": True}
    return {}


def _meta(description: str, **extra) -> dict:
    return {"description": description, **{k: v for k, v in extra.items() if v is not None}}


class Integer(Rule, fields.Integer):
    """A whole number in ``minimum..maximum`` (``params.integer``); empty means the default."""

    def __init__(self, description: str, *, minimum: int = 0, maximum: Setting = None,
                 default: Setting = None, required: bool = False, fill: bool = True,
                 **kwargs) -> None:
        self.minimum, self.maximum, self.default = minimum, maximum, default
        if default is not None and fill:  # else absent stays absent
            kwargs["load_default"] = lambda: setting(default)
        super().__init__(required=required, metadata=_meta(
            description, minimum=minimum, maximum=setting(maximum, live=False),
            default=setting(default, live=False)), **kwargs)

    def rule(self, args, name):
        default = setting(self.default)
        value = params.integer(args, name, default=-1 if default is None else default,
                               minimum=self.minimum, maximum=setting(self.maximum))
        if value == -1 and default is None:
            raise InvalidInput(f"missing parameter '{name}'", param=name)
        return value


class Number(Rule, fields.Float):
    """A finite number (``params.number``), optionally in ``minimum..maximum``."""

    def __init__(self, description: str, *, minimum: float | None = None,
                 maximum: float | None = None, unit: str = "", default: Setting = None,
                 **kwargs) -> None:
        self.minimum, self.maximum, self.unit, self.default = minimum, maximum, unit, default
        if default is not None:
            kwargs["load_default"] = lambda: setting(default)
        super().__init__(metadata=_meta(description, minimum=minimum, maximum=maximum,
                                        default=setting(default, live=False)), **kwargs)

    def rule(self, args, name):
        value = params.number(args, name, required=self.default is None,
                              default=setting(self.default))
        if self.minimum is not None and not self.minimum <= value <= self.maximum:
            raise InvalidInput(f"parameter '{name}' must be {self.minimum:g}.."
                               f"{self.maximum:g}{self.unit}", param=name)
        return value


class Date(Rule, fields.Date):
    """A date ``YYYY-MM-DD`` (``params.date``)."""

    def __init__(self, description: str, **kwargs) -> None:
        super().__init__(metadata=_meta(description), **kwargs)

    def rule(self, args, name):
        return params.date(args, name)


class Code(Rule, fields.String):
    """A code of ``digits`` digits (``params.code``)."""

    def __init__(self, description: str, digits: int, **kwargs) -> None:
        self.digits = digits
        super().__init__(metadata=_meta(description, pattern=f"^[0-9]{{{digits}}}$"),
                         **kwargs)

    def rule(self, args, name):
        return params.code(args, name, self.digits)


class Choice(Rule, fields.String):
    """One of ``allowed`` (``params.choice``)."""

    def __init__(self, description: str, allowed, **kwargs) -> None:
        self.allowed = tuple(allowed)
        super().__init__(metadata=_meta(description, enum=list(self.allowed)), **kwargs)

    def rule(self, args, name):
        return params.choice(args, name, self.allowed)


class Text(Rule, fields.String):
    """Printable text of at most ``max_length`` characters (``params.short_text``)."""

    def __init__(self, description: str, max_length: int = 100, **kwargs) -> None:
        self.max_length = max_length
        super().__init__(metadata=_meta(description, maxLength=max_length), **kwargs)

    def rule(self, args, name):
        return params.short_text(args, name, self.max_length)


class Bbox(Rule, fields.String):
    """``minLon,minLat,maxLon,maxLat`` in WGS-84 degrees (``params.bbox``)."""

    NUMBER = r"\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*"

    def __init__(self, description: str = "minLon,minLat,maxLon,maxLat in WGS-84 degrees",
                 **kwargs) -> None:
        super().__init__(metadata=_meta(description, example="116.38,39.89,116.42,39.93",
                                        pattern=f"^{self.NUMBER}(,{self.NUMBER}){{3}}$"),
                         **kwargs)

    def rule(self, args, name):
        return params.bbox(args, required=self.required)


class Crs(Rule, fields.String):
    """A coordinate system name (``geo.core.crs.parse_crs``): wgs84, cgcs2000, gcj02, bd09."""

    def __init__(self, description: str = "coordinate system of the coordinates sent "
                 "(default wgs84)", names=geocrs.CRS_NAMES, **kwargs) -> None:
        self.names = tuple(names)
        super().__init__(metadata=_meta(description, enum=list(self.names)), **kwargs)

    def rule(self, args, name):
        value = geocrs.parse_crs(args.get(name))
        if value not in self.names:
            raise InvalidInput(f"parameter '{name}' must be one of {', '.join(self.names)}",
                               param=name)
        return value


class Flag(Rule, fields.Boolean):
    """``true``/``1`` or ``false``/``0`` (empty: false)."""

    def __init__(self, description: str, **kwargs) -> None:
        super().__init__(metadata=_meta(description), **kwargs)

    def rule(self, args, name):
        raw = args.get(name)
        if raw in ("", "false", "0"):
            return False
        if raw in ("true", "1"):
            return True
        raise InvalidInput(f"parameter '{name}' must be true or false", param=name)


class Checked(Rule, fields.String):
    """Text checked by a rule of ``geo`` that takes the raw value, e.g. ``geocode.normalize``."""

    def __init__(self, description: str, check: Callable[[str], object], **kwargs) -> None:
        self.check = check
        meta = {k: kwargs.pop(k) for k in ("maxLength", "minLength", "pattern", "enum")
                if k in kwargs}
        super().__init__(metadata=_meta(description, **meta), **kwargs)

    def rule(self, args, name):
        return self.check(args[name])


class Strict(ma.Schema):
    """Base of request schemas: unknown names are refused (400), naming those accepted."""

    class Meta:
        unknown = ma.RAISE

    def _names(self) -> list[str]:
        return [f.data_key or name for name, f in self.load_fields.items()]


class Query(Strict):
    """Query parameters; ``params.check_known`` runs first, as it always has."""

    @ma.pre_load
    def _known(self, data, **kwargs):
        try:
            params.check_known(data, self._names())
        except InvalidInput as err:
            raise rule_error(err) from None
        return data


class NoQuery(Query):
    """A route that takes no query parameter."""


class Body(Strict):
    """A JSON object; unknown fields refused first (``params.check_fields``)."""

    @ma.pre_load
    def _known(self, data, **kwargs):
        if not isinstance(data, dict):
            raise ma.ValidationError("send a JSON object (Content-Type: application/json) "
                                     f"with {', '.join(self._names())}", field_name="_schema")
        try:
            params.check_fields(data, self._names())
        except InvalidInput as err:
            raise rule_error(err) from None
        return data


class Loose(ma.Schema):
    """Base of response schemas: the documented top-level fields; others may follow."""

    class Meta:
        unknown = ma.INCLUDE


def loose(schema_name: str, /, **declared: fields.Field) -> type[Loose]:
    """A response schema named ``schema_name`` with the fields ``declared``."""
    return type(schema_name, (Loose,), dict(declared))


def raw(description: str = "", nullable: bool = True, required: bool = False,
        data_key: str | None = None, **kwargs) -> fields.Raw:
    """A field passed on as sent, documented with its JSON ``type`` and constraints: the
    rule of ``geo`` it goes to checks it (one place), with the messages it has always had."""
    return fields.Raw(allow_none=nullable, required=required, data_key=data_key,
                      metadata=_meta(description, **kwargs))


class Paging(Query):
    """``limit`` and ``offset`` of a listing."""

    limit = Integer("page size (default API_PAGE_LIMIT_DEFAULT, at most API_PAGE_LIMIT_MAX)",
                    minimum=1, maximum="API_PAGE_LIMIT_MAX", default="API_PAGE_LIMIT_DEFAULT")
    # PostgreSQL's OFFSET is a bigint; far below that, a page is empty anyway.
    offset = Integer("rows to skip", minimum=0, maximum=2**31 - 1, default=0)


class LonLat(Query):
    """``lon`` and ``lat`` in degrees (``params.point``: ranges, a swapped pair named)."""

    lon = Number("longitude, degrees", required=True)
    lat = Number("latitude, degrees", required=True)

    @ma.validates_schema
    def _on_earth(self, data, **kwargs):
        try:
            params.point(data["lon"], data["lat"], current_app.config["SERVICE_AREA"])
        except InvalidInput as err:
            raise rule_error(err) from None


FeatureCollection = loose(
    "FeatureCollection", type=fields.String(required=True, metadata={
        "enum": ["FeatureCollection"]}),
    features=fields.List(fields.Dict(), required=True),
    numberMatched=fields.Integer(), numberReturned=fields.Integer())
Feature = loose("Feature", type=fields.String(required=True, metadata={"enum": ["Feature"]}),
                geometry=raw("GeoJSON geometry"), properties=raw("properties"))
AnyObject = loose("AnyObject")
