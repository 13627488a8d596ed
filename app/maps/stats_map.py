"""The caseload and coverage maps: an empty stage that ``static/js/statsmap.js`` fills.

With 10,000 grids a page that embeds them is 14–22 MB; this one carries none. The
builder lays out the layers and an empty legend, and hands them to the page's script
as ``window.gridmapStats``; the script adds the basemap switcher, fetches the grid
outlines of the view (quantised for the zoom), the numbers and their classes, the heat
points or the buildings, and draws them.
"""

from __future__ import annotations

import folium
from folium.elements import JSCSSMixin, MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

DEFAULT_LOCATION, DEFAULT_ZOOM = [35.0, 105.0], 4
KEEP_ASSETS = ("leaflet", "leaflet_css")  # the page brings Bootstrap; no jQuery needed
KINDS = ("caseload", "coverage")


class _Heat(JSCSSMixin, MacroElement):
    """An empty leaflet.heat layer (points come from the API for the view)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.heatLayer([], {radius: 14, blur: 16, minOpacity: 0.3,
                                                    maxZoom: 15});
        {% endmacro %}
    """)
    default_js = [("leaflet_heat", "leaflet-heat.js")]

    def __init__(self, name: str):
        super().__init__()
        self._name = "HeatLayer"
        self.layer_name = name


class _Legend(MacroElement):
    """A legend box in the map's corner; the script writes its classes."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomright"});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "stats-legend");
            div.id = "legend";
            div.setAttribute("role", "region");
            div.setAttribute("aria-label", {{ this.title|tojson }});
            var title = L.DomUtil.create("div", "stats-legend-title", div);
            title.textContent = {{ this.title|tojson }};
            L.DomUtil.create("div", "stats-legend-rows", div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, title: str):
        super().__init__()
        self._name = "Legend"
        self.title = title


class _Handles(MacroElement):
    _template = Template("""
        {% macro script(this, kwargs) %}
        window.gridmapStats = {
            map: {{ this._parent.get_name() }},
            {% for key, layer in this.layers.items() %}
            {{ key }}: {{ layer.get_name() }},
            {% endfor %}
            overlays: {{ this.overlays|tojson }}
        };
        {% endmacro %}
    """)

    def __init__(self, layers: dict, overlays: dict[str, str]):
        super().__init__()
        self._name = "StatsHandles"
        self.layers, self.overlays = layers, overlays


def build_stats_map(kind: str, bounds: list[list[float]] | None, *,
                    names: dict[str, str]) -> folium.Map:
    """The ``caseload`` or ``coverage`` map fitted to ``bounds`` ([[S, W], [N, E]]).

    Layers: ``grids`` (the choropleth), then for caseload ``heat`` (incidents of the
    period) and ``open`` (open incidents, clustered), for coverage ``buildings`` (shown
    from a zoom level on). ``names`` labels them and titles the legend (``legend``).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=True)
    m.options["maxZoom"] = 19  # Folium passes max_zoom only to its own tiles; there are none
    m.default_js = [a for a in m.default_js if a[0] in KEEP_ASSETS]
    m.default_css = [a for a in m.default_css if a[0] in KEEP_ASSETS]
    layers = {"grids": folium.FeatureGroup(name=names["grids"]).add_to(m)}
    if kind == "caseload":
        layers["heat"] = _Heat(names["heat"]).add_to(m)
        layers["open"] = MarkerCluster(name=names["open"], show=False, options={
            "showCoverageOnHover": False, "maxClusterRadius": 45, "chunkedLoading": True,
            "spiderfyOnMaxZoom": True}).add_to(m)
    else:
        layers["buildings"] = folium.FeatureGroup(name=names["buildings"]).add_to(m)
    # The layer switcher is made by the script: leaflet.heat is not a Folium layer.
    _Legend(names["legend"]).add_to(m)
    overlays = {key: names[key] for key in layers}
    _Handles(layers, overlays).add_to(m)
    if bounds:
        m.fit_bounds(bounds)
    else:
        m.location, m.options["zoom"] = DEFAULT_LOCATION, DEFAULT_ZOOM
    return m
