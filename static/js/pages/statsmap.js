/* The statistics maps: /maps/caseload and /maps/coverage (app/web/stats/statsmaps.py).
 *
 * The page is a shell. For the current view this script fetches the grid outlines,
 * quantised for the zoom (/api/v1/map/grids, decoded below), and once per choice of
 * period/category/target the numbers of every grid with their classes (/api/v1/map/
 * caseload or /coverage); it paints a choropleth on one canvas, the legend, the panel,
 * and per layer the heatmap, the open incidents or the buildings of the view.
 * Text from the server is placed with textContent, never as HTML. A native ES module, no
 * build step; the map and its layers are made by Folium (app/maps/stats_map.py) and handed
 * over as window.gridmapStats.
 */
import {$, el} from "../lib/dom.js";
import {number, percent} from "../lib/format.js";
import {useBasemaps} from "../lib/basemaps.js";
import {api, query} from "../lib/http.js";
import {fmt, htmlLang, pageConfig} from "../lib/i18n.js";
import {keepTooltipsInView} from "../lib/map.js";

const config = pageConfig("stats-config");
const T = config.texts;
const H = window.gridmapStats;
const map = H.map;
const basemaps = useBasemaps(map);
keepTooltipsInView();
const CASELOAD = config.kind === "caseload";
const NO_DATA = "#d9d9d9";
const renderer = L.canvas({padding: 0.3, tolerance: 3});
// Buildings above the grids, in SVG: a canvas on top would take every mouse event
// from the grids' canvas below, SVG only those over a building (at most a few
// thousand, drawn from zoom 16 on).
map.createPane("buildings").style.zIndex = 420;
const buildingRenderer = L.svg({padding: 0.3, pane: "buildings"});
const state = {values: null, index: new Map(), polygons: new Map(), loadedBox: null,
               loadedZoom: null, cards: new Map(), cardData: new Map(),
               seq: {grids: 0, values: 0, heat: 0, open: 0, buildings: 0, panel: 0}};

document.documentElement.lang = htmlLang();

// ---- helpers --------------------------------------------------------------------------

function notice(text) { $("notice").textContent = text || ""; }

/* GET the API's JSON; a failure is told in the notice line, and thrown on. */
async function getJSON(path) {
  try {
    return await api(path);
  } catch (err) {
    notice(err.status === 401 ? err.message : T.error + err.message);
    throw err;
  }
}

// ---- the choices on the form, kept in the address bar ----------------------------------

const form = $("stats-form");
const url = new URLSearchParams(window.location.search);
function field(name) { return form.elements.namedItem(name); }
function initField(name, fallback) {
  const input = field(name);
  if (input) input.value = url.get(name) || fallback;
}
initField("from", config.from);
initField("to", config.to);
initField("category", "");
initField("target", config.target);
initField("distance", config.distance);
initField("measure", config.measures[0]);
initField("scheme", "natural_breaks");
if (!field("measure").value) field("measure").value = config.measures[0];

function choices() {
  const out = {scheme: field("scheme").value};
  (CASELOAD ? ["from", "to", "category"] : ["target", "distance"]).forEach((name) => {
    out[name] = field(name).value;
  });
  return out;
}

function remember() {
  const q = new URLSearchParams(query(Object.assign(choices(),
                                                    {measure: field("measure").value})));
  if (config.lang === "en") q.set("lang", "en");
  window.history.replaceState(null, "", window.location.pathname + "?" + q.toString());
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  remember();
  loadValues();
  if (CASELOAD) loadHeat();
  else loadBuildings();
});
field("measure").addEventListener("change", () => { remember(); paintAll(); legend(); });

// ---- outlines: decoding the quantised streams of /api/v1/map/grids ------------------

function varints(b64) {
  const bin = window.atob(b64 || "");
  const out = [];
  let value = 0;
  let scale = 1;
  for (let i = 0; i < bin.length; i += 1) {
    const byte = bin.charCodeAt(i);
    value += (byte & 0x7f) * scale;
    if (byte & 0x80) { scale *= 128; continue; }
    out.push(value % 2 ? -(value + 1) / 2 : value / 2);  // zigzag
    value = 0;
    scale = 1;
  }
  return out;
}

