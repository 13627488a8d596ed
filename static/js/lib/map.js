/* Leaflet bits the map pages share (Leaflet is the global L from static/vendor/), and the
 * GCJ-02/BD-09 shift through one maintained implementation (gcoord, vendored from npm and
 * loaded only when a page asks for a shift). */
import {el} from "./dom.js";

const GCOORD = new URL("../../vendor/gcoord/gcoord.esm-browser.prod.js", import.meta.url).href;
// The names of our crs= parameter (the API's) in gcoord's terms.
const CRS = {wgs84: "WGS84", cgcs2000: "WGS84", gcj02: "GCJ02", bd09: "BD09"};
let gcoord = null;

/* [lon, lat] in `from` → [lon, lat] in `to` (wgs84, cgcs2000, gcj02 or bd09; CGCS2000 is
   WGS-84 at this scale). Outside China both shifts are nil, as gcoord knows. */
export async function shift(lon, lat, from, to) {
  const a = CRS[from] || "WGS84";
  const b = CRS[to] || "WGS84";
  if (a === b) return [lon, lat];
  if (!gcoord) gcoord = (await import(GCOORD)).default;
  return gcoord.transform([Number(lon), Number(lat)], gcoord[a], gcoord[b]);
}

/* [lon, lat] given in crs → WGS-84. */
export function toWgs84(lon, lat, crs) { return shift(lon, lat, crs, "wgs84"); }

/* The basemap's tile layer on map, if a tile URL is configured. */
export function basemap(map, url, attribution) {
  if (!url) return null;
  return L.tileLayer(url, {attribution: attribution, maxZoom: 19}).addTo(map);
}

/* A Leaflet LatLngBounds as the API's bbox parameter: "west,south,east,north", clamped to
   the world, `digits` decimals (6). */
export function bbox(bounds, digits) {
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  return [clamp(bounds.getWest(), -180, 180), clamp(bounds.getSouth(), -90, 90),
          clamp(bounds.getEast(), -180, 180), clamp(bounds.getNorth(), -90, 90)]
    .map((v) => v.toFixed(digits === undefined ? 6 : digits)).join(",");
}

/* Bind a tooltip made by content(layer) → a DOM node, or a string placed as text. Leaflet
   parses a string tooltip as HTML; a node it only appends. */
export function textTooltip(layer, content, options) {
  return layer.bindTooltip((source) => {
    const made = content(source);
    return made instanceof Node ? made : el("span", {}, made === null || made === undefined
      ? "" : String(made));
  }, options);
}

/* A marker icon that is one styled <div> (a pin drawn by CSS). */
export function pinIcon(className, size, options) {
  return L.divIcon(Object.assign({className: "", html: el("div", {className}),
                                  iconSize: [size, size],
                                  iconAnchor: [size / 2, size / 2]}, options || {}));
}
