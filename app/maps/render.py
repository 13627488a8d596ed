"""Turn a ``folium.Map`` into page parts that work offline and under our CSP.

Folium points at CDNs; every asset is swapped for its copy in ``static/vendor/`` (an
asset we have no copy of is an error, so a new plugin cannot silently reach the
internet). Every inline ``<script>``/``<style>`` gets the request's CSP nonce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import folium
from markupsafe import Markup

# folium asset name → file under static/vendor/ (None: not needed, left out).
LOCAL_ASSETS = {
    "leaflet": "leaflet/leaflet.js",
    "jquery": "jquery/jquery.min.js",
    "bootstrap": "bootstrap/bootstrap.bundle.min.js",
    "awesome_markers": "awesome-markers/leaflet.awesome-markers.min.js",
    "leaflet_css": "leaflet/leaflet.css",
    "bootstrap_css": "bootstrap/bootstrap.min.css",
    "glyphicons_css": None,
    "awesome_markers_font_css": "fontawesome/css/all.min.css",
    "awesome_markers_css": "awesome-markers/leaflet.awesome-markers.css",
    "awesome_rotate_css": None,
    "markerclusterjs": "markercluster/leaflet.markercluster.js",
    "markerclustercss": "markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "markercluster/MarkerCluster.Default.css",
    "leaflet_heat": "leaflet-heat/leaflet-heat.js",
}
_INLINE = re.compile(r"<(script|style)(?=[\s>])")


@dataclass(frozen=True)
class MapParts:
    """What a page template places: in <head>, in <body>, and the script after it."""

    header: Markup
    html: Markup
    script: Markup


def localise(element: folium.Element, static_url) -> None:
    """Point the assets of ``element`` and its children at ``static_url(path)``."""
    for attr in ("default_js", "default_css"):
        assets = getattr(element, attr, None)
        if assets:
            setattr(element, attr, [(name, static_url(_local(name))) for name, _ in assets
                                    if LOCAL_ASSETS.get(name, "") is not None])
    for child in element._children.values():
        localise(child, static_url)


def _local(name: str) -> str:
    path = LOCAL_ASSETS.get(name)
    if not path:
        raise ValueError(f"no local copy of map asset {name!r}; add it to static/vendor")
    return "vendor/" + path


def render(m: folium.Map, nonce: str, static_url) -> MapParts:
    localise(m, static_url)
    root = m.get_root()
    root.render()

    def tagged(part: str) -> Markup:
        return Markup(_INLINE.sub(rf'<\1 nonce="{nonce}"', part))

    return MapParts(tagged(root.header.render()), tagged(root.html.render()),
                    tagged(root.script.render()))
