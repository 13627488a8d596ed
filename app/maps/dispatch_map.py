"""The dispatcher console's map: an empty stage the page's script fills from the API.

Nothing about incidents or grids is rendered into the page: with a million incidents in
the database the console's first load must stay small, so ``static/js/dispatch.js``
fetches the open incidents of the current view (clustered here) and, once zoomed in far
enough, the grid boundaries of the view. This builder only lays out the layers and hands
them to that script as ``window.gridmapDispatch``.
"""

from __future__ import annotations

import folium
from folium.elements import MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

DEFAULT_LOCATION, DEFAULT_ZOOM = [35.0, 105.0], 4  # all of China, when no extent is known
# Only Leaflet itself: the page brings Bootstrap, and needs neither jQuery nor the
# awesome-markers icons that folium.Map asks for by default (about 400 kB saved).
KEEP_ASSETS = ("leaflet", "leaflet_css")


class _Handles(MacroElement):
    """Publishes the map and its layers to the page's own script under one name."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        window.gridmapDispatch = {
            map: {{ this._parent.get_name() }},
            grids: {{ this.grids.get_name() }},
            incidents: {{ this.incidents.get_name() }},
            located: {{ this.located.get_name() }}
        };
        {% endmacro %}
    """)

    def __init__(self, grids, incidents, located):
        super().__init__()
        self._name = "DispatchHandles"
        self.grids, self.incidents, self.located = grids, incidents, located


def build_dispatch_map(bounds: list[list[float]] | None, *, names: dict[str, str]) -> folium.Map:
    """The console map fitted to ``bounds`` (``[[south, west], [north, east]]``), with no
    basemap: the page's script adds the switcher (``static/js/lib/basemaps.js``).

    ``names`` labels the layers in the layer switcher (keys ``grids``, ``incidents``).
    """
    m = folium.Map(tiles=None, control_scale=True, zoom_control=True)
    m.options["maxZoom"] = 19  # Folium passes max_zoom only to its own tiles; there are none
    m.default_js = [a for a in m.default_js if a[0] in KEEP_ASSETS]
    m.default_css = [a for a in m.default_css if a[0] in KEEP_ASSETS]
    grids = folium.FeatureGroup(name=names["grids"]).add_to(m)
    incidents = MarkerCluster(name=names["incidents"], options={
        "showCoverageOnHover": False, "maxClusterRadius": 45, "chunkedLoading": True,
        "spiderfyOnMaxZoom": True}).add_to(m)
    located = folium.FeatureGroup(name="located", control=False).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    _Handles(grids, incidents, located).add_to(m)
    if bounds:
        m.fit_bounds(bounds)
    else:
        m.location, m.options["zoom"] = DEFAULT_LOCATION, DEFAULT_ZOOM
    return m
