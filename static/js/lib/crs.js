/* Coordinate systems on the map pages, through one maintained implementation of the
 * GCJ-02/BD-09 shifts: gcoord (npm, vendored), loaded on first use. Everything the pages
 * send and receive is WGS-84; GCJ-02 appears only as the projection of a map whose
 * basemap is drawn in it (leafletCrs), and as input typed in another system (toWgs84). */

const GCOORD = new URL("../../vendor/gcoord/gcoord.esm-browser.prod.js", import.meta.url).href;
const NAMES = {wgs84: "WGS84", cgcs2000: "WGS84", gcj02: "GCJ02", bd09: "BD09"};  // crs= → gcoord
let gcoord = null;
let gcj02Crs = null;

async function load() {
  if (!gcoord) gcoord = (await import(GCOORD)).default;
  return gcoord;
}

/* [lon, lat] from one crs= to another (CGCS2000 is WGS-84 at this scale; outside China
   there is no shift). */
export async function shift(lon, lat, from, to) {
  const a = NAMES[from] || "WGS84";
  const b = NAMES[to] || "WGS84";
  if (a === b) return [lon, lat];
  const g = await load();
  return g.transform([Number(lon), Number(lat)], g[a], g[b]);
}

export const toWgs84 = (lon, lat, crs) => shift(lon, lat, crs, "wgs84");

/* The Leaflet CRS of a map whose tiles are drawn in `crs` ("wgs84" or "gcj02").
 * For GCJ-02 it is Web Mercator over shifted coordinates: layers given in WGS-84 are
 * drawn where the GCJ-02 tiles show the place, and every position read back from the map
 * (a click, a drag, a drawn shape, the view's bounds) is WGS-84 again. */
export async function leafletCrs(crs) {
  if (crs !== "gcj02") return L.CRS.EPSG3857;
  if (gcj02Crs) return gcj02Crs;
  const g = await load();
  const mercator = L.Projection.SphericalMercator;
  const convert = (latlng, from, to) => {
    if (!Number.isFinite(latlng.lat) || !Number.isFinite(latlng.lng)) return latlng;
    const [lng, lat] = g.transform([latlng.lng, latlng.lat], from, to);
    return L.latLng(lat, lng);
  };
  const projection = {
    bounds: mercator.bounds,
    project: (latlng) => mercator.project(convert(latlng, g.WGS84, g.GCJ02)),
    unproject: (point) => convert(mercator.unproject(point), g.GCJ02, g.WGS84),
  };
  gcj02Crs = L.extend({}, L.CRS.EPSG3857, {code: "GCJ02", projection});
  return gcj02Crs;
}