function decode(body) {
  const ids = varints(body.ids);
  const perGrid = varints(body.grid_polygons);
  const perPolygon = varints(body.polygon_rings);
  const ringSizes = varints(body.ring_sizes);
  const coords = varints(body.coords);
  const cell = body.cell;
  let id = 0; let x = 0; let y = 0; let c = 0; let r = 0; let p = 0;
  const grids = [];
  for (let g = 0; g < ids.length; g += 1) {
    id += ids[g];
    const polygons = [];
    for (let i = 0; i < perGrid[g]; i += 1, p += 1) {
      const rings = [];
      for (let j = 0; j < perPolygon[p]; j += 1, r += 1) {
        const ring = [];
        for (let k = 0; k < ringSizes[r]; k += 1, c += 2) {
          x += coords[c];
          y += coords[c + 1];
          ring.push([y * cell, x * cell]);
        }
        rings.push(ring);
      }
      polygons.push(rings);
    }
    grids.push({id: id, latlngs: polygons});
  }
  return grids;
}

function viewBox(pad) {
  const b = map.getBounds().pad(pad);
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
          clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)];
}

function inside(inner, outer) {
  return outer && inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2]
    && inner[3] <= outer[3];
}

async function loadGrids() {
  const zoom = map.getZoom();
  if (zoom < config.minZoom) {
    H.grids.clearLayers();
    state.polygons.clear();
    state.loadedBox = null;
    $("map-hint").textContent = fmt(T.zoom_hint, {zoom: config.minZoom});
    $("grid-count").textContent = fmt(T.grids_drawn, {n: 0});
    return;
  }
  $("map-hint").textContent = "";
  if (zoom === state.loadedZoom && inside(viewBox(0), state.loadedBox)) return;
  const box = viewBox(0.5);
  const seq = ++state.seq.grids;
  const body = await getJSON("/api/v1/map/grids?" + query({
    bbox: box.map((v) => v.toFixed(6)).join(","), zoom: zoom}));
  if (seq !== state.seq.grids) return;
  const grids = decode(body);
  H.grids.clearLayers();
  state.polygons.clear();
  grids.forEach((grid) => {
    const polygon = L.polygon(grid.latlngs, Object.assign({renderer: renderer},
                                                          styleFor(grid.id)));
    polygon.gridId = grid.id;
    polygon.on("mouseover", (event) => hover(polygon, event.latlng));
    polygon.on("mousemove", (event) => tip.setLatLng(event.latlng));
    polygon.on("mouseout", () => {
      map.closeTooltip(tip);
      state.hovered = null;
      polygon.setStyle({weight: baseWeight(grid.id)});
    });
    polygon.on("click", () => showGrid(grid.id));
    H.grids.addLayer(polygon);
    state.polygons.set(grid.id, polygon);
  });
  state.loadedBox = box;
  state.loadedZoom = zoom;
  $("grid-count").textContent = fmt(T.grids_drawn, {n: grids.length});
  if (body.truncated) $("map-hint").textContent = T.truncated;
  window.requestAnimationFrame(() => {
    H.painted = {grids: grids.length, at: window.performance.now()};
    document.body.dataset.gridsDrawn = String(grids.length);
  });
}

// ---- numbers, classes, colours ------------------------------------------------------

function row(id) {
  const i = state.index.get(id);
  return i === undefined ? null : i;
}

function value(id, measure) {
  const i = row(id);
  return i === null || !state.values ? null : state.values.values[measure][i];
}

function classOf(v, classes) {
  if (v === null || v === undefined || !classes.edges.length) return -1;
  for (let i = 0; i < classes.edges.length; i += 1) {
    if (v <= classes.edges[i]) return i;
  }
  return classes.edges.length - 1;
}

function palette(measure, n) {
  const colours = config.palettes[measure];
  if (n <= 1) return [colours[colours.length - 3]];
  // spread n classes over the 9-colour ramp, light to dark
  return Array.from({length: n}, (_, i) => colours[Math.round(1 + i * 7 / (n - 1))]);
}

function baseWeight(id) {
  return !CASELOAD && value(id, "no_member") ? 3 : 0.8;
}

function styleFor(id) {
  const measure = field("measure").value;
  const style = {color: "#555", weight: baseWeight(id), fillOpacity: 0.72,
                 fillColor: NO_DATA, dashArray: null};
  if (!state.values) return style;
  const classes = state.values.classes[measure];
  const k = classOf(value(id, measure), classes);
  if (k >= 0) style.fillColor = palette(measure, classes.edges.length)[k];
  if (!CASELOAD) {
    if (value(id, "no_member")) style.color = "#7a0177";
    if (value(id, "has_branch") === false) style.dashArray = "4 4";
  }
  return style;
}

function paintAll() {
  state.polygons.forEach((polygon, id) => polygon.setStyle(styleFor(id)));
}

