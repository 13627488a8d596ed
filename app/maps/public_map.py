"""The residents' public map: an empty stage the page's script fills from the API.

Only Leaflet is loaded (no Bootstrap, jQuery or icon fonts: the page must stay light on
a phone), and no grid or community is rendered into the page: the script fetches the
outlines of the view as the map moves. The builder lays out the layers and hands them to
that script as ``window.gridmapPublic``.
"""

from __future__ import annotations

import folium
from folium.elements import MacroElement
from folium.template import Template

from app.maps.dispatch_map import DEFAULT_LOCATION, DEFAULT_ZOOM, KEEP_ASSETS

START_ZOOM = 17  # a building opened from its QR code


class _Handles(MacroElement):
    """Publishes the map and its layers to the page's own script under one name."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        window.gridmapPublic = {
            map: {{ this._parent.get_name() }},
            communities: {{ this.communities.get_name() }},
            grids: {{ this.grids.get_name() }},
            place: {{ this.place.get_name() }}
        };
        {% endmacro %}
    """)

    def __init__(self, communities, grids, place):
        super().__init__()
        self._name = "PublicHandles"
        self.communities, self.grids, self.place = communities, grids, place


def build_public_map(bounds: list[list[float]] | None, start: dict | None) -> folium.Map:
    """The map fitted to ``bounds`` (``[[south, west], [north, east]]``), or centred on
    ``start`` (``{"lon", "lat"}``, a building) when given. The script adds the basemap."""
    m = folium.Map(tiles=None, control_scale=True, zoom_control=True)
    m.options["maxZoom"] = 19  # Folium passes max_zoom only to its own tiles; there are none
    m.default_js = [a for a in m.default_js if a[0] in KEEP_ASSETS]
    m.default_css = [a for a in m.default_css if a[0] in KEEP_ASSETS]
    communities = folium.FeatureGroup(name="communities", control=False).add_to(m)
    grids = folium.FeatureGroup(name="grids", control=False).add_to(m)
    place = folium.FeatureGroup(name="place", control=False).add_to(m)
    _Handles(communities, grids, place).add_to(m)
    if start:
        m.location, m.options["zoom"] = [start["lat"], start["lon"]], START_ZOOM
    elif bounds:
        m.fit_bounds(bounds)
    else:
        m.location, m.options["zoom"] = DEFAULT_LOCATION, DEFAULT_ZOOM
    return m
