/* The basemap switcher every map shows: the choices of app/maps/basemaps.py (embedded by
 * the page as #basemaps-config), the user's last choice kept in the browser. A basemap
 * drawn in GCJ-02 switches the map's projection (lib/crs.js), so the page's layers and
 * clicks stay WGS-84 whatever is underneath. Tiles start after the page has loaded and a
 * basemap that fails says so: the page never waits on tiles. */
import {el} from "./dom.js";

const KEPT = "gridmap.basemap";
const FAILURES = 4;  // tile errors before any tile loaded: the basemap is unreachable

function tiles(basemap) {
  if (!basemap.url) return L.layerGroup();
  const options = {attribution: basemap.attribution, maxZoom: 19,
                   maxNativeZoom: basemap.maxZoom, subdomains: basemap.subdomains || "abc"};
  const layers = [L.tileLayer(basemap.url, options)];
  if (basemap.labelsUrl) layers.push(L.tileLayer(basemap.labelsUrl, Object.assign({}, options,
                                                                                   {attribution: ""})));
  return L.layerGroup(layers);
}

// crs.js and gcoord load only for a basemap not drawn in WGS-84
async function crsOf(basemap) {
  if (basemap.crs === "wgs84") return L.CRS.EPSG3857;
  return (await import("./crs.js")).leafletCrs(basemap.crs);
}

function kept() {
  try { return window.localStorage.getItem(KEPT); } catch { return null; }
}

function keep(id) {
  try { window.localStorage.setItem(KEPT, id); } catch { /* private mode: not kept */ }
}

/* Adds the switcher to `map` and draws the chosen basemap; resolves to
   {choose(id), current()} once the first choice is in place. */
export async function useBasemaps(map) {
  const config = JSON.parse(document.getElementById("basemaps-config").textContent);
  const T = config.texts;
  const byId = new Map(config.basemaps.map((b) => [b.id, b]));
  const state = {id: null, layer: null, errors: 0, loaded: 0};
  map.getContainer().gridmapMap = map;  // tests and the browser's console reach it here
  if (map.attributionControl) map.attributionControl.setPrefix(T.prefix);

  const select = el("select", {className: "basemap-select", "aria-label": T.basemap,
                               title: T.basemap},
                    ...config.basemaps.map((b) => el("option", {value: b.id}, b.label)));
  const down = el("div", {className: "basemap-down", role: "status", hidden: true},
                  T.unavailable);
  const control = L.control({position: "topright"});
  control.onAdd = () => {
    const box = el("div", {className: "leaflet-control basemap-switch"}, select, down);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };
  control.addTo(map);

  function watch(layer) {
    layer.eachLayer((tile) => {
      tile.on("tileload", () => { state.loaded += 1; down.hidden = true; });
      tile.on("tileerror", () => {
        state.errors += 1;
        if (!state.loaded && state.errors >= FAILURES) down.hidden = false;
      });
    });
  }

  function start(layer) {
    const add = () => { if (state.layer === layer) layer.addTo(map); };
    if (document.readyState === "complete") add();
    else window.addEventListener("load", add, {once: true});
  }

  async function choose(id) {
    const basemap = byId.get(id) || byId.get(config.default);
    const crs = await crsOf(basemap);
    if (state.layer) map.removeLayer(state.layer);
    if (map.options.crs !== crs) {
      // Loaded maps keep their centre (WGS-84) and zoom; every layer re-projects.
      const view = map._loaded ? [map.getCenter(), map.getZoom()] : null;
      map.options.crs = crs;
      if (view) map.setView(view[0], view[1], {reset: true});
    }
    Object.assign(state, {id: basemap.id, layer: tiles(basemap), errors: 0, loaded: 0});
    down.hidden = true;
    watch(state.layer);
    start(state.layer);
    select.value = basemap.id;
    map.getContainer().dataset.basemap = basemap.id;
    map.fire("basemapchange", {basemap: basemap.id, crs: basemap.crs});
    return basemap.id;
  }

  select.addEventListener("change", () => {
    keep(select.value);
    choose(select.value);
  });
  const wanted = kept();
  await choose(byId.has(wanted) ? wanted : config.default);
  return {choose, current: () => state.id};
}
