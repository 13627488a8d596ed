/* Leaflet bits the map pages share (L: static/vendor/leaflet), and the GCJ-02/BD-09 shift
 * through one maintained implementation: gcoord (npm, vendored), loaded on first use. */
import {el} from "./dom.js";

const GCOORD = new URL("../../vendor/gcoord/gcoord.esm-browser.prod.js", import.meta.url).href;
const CRS = {wgs84: "WGS84", cgcs2000: "WGS84", gcj02: "GCJ02", bd09: "BD09"};  // crs= → gcoord
let gcoord = null;

/* [lon, lat] from one crs= to another (CGCS2000 is WGS-84 at this scale; outside China
   there is no shift). */
export async function shift(lon, lat, from, to) {
  const a = CRS[from] || "WGS84";
  const b = CRS[to] || "WGS84";
  if (a === b) return [lon, lat];
  if (!gcoord) gcoord = (await import(GCOORD)).default;
  return gcoord.transform([Number(lon), Number(lat)], gcoord[a], gcoord[b]);
}

export const toWgs84 = (lon, lat, crs) => shift(lon, lat, crs, "wgs84");

export function basemap(map, url, attribution) {
  return url ? L.tileLayer(url, {attribution, maxZoom: 19}).addTo(map) : null;
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
