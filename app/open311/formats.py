"""JSON and XML renderings of Open311 answers, and its error format
(``[{"code": 400, "description": "…"}]``, ``<errors><error>…``)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from flask import Response

from geo.core.errors import NotFound

FORMATS = ("json", "xml")
# XML element of each item of a list-valued field
ITEM_TAGS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
             "formats": "format"}


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound(f"unknown format {fmt[:10]!r}: end the path in .json or .xml")
    return fmt


def render(fmt: str, root: str, item: str | None, data, status: int = 200) -> Response:
    """``data`` (a list of dicts under ``root``/``item``, or one dict as ``root``)."""
    if fmt == "json":
        return Response(json.dumps(data, ensure_ascii=False), status=status,
                        mimetype="application/json")
    top = ET.Element(root)
    for entry in data if item else [data]:
        _fill(ET.SubElement(top, item) if item else top, entry)
    body = ET.tostring(top, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body, status=status,
                    mimetype="text/xml")


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _add(element, key, child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def _add(parent: ET.Element, key: str, value) -> None:
    if isinstance(value, list):
        holder = ET.SubElement(parent, key)
        for entry in value:
            _fill(ET.SubElement(holder, ITEM_TAGS.get(key, "item")), entry)
    else:
        _fill(ET.SubElement(parent, key), value)


def errors(fmt: str, status: int, description: str) -> Response:
    return render(fmt if fmt in FORMATS else "json", "errors", "error",
                  [{"code": status, "description": description}], status)
