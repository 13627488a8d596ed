"""The grid overview map: a community's current grids with code, name and workers."""

from __future__ import annotations

from html import escape

import folium
from flask_babel import lazy_gettext as _l
from folium.elements import MacroElement
from folium.template import Template
from shapely.geometry import shape

TOOLTIP_FIELDS = {"code": _l("网格编码"), "name": _l("网格名称"),
                  "community_name": _l("社区"), "households": _l("户数"),
                  "workers": _l("网格员")}


class _Handle(MacroElement):
    """Publishes the map to the page's script as ``window.gridmapGrids``."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        window.gridmapGrids = {map: {{ this._parent.get_name() }}};
        {% endmacro %}
    """)


def build_grid_map(collection: dict, workers: dict[str, list[dict]],
                   roles: dict[str, str]) -> folium.Map:
    """A map of ``collection`` (grid features) with one tooltip per grid.

    Every text shown is HTML-escaped here: Folium's tooltips insert property values as
    HTML, so a grid named ``<img src=x onerror=...>`` must arrive as ``&lt;img ...``.
    """
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False)
    m.options["maxZoom"] = 19  # Folium passes max_zoom only to its own tiles; there are none
    _Handle().add_to(m)  # the basemap switcher is added by static/js/pages/grid_map.js
    features = [_shown(f, workers.get(f["properties"]["code"], []), roles)
                for f in collection["features"]]
    if not features:  # Folium's tooltip refuses a layer without the fields it names
        m.location, m.options["zoom"] = [35.0, 105.0], 4
        return m
    layer = {"type": "FeatureCollection", "features": features}
    folium.GeoJson(
        layer, name="grids",
        style_function=lambda _: {"color": "#1f5fbf", "weight": 2, "fillOpacity": 0.12},
        highlight_function=lambda _: {"weight": 4, "fillOpacity": 0.3},
        tooltip=folium.GeoJsonTooltip(list(TOOLTIP_FIELDS), aliases=[
            str(alias) for alias in TOOLTIP_FIELDS.values()], sticky=True, max_width=360,
            style="white-space: normal;"),
    ).add_to(m)
    m.fit_bounds(_bounds(features))
    return m


def _shown(feature: dict, grid_workers: list[dict], roles: dict[str, str]) -> dict:
    props = feature["properties"]
    names = "、".join(f"{w['name']}（{roles.get(w['role'], w['role'])}）"
                     for w in grid_workers) or "—"
    shown = {key: escape(str(props.get(key) if props.get(key) is not None else "—"))
             for key in TOOLTIP_FIELDS if key != "workers"}
    shown["workers"] = escape(names)
    return {"type": "Feature", "id": feature["id"], "geometry": feature["geometry"],
            "properties": shown}


def _bounds(features: list[dict]) -> list[list[float]]:
    boxes = [shape(f["geometry"]).bounds for f in features]
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    return [[south, west], [north, east]]