function legend() {
  const box = document.querySelector("#legend .stats-legend-rows");
  const title = document.querySelector("#legend .stats-legend-title");
  if (!box || !state.values) return;
  const measure = field("measure").value;
  const classes = state.values.classes[measure];
  const colours = palette(measure, classes.edges.length);
  const digits = measure === "per_1000" || measure === "households_per_member" ? 1 : 0;
  title.textContent = T[measure];
  box.replaceChildren();
  let low = classes.min;
  classes.edges.forEach((edge, i) => {
    const range = i === 0 ? number(low, digits) + " – " + number(edge, digits)
      : "> " + number(low, digits) + " – " + number(edge, digits);
    box.appendChild(el("div", {className: "legend-row", "data-edge": edge},
                       el("span", {className: "swatch", style: "background:" + colours[i]}),
                       range + " (" + classes.counts[i] + ")"));
    low = edge;
  });
  box.appendChild(el("div", {className: "legend-row"},
                     el("span", {className: "swatch", style: "background:" + NO_DATA}),
                     T.no_data));
  if (!CASELOAD) {
    box.appendChild(el("div", {}, el("span", {className: "outline no-member"}), T.no_member));
    box.appendChild(el("div", {}, el("span", {className: "outline no-branch"}), T.no_branch));
    if (map.getZoom() >= config.buildingZoom) {
      box.appendChild(el("div", {}, el("span", {className: "swatch bld-group"}), T.with_group));
      box.appendChild(el("div", {}, el("span", {className: "swatch bld-none"}),
                         T.buildings_without_group));
      box.appendChild(el("div", {}, el("span", {className: "outline bld-far"}), T.far));
    }
  }
}

async function loadValues() {
  const seq = ++state.seq.values;
  const path = (CASELOAD ? "/api/v1/map/caseload?" : "/api/v1/map/coverage?")
    + query(choices());
  const body = await getJSON(path);
  if (seq !== state.seq.values) return;
  notice("");
  state.values = body;
  state.index = new Map(body.ids.map((id, i) => [id, i]));
  paintAll();
  legend();
  summary();
  loadCommunities().catch(() => {});
}

// ---- tooltip and panel ----------------------------------------------------------------

function card(id) {  // a promise of the grid's name and workers, fetched once
  if (!state.cards.has(id)) {
    state.cards.set(id, getJSON("/api/v1/map/grids/" + id).then((found) => {
      state.cardData.set(id, found);
      return found;
    }).catch(() => null));
  }
  return state.cards.get(id);
}

// One tooltip for the whole map: the one of the shape under the mouse.
const tip = L.tooltip({sticky: true, direction: "auto", offset: [14, 0],
                       className: "stats-tooltip", opacity: 0.95});

function showTip(latlng, content) {
  tip.setContent(content);
  map.openTooltip(tip, latlng);
}

async function hover(polygon, latlng) {
  state.hovered = polygon;
  polygon.setStyle({weight: 3});
  polygon.bringToFront();
  const id = polygon.gridId;
  showTip(latlng, tooltip(id));
  if (state.cardData.has(id)) return;
  await card(id);
  if (state.hovered === polygon) tip.setContent(tooltip(id));
}

function roleText(role) { return T["role_" + role] || role; }

function pairs(list) {
  const dl = el("dl");
  list.forEach(([term, text]) => { dl.appendChild(el("dt", {}, term)); dl.appendChild(el("dd", {}, text)); });
  return dl;
}

function tooltip(id) {
  const c = state.cardData.get(id);
  const rows = [];
  if (c) {
    rows.push([T.grid_code, c.code], [T.grid_name, c.name], [T.community, c.community_name],
              [T.workers, workerNames(c)]);
  } else {
    rows.push([T.grid_code, T.loading]);
  }
  if (CASELOAD) {
    ["count", "per_1000", "open", "overdue"].forEach((m) => rows.push([T[m], number(value(id, m), 1)]));
  } else {
    rows.push(...coverageRows(id));
  }
  return el("div", {className: "stats-tip", "data-grid": id}, pairs(rows));
}

function workerNames(c) {
  return c.workers.length ? c.workers.map((w) => w.name + "（" + roleText(w.role) + "）").join("、")
    : T.no_workers;
}

