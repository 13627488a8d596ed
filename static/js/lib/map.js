/* Leaflet bits the map pages share (L: static/vendor/leaflet). Basemaps: lib/basemaps.js;
 * coordinate systems: lib/crs.js. */
import {debounce, el} from "./dom.js";

/* Keeps the map drawn over its whole container as the page around it grows and shrinks
   (Leaflet only measures on a window resize); after(), if given, runs once it has. */
export function keepSized(map, after) {
  if (!window.ResizeObserver) return;
  new ResizeObserver(debounce(() => {
    map.invalidateSize({pan: false});
    if (after) after();
  }, 100)).observe(map.getContainer());
}

/* LatLngBounds → the API's bbox "west,south,east,north", clamped, `digits` decimals (6). */
export function bbox(bounds, digits) {
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  return [clamp(bounds.getWest(), -180, 180), clamp(bounds.getSouth(), -90, 90),
          clamp(bounds.getEast(), -180, 180), clamp(bounds.getNorth(), -90, 90)]
    .map((v) => v.toFixed(digits === undefined ? 6 : digits)).join(",");
}

/* A tooltip of content(layer): a node, or a string placed as text (Leaflet would parse a
   string as HTML). */
export function textTooltip(layer, content, options) {
  return layer.bindTooltip((source) => {
    const made = content(source);
    return made instanceof Node ? made : el("span", {}, made == null ? "" : String(made));
  }, options);
}

/* A marker icon that is one <div class=className>, drawn by CSS. */
export function pinIcon(className, size) {
  return L.divIcon({className: "", html: el("div", {className}), iconSize: [size, size],
                    iconAnchor: [size / 2, size / 2]});
}
