"""The patrol coverage map (``/patrols``): an empty stage that ``static/js/pages/patrols.js``
fills with the grids of the coverage answer, coloured by days since last walked."""

from __future__ import annotations

import folium
from folium.elements import MacroElement
from folium.template import Template

DEFAULT_LOCATION, DEFAULT_ZOOM = [35.0, 105.0], 4
KEEP_ASSETS = ("leaflet", "leaflet_css")  # the page brings Bootstrap; no jQuery needed


class _Handles(MacroElement):
    """Publishes the map and its grids layer to the page's script as
    ``window.gridmapPatrols``."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        window.gridmapPatrols = {map: {{ this._parent.get_name() }},
                                 grids: {{ this.grids.get_name() }}};
        {% endmacro %}
    """)

    def __init__(self, grids: folium.FeatureGroup):
        super().__init__()
        self._name = "PatrolHandles"
        self.grids = grids


def build_patrol_map(bounds: list[list[float]] | None, grids_name: str) -> folium.Map:
    """The map fitted to ``bounds`` ([[S, W], [N, E]]) with an empty ``grids`` layer."""
    m = folium.Map(tiles=None, control_scale=True)
    m.options["maxZoom"] = 19  # Folium passes max_zoom only to its own tiles; there are none
    m.default_js = [a for a in m.default_js if a[0] in KEEP_ASSETS]
    m.default_css = [a for a in m.default_css if a[0] in KEEP_ASSETS]
    grids = folium.FeatureGroup(name=grids_name).add_to(m)
    _Handles(grids).add_to(m)
    if bounds:
        m.fit_bounds(bounds)
    else:
        m.location, m.options["zoom"] = DEFAULT_LOCATION, DEFAULT_ZOOM
    return m