// A grid's party coverage, as [term, text] pairs (the tooltip and the panel).
function coverageRows(id) {
  return [[T.households, number(value(id, "households"))],
          [T.serving, number(value(id, "serving")) + "（" + T.serving_resident + " "
            + number(value(id, "serving_resident")) + "，" + T.serving_in_service + " "
            + number(value(id, "serving_in_service")) + "）"],
          [T.households_per_member, number(value(id, "households_per_member"), 1)
            + " / " + number(state.values && state.values.target, 1)
            + (value(id, "over_target") ? " ⚠ " + T.over_target : "")],
          [T.has_branch, value(id, "has_branch") ? T.yes : T.no],
          [T.buildings, number(value(id, "buildings")) + "（" + T.with_group + " "
            + number(value(id, "buildings_with_group")) + "，" + T.far + " "
            + number(value(id, "buildings_far")) + "）"]];
}

function summary() {
  const box = $("summary");
  box.replaceChildren();
  const v = state.values;
  if (CASELOAD) {
    const t = v.totals;
    const list = [[T.count, number(t.count)], [T.per_1000, number(t.per_1000, 1)],
                  [T.open, number(t.open)], [T.overdue, number(t.overdue)],
                  [T.outside, number(v.outside.count)]];
    box.appendChild(pairs(list));
    box.appendChild(indicators(t));
  } else {
    const flags = (key) => v.values[key].filter(Boolean).length;
    box.appendChild(pairs([[T.grids_no_member, number(flags("no_member"))],
                           [T.grids_no_branch, number(v.values.has_branch.filter((b) => !b).length)],
                           [T.grids_over_target, number(flags("over_target"))],
                           [T.buildings_far, number(v.values.buildings_far.reduce((a, b) => a + b, 0))]]));
  }
}

function indicators(numbers) {
  const dl = el("dl", {className: "indicators mb-0"});
  [["on_time_rate", percent(numbers.on_time_rate)], ["rework_rate", percent(numbers.rework_rate)],
   ["mean_response_h", number(numbers.mean_response_h, 1)],
   ["mean_close_h", number(numbers.mean_close_h, 1)]].forEach(([key, text]) => {
    dl.appendChild(el("dt", {}, T[key]));
    dl.appendChild(el("dd", {"data-indicator": key}, text,
                      el("div", {className: "formula"}, config.definitions[key])));
  });
  return dl;
}

// The clicked grid in the panel: its name and workers, then the caseload indicators of
// the period (fetched for its community) or its party coverage (from the numbers shown).
async function showGrid(id) {
  const c = await card(id);
  if (!c) return;
  const seq = ++state.seq.panel;
  const head = el("div", {className: "fw-semibold", "data-grid-code": c.code}, c.code + " " + c.name);
  const workers = pairs([[T.community, c.community_name], [T.workers, workerNames(c)]]);
  if (!CASELOAD) {
    $("grid-panel").replaceChildren(head, workers, pairs(coverageRows(id)));
    return;
  }
  const body = await getJSON("/api/v1/stats/caseload?" + query(Object.assign(
    {community: c.community_code}, choices(), {scheme: null})));
  if (seq !== state.seq.panel) return;
  const found = body.rows.find((r) => r.grid_id === id);
  $("grid-panel").replaceChildren(head, workers,
                                  pairs([[T.count, number(found.count)], [T.closed, number(found.closed)]]),
                                  indicators(found));
}

async function loadCommunities() {
  const path = CASELOAD ? "/api/v1/stats/caseload?" + query(Object.assign(
    {level: "community"}, choices(), {scheme: null}))
    : "/api/v1/stats/coverage?" + query({level: "community", target: field("target").value,
                                         distance: field("distance").value});
  const body = await getJSON(path);
  const cols = CASELOAD ? ["count", "per_1000", "on_time_rate", "rework_rate"]
    : ["serving", "households_per_member", "buildings_far"];
  const table = el("table", {className: "table table-sm table-striped mb-0"});
  table.appendChild(el("thead", {}, el("tr", {}, el("th", {}, T.community),
                                       ...cols.map((c) => el("th", {title: T[c]}, T["th_" + c] || T[c])))));
  const tbody = el("tbody");
  body.rows.forEach((r) => tbody.appendChild(el("tr", {}, el("td", {}, r.community_name),
    ...cols.map((c) => el("td", {}, c.endsWith("_rate") ? percent(r[c]) : number(r[c], 1))))));
  table.appendChild(tbody);
  $("communities").replaceChildren(table);
}

// ---- heatmap, open incidents, buildings ---------------------------------------------

