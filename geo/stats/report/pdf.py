"""The monthly report as a PDF: an HTML template (Jinja2, ``templates/monthly.html``)
rendered by WeasyPrint, with the Noto Sans CJK font embedded (a subset of the glyphs used;
Debian's fonts-noto-cjk, installed by ``scripts/ensure-report-tools.sh``) and the caseload
map as an SVG image.
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["show"] = show
    return env


def show(value, kind: str) -> str:
    """A number as the report prints it: rates as per cent with one decimal, hours with one
    decimal, counts as integers; no value as an en dash.

    >>> show(0.9375, "rate"), show(None, "rate"), show(12.345, "hours"), show(7, "count")
    ('93.8%', '–', '12.3', '7')
    """
    if value is None:
        return "–"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value:.1f}"
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def render_html(report: dict) -> str:
    """The report's HTML (what WeasyPrint prints; also useful to look at in a browser)."""
    svg = report["map"]["svg"]
    src = ("data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
           if svg else None)
    return _env().get_template("monthly.html").render(r=report, map_src=src)


def build_pdf(report: dict) -> bytes:
    """The PDF of a monthly report (``geo.stats.report.monthly.gather``'s dict)."""
    from weasyprint import HTML  # imported here: it loads pango, which only reports need

    return HTML(string=render_html(report), base_url=str(TEMPLATES)).write_pdf()
