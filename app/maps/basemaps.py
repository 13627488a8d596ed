"""The basemaps every map offers, from settings: the one list the switcher shows.

OpenStreetMap, Tianditu (vector + labels, needs ``TIANDITU_KEY``), Amap (drawn in
GCJ-02), an intranet tile server (``TILES_URL`` in ``TILES_CRS``) and "none". A basemap
whose settings are missing is left out. The pages' script (``static/js/lib/map.js``,
``useBasemaps``) builds the tile layers and the switcher from :func:`page_config`; when
the chosen basemap draws in GCJ-02 it switches the map's projection, so every overlay,
click and drawn shape stays in WGS-84 (docs/operations.md, "Basemaps").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

IDS = ("osm", "tianditu", "amap", "intranet", "none")
CRS = ("wgs84", "gcj02")  # the coordinate systems tiles may be drawn in

# Public tile services (subdomains fill {s}). Tianditu's labels are a second layer, in
# Chinese (cva) or English (eva); Amap's style 8 is its road map, lang zh_cn or en.
_TIANDITU = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
             "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
             "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}")
TEXTS = {"basemap": _l("底图"),
         "unavailable": _l("底图无法加载，只显示网格等矢量图层"),
         "prefix": "Leaflet"}  # the attribution's prefix: plain, no flag

_AMAP = ("https://webrd0{s}.is.autonavi.com/appmaptile?lang={lang}&size=1&scale=1&style=8"
         "&x={x}&y={y}&z={z}")


@dataclass(frozen=True)
class Basemap:
    """One choice of the switcher. ``url`` None: no tiles (vector layers only)."""

    id: str
    label: str
    url: str | None = None
    labels_url: str | None = None  # a second tile layer drawn above (Tianditu's names)
    subdomains: str = ""
    attribution: str = ""
    crs: str = "wgs84"
    max_zoom: int = 19

    def as_json(self) -> dict:
        return {"id": self.id, "label": str(self.label), "url": self.url,
                "labelsUrl": self.labels_url, "subdomains": self.subdomains,
                "attribution": self.attribution, "crs": self.crs, "maxZoom": self.max_zoom}


def offered(config: Mapping, lang: str = "zh") -> list[Basemap]:
    """The basemaps of ``BASEMAPS`` (in that order) that their settings allow, with the
    labels of tiles in ``lang`` ("zh" or "en") where the service has them."""
    made = {"osm": _osm, "tianditu": _tianditu, "amap": _amap, "intranet": _intranet,
            "none": _none}
    wanted = [name.strip() for name in str(config["BASEMAPS"]).split(",") if name.strip()]
    unknown = [name for name in wanted if name not in made]
    if unknown:
        raise ValueError(f"BASEMAPS: unknown {unknown}; choose from {IDS}")
    return [basemap for name in wanted if (basemap := made[name](config, lang))]


def default_id(config: Mapping, choices: list[Basemap]) -> str:
    """``BASEMAP_DEFAULT`` if it is offered, else the first offered."""
    ids = [b.id for b in choices]
    return config["BASEMAP_DEFAULT"] if config["BASEMAP_DEFAULT"] in ids else ids[0]


def page_config(config: Mapping, lang: str) -> dict:
    """What a map page embeds for ``useBasemaps``: the choices, the default and the
    switcher's texts, in ``lang``."""
    choices = offered(config, lang)
    return {"basemaps": [b.as_json() for b in choices],
            "default": default_id(config, choices),
            "texts": {key: str(text) for key, text in TEXTS.items()}}


def tile_origins(config: Mapping) -> list[str]:
    """Every origin a tile may come from, for the Content-Security-Policy's img-src:
    ``{s}`` expanded over the subdomains (a CSP wildcard covers only a whole label)."""
    origins: list[str] = []
    for basemap in offered(config):
        for url in filter(None, (basemap.url, basemap.labels_url)):
            for sub in basemap.subdomains or [""]:
                parts = urlsplit(url.replace("{s}", sub))
                origin = f"{parts.scheme}://{parts.netloc}"
                if parts.scheme and parts.netloc and origin not in origins:
                    origins.append(origin)
    return origins


def check(config: Mapping) -> None:
    """Refuse settings the maps cannot use (at start-up, with what to set)."""
    choices = offered(config)
    if not choices:
        raise ValueError("BASEMAPS offers nothing; list at least 'none'")
    if config["TILES_URL"] and config["TILES_CRS"] not in CRS:
        raise ValueError(f"TILES_CRS must be one of {CRS}")


def _osm(config: Mapping, lang: str) -> Basemap:
    return Basemap("osm", "OpenStreetMap", config["OSM_TILES_URL"],
                   attribution="&copy; OpenStreetMap contributors")


def _tianditu(config: Mapping, lang: str) -> Basemap | None:
    key = config["TIANDITU_KEY"]
    if not key:
        return None
    def layer(name: str) -> str:
        return _TIANDITU.replace("{layer}", name).replace("{key}", key)

    return Basemap("tianditu", _l("天地图"), layer("vec"),
                   labels_url=layer("eva" if lang == "en" else "cva"),
                   subdomains="01234567", attribution="&copy; 天地图 Tianditu", max_zoom=18)


def _amap(config: Mapping, lang: str) -> Basemap:
    url = _AMAP.replace("{lang}", "en" if lang == "en" else "zh_cn")
    return Basemap("amap", _l("高德地图"), url, subdomains="1234",
                   attribution="&copy; 高德地图 AutoNavi", crs="gcj02", max_zoom=18)


def _intranet(config: Mapping, lang: str) -> Basemap | None:
    if not config["TILES_URL"]:
        return None
    return Basemap("intranet", _l("内网底图"), config["TILES_URL"],
                   subdomains=config["TILES_SUBDOMAINS"],
                   attribution=config["TILES_ATTRIBUTION"], crs=config["TILES_CRS"])


def _none(config: Mapping, lang: str) -> Basemap:
    return Basemap("none", _l("无底图"))