async function loadHeat() {
  if (!CASELOAD || !map.hasLayer(H.heat) || map.getZoom() < config.minZoom) return;
  const seq = ++state.seq.heat;
  const c = choices();
  const body = await getJSON("/api/v1/map/heat?" + query({
    from: c.from, to: c.to, category: c.category, zoom: map.getZoom(),
    bbox: viewBox(0.2).map((v) => v.toFixed(6)).join(",")}));
  if (seq !== state.seq.heat) return;
  H.heat.setOptions({max: Math.max(1, body.max)});
  H.heat.setLatLngs(body.points);
}

async function loadOpen() {
  if (!CASELOAD || !config.canOpen || !map.hasLayer(H.open)) return;
  const seq = ++state.seq.open;
  const body = await getJSON("/api/v1/map/open?" + query({
    bbox: viewBox(0.2).map((v) => v.toFixed(6)).join(",")}));
  if (seq !== state.seq.open) return;
  H.open.clearLayers();
  H.open.addLayers(body.points.map((p) => L.circleMarker([p[2], p[1]], {
    radius: 5, weight: 1, color: "#fff", fillOpacity: 0.9,
    fillColor: p[4] ? "#d7301f" : "#2c7fb8"})));
}

async function loadBuildings() {
  if (CASELOAD) return;
  if (map.getZoom() < config.buildingZoom) {
    H.buildings.clearLayers();
    return;
  }
  const seq = ++state.seq.buildings;
  const body = await getJSON("/api/v1/map/buildings?" + query({
    distance: field("distance").value,
    bbox: viewBox(0.2).map((v) => v.toFixed(6)).join(",")}));
  if (seq !== state.seq.buildings) return;
  H.buildings.clearLayers();
  L.geoJSON(body, {
    renderer: buildingRenderer,
    style: (f) => ({weight: f.properties.far ? 2.5 : 0.5,
                    color: f.properties.far ? "#d7301f" : "#555", fillOpacity: 0.85,
                    fillColor: f.properties.has_group ? "#2b8cbe" : "#fdae6b"}),
    onEachFeature: (f, layer) => {
      layer.on("mouseover", (event) => showTip(event.latlng, el("div", {className: "stats-tip"},
        pairs([[T.building, f.properties.building_code],
               [T.households, number(f.properties.households)],
               [T.group, f.properties.has_group ? T.yes : T.no],
               [T.far, f.properties.far ? T.yes : T.no]]))));
      layer.on("mousemove", (event) => tip.setLatLng(event.latlng));
      layer.on("mouseout", () => map.closeTooltip(tip));
    },
  }).eachLayer((layer) => H.buildings.addLayer(layer));
}

// ---- layer switcher and view changes -------------------------------------------------

// leaflet.heat draws into the overlay pane, under the choropleth's canvas: give it a
// pane of its own above (and let the mouse through to the grids).
const heatPane = map.createPane("heat");
heatPane.style.zIndex = 450;
heatPane.style.pointerEvents = "none";
function raiseHeat() { if (H.heat && H.heat._canvas) heatPane.appendChild(H.heat._canvas); }
// leaflet.heat fades points below its maxZoom; ours are counted per bin for the zoom,
// so keep maxZoom at the current zoom (which also keeps the layer switcher's box live).
function heatZoom() { if (H.heat) H.heat.options.maxZoom = map.getZoom(); }
heatZoom();
map.on("zoomend", heatZoom);
const overlays = {};
Object.keys(H.overlays).forEach((key) => { overlays[H.overlays[key]] = H[key]; });
// The heatmap starts hidden: over a whole city it would cover the choropleth.
L.control.layers(null, overlays, {collapsed: false, position: "topright"}).addTo(map);
map.on("overlayadd", (event) => {
  if (event.layer === H.heat) { raiseHeat(); loadHeat().catch(() => {}); }
  if (event.layer === H.open) loadOpen().catch(() => {});
});

await basemaps.catch(() => null);  // after a GCJ-02 re-projection: one first fetch
let moveTimer = null;
map.on("moveend", () => {
  window.clearTimeout(moveTimer);
  moveTimer = window.setTimeout(() => {
    loadGrids().catch(() => {});
    loadHeat().catch(() => {});
    loadOpen().catch(() => {});
    loadBuildings().catch(() => {});
    legend();
  }, 120);
});

// Numbers and outlines in parallel (outlines are painted grey until the numbers come);
// the heatmap and the buildings after the grids, so as not to hold them up.
loadValues().catch(() => {});
loadGrids().catch(() => {}).then(() => {
  loadHeat().catch(() => {});
  loadBuildings().catch(() => {});
});
