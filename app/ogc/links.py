"""Formats and links of the OGC API: which representation a client asked for, and absolute
links to every resource (correct behind a proxy when ``PROXY_FIX_HOPS`` is set, since
``request`` then carries the forwarded scheme, host, port and prefix)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request, url_for

from geo.core.errors import InvalidInput

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
FORMATS = ("json", "html")


def wants_html() -> bool:
    """``f=json|html`` decides; else the Accept header (JSON unless HTML is preferred)."""
    chosen = request.args.get("f")
    if chosen:
        if chosen not in FORMATS:
            raise InvalidInput(f"parameter 'f' must be json or html, got {chosen[:20]!r}",
                               param="f")
        return chosen == "html"
    best = request.accept_mimetypes.best_match([JSON, GEOJSON, HTML], default=JSON)
    return best == HTML


def url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def this_url(**changes) -> str:
    """This request's absolute URL with some query parameters changed (None drops one)."""
    args = request.args.to_dict(flat=True)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    query = urlencode(args)
    return request.base_url + (f"?{query}" if query else "")


def link(href: str, rel: str, type_: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def self_and_alternate(json_type: str = JSON) -> list[dict]:
    """``self`` in the format being answered and ``alternate`` in the other one."""
    html = wants_html()
    as_json = link(this_url(f="json"), "alternate" if html else "self", json_type,
                   "JSON 数据 This document as JSON")
    as_html = link(this_url(f="html"), "self" if html else "alternate", HTML,
                   "网页 This document as HTML")
    return [as_html, as_json] if html else [as_json, as_html]
