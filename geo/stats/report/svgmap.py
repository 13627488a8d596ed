"""The report's caseload map: a choropleth drawn as plain SVG (WeasyPrint renders it in
the PDF; a browser shows the same image).

The outlines come from PostGIS as SVG path data (``store.shapes``); the colours are
classes of the values (``geo.stats.classes``, quantiles), so the map is the same picture
on paper as the caseload map's default. Longitudes are scaled by cos(latitude) so that the
city keeps its shape.
"""

from __future__ import annotations

import math
from html import escape

from sqlalchemy import Connection

from geo.stats.report import store

# ColorBrewer YlOrRd, 5 classes (the caseload map's palette for counts)
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA = "#eeeeee"
MAX_GRIDS = 3000  # more grids than this (a whole city): the map is drawn by community
WIDTH = 1000  # user units of the SVG's width


def level_for(grids: int) -> str:
    """Grids when there are at most ``MAX_GRIDS`` of them, else communities.

    >>> level_for(120), level_for(10_000)
    ('grid', 'community')
    """
    return "grid" if grids <= MAX_GRIDS else "community"


def breaks(values: list[float], k: int = len(PALETTE)) -> list[float]:
    """Upper bounds of ``k`` quantile classes of the values (fewer when values repeat).

    >>> breaks([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    [1, 3, 5, 7, 9]
    """
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return []
    out = []
    for i in range(1, k + 1):
        b = vals[min(len(vals) - 1, math.ceil(i * len(vals) / k) - 1)]
        if not out or b > out[-1]:
            out.append(b)
    return out


def colour(value: float | None, bounds: list[float]) -> str:
    """The fill of one value: the first class whose upper bound holds it."""
    if value is None or not bounds:
        return NO_DATA
    for i, b in enumerate(bounds):
        if value <= b:
            return PALETTE[i + len(PALETTE) - len(bounds)]
    return PALETTE[-1]


def choropleth(conn: Connection, values: dict[str, dict[str, float | None]], *,
               scope: list[int] | None, title: str, level: str | None = None) -> dict:
    """A map of numbers per grid or community: ``{"svg", "level", "breaks", "palette"}``;
    ``svg`` is None when the scope (community ids; None: all) has nothing to draw.

    ``values``: ``{"grid": {code: number}, "community": {code: number}}``; the level drawn
    is ``level``, else grids when the scope holds at most ``MAX_GRIDS``, else communities.
    """
    box, grids = store.extent(conn, scope=scope)
    if box is None:
        return {"svg": None, "level": None, "breaks": [], "palette": PALETTE}
    level = level or level_for(grids)
    x0, y0, x1, y1 = box
    kx = math.cos(math.radians((y0 + y1) / 2))
    w, h = max(x1 - x0, 1e-6) * kx, max(y1 - y0, 1e-6)
    tol = max(w, h) / 1500  # about a pixel at the printed size
    shapes = store.shapes(conn, level=level, scope=scope, tol=tol)
    level_values = values.get(level, {})
    bounds = breaks(list(level_values.values()))
    scale = WIDTH / w
    paths = [f'<path d="{escape(d)}" fill="{colour(level_values.get(code), bounds)}">'
             f'<title>{escape(code)}: {_text(level_values.get(code))}</title></path>'
             for code, d in shapes]
    height = round(h * scale)
    # ST_AsSVG's y is -latitude; translate the extent's corner to the origin, then scale.
    transform = f"scale({scale * kx:.6f},{scale:.6f}) translate({-x0:.6f},{y1:.6f})"
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
           f'width="{WIDTH}" height="{height}" role="img" aria-label="{escape(title)}">'
           f'<g transform="{transform}" stroke="#555" stroke-width="{0.6 / scale:.8f}" '
           f'stroke-linejoin="round">{"".join(paths)}</g></svg>')
    return {"svg": svg, "level": level, "breaks": bounds, "palette": PALETTE}


def _text(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def legend(bounds: list[float], palette: tuple[str, ...] = PALETTE,
           show=lambda v: f"{v:g}") -> list[tuple[str, str]]:
    """(label, colour) of each class: "≤ b" for the first, "a – b" for the others.

    >>> legend([2, 5])
    [('≤ 2', '#f03b20'), ('2 – 5', '#bd0026')]
    """
    out, low = [], None
    for i, b in enumerate(bounds):
        label = f"≤ {show(b)}" if low is None else f"{show(low)} – {show(b)}"
        out.append((label, palette[i + len(palette) - len(bounds)]))
        low = b
    return out


def indicator_map(conn: Connection, *, indicator: str, t0, t1, category: str | None,
                  scope: frozenset[int] | None, now, rule: str, title: str) -> str | None:
    """The SVG of one indicator per grid (per community for a large area) over ``[t0, t1)``,
    by ``geo.stats.evaluation``; None when the scope has nothing to draw."""
    from geo.stats import evaluation

    ids = None if scope is None else sorted(scope)
    _, grids = store.extent(conn, scope=ids)
    level = level_for(grids)
    rows = evaluation.evaluate(conn, level=level, t0=t0, t1=t1, category=category,
                               scope=scope, now=now, rule=rule)["rows"]
    values = {r["unit"]["code"]: r["indicators"][indicator]["value"] for r in rows}
    return choropleth(conn, {level: values}, scope=ids, title=title, level=level)["svg"]
