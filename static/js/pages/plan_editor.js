/* The plan editor (/plans/<id>, app/web/plans/planner.py).
 *
 * The map shows the plan's grids and the community's buildings coloured by the grid the
 * plan puts them in. Painting: pick a grid in the balance table, click buildings (or
 * box-select them); each paint step is one PATCH of the assignments and one POST derive,
 * both with the plan's ETag in If-Match, then the grids are redrawn and the checks read
 * again. Undo/redo replay a step's changes backwards/forwards the same way. A 412 (someone
 * else wrote meanwhile) tells who, what and when, and offers to reload. Drawing the grids
 * (split, merge, vertex moves, ./plan_draw.js) adds steps of its own kind to the same
 * undo stack through the editor object it is given (also window.gridmapPlan, for tests).
 *
 * Texts from the server and from imports are placed as text only: the tooltips of grids
 * and buildings are DOM nodes (lib/map.js textTooltip), never HTML strings. A native ES
 * module, no build step.
 */
import {$, el} from "../lib/dom.js";
import {dateTime} from "../lib/format.js";
import {ApiError, request} from "../lib/http.js";
import {fmt, pageConfig} from "../lib/i18n.js";
import {useBasemaps} from "../lib/basemaps.js";
import {keepTooltipsInView, textTooltip} from "../lib/map.js";
import {installDrawing} from "./plan_draw.js";

const config = pageConfig("plan-config");
const T = config.texts;
const BASE = "/api/v1/plans/" + config.plan;

const state = {
  etag: null, version: null, plan: null, community: null, check: null,
  grids: null, buildings: new Map(), selected: null, extra: new Set(),
  undo: [], redo: [], busy: false, canWrite: config.canWrite, boxing: false, mode: null,
};

// ---- helpers ---------------------------------------------------------------------------

function notice(text, kind, extra) {
  if (!text) { $("notice").replaceChildren(); return; }
  const box = el("div", {class: "msg " + (kind || ""), text});
  if (extra) box.append(extra);
  $("notice").replaceChildren(box);
}

/* The API (lib/http.js); an answer about this plan brings its ETag, kept for If-Match. */
async function api(path, options) {
  const answer = await request(path, options);
  const tag = answer.headers.get("ETag");
  if (tag && path.startsWith(BASE)) setEtag(tag, answer.data && answer.data.version);
  return answer.data;
}

function setEtag(tag, version) {
  state.etag = tag;
  const m = /-v(\d+)"?$/.exec(tag);
  state.version = version || (m ? Number(m[1]) : state.version);
  $("plan-version").textContent = "v" + state.version;
}

function write(path, method, body) {
  return api(path, {method, headers: {"If-Match": state.etag}, json: body});
}

// A grid code's colour: the same code keeps its colour whatever else changes. The grid
// number (last three digits) steps round the hue circle by the golden angle and through
// three lightnesses: of codes 001-020, two equally light colours are at least 44° apart
// in hue. Other codes: a hash of the code.
function colour(code) {
  if (!code) return "#888";
  let n = /^\d{3}$/.test(code.slice(-3)) ? Number(code.slice(-3)) : null;
  if (n === null) {
    n = 0;
    for (const ch of code) n = (n * 31 + ch.charCodeAt(0)) >>> 0;
  }
  return "hsl(" + ((n * 137.508) % 360).toFixed(0) + ", 70%, " + ["38%", "50%", "62%"][n % 3] + ")";
}

function pct(x) {
  return (x * 100).toFixed(1) + "%";
}

// ---- the map ---------------------------------------------------------------------------

if (L.PM) L.PM.setOptIn(true);  // Geoman (plan_draw.js) draws lines only; it edits no layer
const map = L.map("map", {zoomSnap: 0.25, boxZoom: false, pmIgnore: false});
map.createPane("grids").style.zIndex = 410;
map.createPane("findings").style.zIndex = 420;
map.createPane("buildings").style.zIndex = 430;
const gridLayer = L.geoJSON(null, {pane: "grids", style: (f) => ({
  color: colour(f.properties.code), weight: f.properties.code === state.selected ? 4 : 2,
  fillColor: colour(f.properties.code), fillOpacity: 0.12})}).addTo(map);
textTooltip(gridLayer, (layer) => el("span", {}, el("code", {}, layer.feature.properties.code),
                                     " ", layer.feature.properties.name || ""), {sticky: true});
gridLayer.on("click", (e) => {
  const code = e.layer.feature.properties.code;
  if (state.mode && modeClicks[state.mode]) modeClicks[state.mode](code);
  else if (!state.boxing) pickOnMap(code);
});

// A click on a grid between buildings picks it only when no grid is picked yet: a click
// that misses a building must not change where the next buildings go. Otherwise it says
// how to change the target (in the table, or with a drawing tool).
function pickOnMap(code) {
  if (!state.selected || !state.canWrite) { select(code); return; }
  if (code !== state.selected) {
    notice(fmt(T.target_kept, {grid: state.selected.slice(-3), other: code.slice(-3)}));
  }
}
const modeClicks = {};  // a drawing mode's handler of a click on a grid (plan_draw.js)
// Whole-grid findings (households, compactness) are outlined only, so that the grid
// colours stay readable; pieces (gaps, overlaps, slivers...) are filled.
const WHOLE = ["households", "compactness"];
const findingLayer = L.geoJSON(null, {pane: "findings", interactive: false, style: (f) => ({
  color: f.properties.severity === "error" ? "#dc2626" : "#f59e0b", weight: 3,
  dashArray: "6 4", fillOpacity: WHOLE.includes(f.properties.kind) ? 0 : 0.45})}).addTo(map);
const buildingLayer = L.layerGroup().addTo(map);
L.control.layers(null, {[T.layer_grids]: gridLayer, [T.layer_buildings]: buildingLayer,
                        [T.layer_findings]: findingLayer}, {collapsed: true}).addTo(map);
if (config.bounds) map.fitBounds(config.bounds); else map.setView([39.9, 116.4], 14);
useBasemaps(map);
keepTooltipsInView();

function styleBuilding(b) {
  b.layer.setStyle({color: "#222", weight: 1, fillColor: colour(b.grid), fillOpacity: 0.85});
  if (b.layer.getTooltip() && b.layer.isTooltipOpen()) b.layer.closeTooltip();
}

function drawGrids(collection) {
  state.grids = collection;
  gridLayer.clearLayers();
  gridLayer.addData(collection);
}

// ---- loading ---------------------------------------------------------------------------

async function loadAll() {
  const plan = await api(BASE);
  state.plan = plan;
  state.community = plan.community.code;
  drawGrids(plan.grids);
  $("plan-status").textContent = T["status_" + plan.status] || plan.status;
  if (plan.status !== "draft") setReadOnly();
  await loadBuildings();
  await refreshCheck();
}

async function loadBuildings() {
  const b = config.bounds || (state.grids.features.length ? null : null);
  const box = b ? [b[0][1], b[0][0], b[1][1], b[1][0]] : null;
  const [collection, assigned] = await Promise.all([
    box ? api("/api/v1/buildings?bbox=" + box.join(",") + "&limit=" + config.buildingsMax)
        : Promise.resolve({features: []}),
    api(BASE + "/assignments")]);
  const gridOf = new Map(assigned.assignments.map((a) => [a.building_code, a.grid_code]));
  buildingLayer.clearLayers();
  state.buildings.clear();
  for (const f of collection.features) {
    if (f.properties.community_code !== state.community) continue;
    const code = f.properties.code;
    const layer = L.geoJSON(f, {pane: "buildings"}).getLayers()[0];
    const b = {code, grid: gridOf.has(code) ? gridOf.get(code) : null, layer, feature: f};
    layer.options.pane = "buildings";
    styleBuilding(b);
    textTooltip(layer, () => [f.properties.address, f.properties.name, code,
                              b.grid ? T.grid + " " + b.grid.slice(-3) : null]
      .filter(Boolean).join(" · "));
    layer.on("click", (e) => {
      // A drawing tool (plan_draw.js) takes the click: the split line's points go on to
      // the map; merge and vertex treat it as a click on the grid holding the building
      // (buildings cover much of every grid, and the grid layer lies under them).
      if (state.mode) {
        if (state.mode !== "split" && modeClicks[state.mode]) {
          const grid = gridHolding(b, e.latlng);
          if (grid) modeClicks[state.mode](grid);
        }
        return;
      }
      L.DomEvent.stopPropagation(e);
      if (!state.boxing) paint([code]);
    });
    layer.addTo(buildingLayer);
    state.buildings.set(code, b);
  }
  if (collection.numberMatched > collection.features.length) {
    notice(fmt(T.truncated, {n: collection.features.length}));
  }
}

// The grid holding a building: the plan's (stated or by the largest part), else the grid
// under the clicked point.
function gridHolding(b, latlng) {
  const codes = state.grids.features.map((f) => f.properties.code);
  if (b.grid && codes.includes(b.grid)) return b.grid;
  const hit = state.grids.features.find((f) => covers(f.geometry, latlng.lng, latlng.lat));
  return hit ? hit.properties.code : null;
}

// Ray casting over a (Multi)Polygon's rings in lon/lat: inside an odd number of rings.
function covers(geometry, x, y) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  return polygons.some((rings) => rings.reduce((odd, ring) => {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside ? !odd : odd;
  }, false));
}

// Buildings follow the grids unless stated: after a drawing edit, read where each is now.
async function recolour() {
  const assigned = await api(BASE + "/assignments");
  assigned.assignments.forEach((a) => {
    const b = state.buildings.get(a.building_code);
    if (b && b.grid !== a.grid_code) { b.grid = a.grid_code; styleBuilding(b); }
  });
}

async function refreshCheck() {
  const report = await api(BASE + "/check");
  state.check = report;
  drawBalance();
  drawFindings();
}

// ---- the balance table -----------------------------------------------------------------

function drawBalance() {
  const report = state.check;
  const [lo, hi] = config.band;
  $("band").textContent = fmt(T.band, {min: lo, max: hi});
  const rows = report.grids.map((g) => Object.assign({}, g));
  const known = new Set(rows.map((g) => g.code));
  state.extra.forEach((code) => {
    if (!known.has(code)) rows.push({code, households: 0, buildings: 0, compactness: null});
  });
  rows.sort((a, b) => (a.code < b.code ? -1 : 1));
  const hh = report.summary.households || {};
  const mean = hh.mean || 0;
  $("balance-summary").textContent = fmt(T.summary, {
    grids: rows.length, households: hh.total != null ? hh.total : rows.reduce((s, g) => s + g.households, 0),
    deviation: hh.deviation != null ? pct(hh.deviation) : T.none});
  $("balance-rows").replaceChildren(...rows.map((g) => {
    const off = g.households < lo || g.households > hi;
    const tr = el("tr", {"data-code": g.code, class: g.code === state.selected ? "is-selected" : "",
                         "aria-selected": String(g.code === state.selected)},
      el("td", {class: "pe-name", title: g.code + " " + (g.name || "")},
         el("span", {class: "pe-swatch", style: "background:" + colour(g.code)}),
         el("span", {text: g.code.slice(-3)}), " ", el("small", {class: "pe-muted", text: g.name || ""})),
      el("td", {class: "households" + (off ? " off-band" : ""), text: String(g.households)}),
      el("td", {text: mean ? (g.households >= mean ? "+" : "") + pct((g.households - mean) / mean) : T.none}),
      el("td", {text: g.compactness != null ? g.compactness.toFixed(2) : T.none}),
      el("td", {text: String(g.buildings != null ? g.buildings : "")}));
    tr.title = g.code;
    tr.addEventListener("click", () => select(g.code));
    return tr;
  }));
}

function select(code) {
  state.selected = code;
  document.querySelectorAll("#balance-rows tr").forEach((tr) => {
    const on = tr.dataset.code === code;
    tr.classList.toggle("is-selected", on);
    tr.setAttribute("aria-selected", String(on));
  });
  gridLayer.setStyle((f) => ({weight: f.properties.code === code ? 4 : 2}));
  if (state.canWrite) $("paint-state").textContent = fmt(T.painting, {grid: code});
}

// ---- findings --------------------------------------------------------------------------

function drawFindings() {
  const findings = state.check.findings;
  findingLayer.clearLayers();
  findings.forEach((f) => {
    if (f.geometry) findingLayer.addData({type: "Feature", geometry: f.geometry,
                                          properties: {severity: f.severity, kind: f.kind}});
  });
  if (!findings.length) {
    $("findings").replaceChildren(el("li", {class: "pe-muted", text: T.no_findings}));
    return;
  }
  $("findings").replaceChildren(...findings.map((f) => {
    const li = el("li", {"data-kind": f.kind, tabindex: "0", title: f.message},
      el("span", {class: "sev-" + f.severity, text: T["sev_" + f.severity] || f.severity}), " ",
      el("span", {text: findingText(f)}));
    const zoom = () => zoomTo(f);
    li.addEventListener("click", zoom);
    li.addEventListener("keydown", (e) => { if (e.key === "Enter") zoom(); });
    return li;
  }));
}

// Chinese: the kind, the grids (last three digits) and the size; English: the engine's text.
function findingText(f) {
  if (config.lang === "en" || !T["kind_" + f.kind]) return f.message;
  const kind = T["kind_" + f.kind + "_" + f.side] || T["kind_" + f.kind];
  const codes = (f.codes || []).map((c) => c.slice(-3)).join("、");
  let size = "";
  if (f.size != null) {
    const unit = T["unit_" + f.unit] != null ? T["unit_" + f.unit] : (f.unit || "");
    size = f.unit === "share" ? unit + " " + pct(f.size)
      : (Number.isInteger(f.size) ? String(f.size) : f.size.toFixed(f.size < 10 ? 2 : 0)) + " " + unit;
  }
  return kind + (codes ? "：" + T.grid + " " + codes : "") + (size ? "（" + size.trim() + "）" : "");
}

function zoomTo(finding) {
  let bounds = null;
  if (finding.geometry) bounds = L.geoJSON(finding.geometry).getBounds();
  if ((!bounds || !bounds.isValid()) && finding.codes && finding.codes.length) {
    const layers = gridLayer.getLayers().filter((l) => finding.codes.includes(l.feature.properties.code));
    if (layers.length) bounds = L.featureGroup(layers).getBounds();
  }
  if (bounds && bounds.isValid()) map.fitBounds(bounds, {maxZoom: 19, padding: [40, 40]});
  if (finding.codes && finding.codes.length === 1) select(finding.codes[0]);
}

// ---- painting, undo, redo --------------------------------------------------------------

function paint(codes) {
  if (!state.canWrite || state.busy) return;
  if (!state.selected) { notice(T.paint_hint); return; }
  const to = state.selected;
  const changes = codes.map((c) => state.buildings.get(c))
    .filter((b) => b && b.grid !== to).map((b) => ({building: b.code, from: b.grid, to}));
  if (!changes.length) { notice(T.nothing_to_move); return; }
  run({kind: "paint", changes, before: state.grids}, "do")
    .then((ok) => ok && notice(fmt(T.moved, {n: changes.length, grid: to}), "ok"));
}

// How each kind of step is done, undone and redone: (step, how) => Promise.
const steps = {
  // Painting: state the buildings' grids, derive the grids, redraw. Deriving redraws
  // every grid, so undo puts back the grids as they were before (drawn boundaries
  // included) and redo the derived ones, both exactly as read (PUT /grids).
  paint: async (step, how) => {
    await restate(step.changes, how !== "undo");
    let plan;
    if (how === "undo") plan = await putGrids(step.before);
    else if (how === "redo" && step.after) plan = await putGrids(step.after);
    else plan = await write(BASE + "/derive", "POST");
    if (how === "do") step.after = plan.grids;
    drawGrids(plan.grids);
    if (how !== "do") await recolour();
  },
};

// Replace the plan's grids by a FeatureCollection as read from the server (its
// coordinates round-trip exactly: geo/plans.py EXACT_DIGITS).
function putGrids(grids) {
  return write(BASE + "/grids", "PUT", {type: "FeatureCollection",
    features: grids.features.map((f) => ({type: "Feature", geometry: f.geometry,
      properties: {code: f.properties.code, name: f.properties.name}}))});
}

// What a step did, for the notice after undo/redo.
function describe(step) {
  const short = (code) => (code || "").slice(-3);
  if (step.kind === "paint") {
    return fmt(T.step_paint, {n: step.changes.length, grid: short(step.changes[0].to)});
  }
  const r = step.edit || {};
  if (step.what === "split") return fmt(T.step_split, {grid: short(r.kept), added: short(r.added)});
  if (step.what === "merge") return fmt(T.step_merge, {grid: short(r.kept), removed: short(r.removed)});
  return fmt(T.step_vertex, {grids: (r.grids || []).map(short).join(T.list_sep)});
}

// State the grid of buildings (each change {building, from, to}) and recolour them.
async function restate(changes, forward) {
  if (!changes.length) return;
  const assignments = changes.map((c) => ({building: c.building, grid: forward ? c.to : (c.from || "")}));
  await write(BASE + "/assignments", "PATCH", {assignments});
  changes.forEach((c) => {
    const b = state.buildings.get(c.building);
    if (b) { b.grid = forward ? c.to : c.from; styleBuilding(b); }
  });
}

// Apply one step, put it on the undo or redo stack, check again. Resolves to success.
async function run(step, how) {
  state.busy = true;
  updateButtons();
  notice(T.saving);
  try {
    await steps[step.kind](step, how);
    if (how === "do") { state.undo.push(step); state.redo = []; }
    else if (how === "undo") state.redo.push(step);
    else state.undo.push(step);
    await refreshCheck();
    const done = {undo: T.undone, redo: T.redone}[how];
    notice(done ? fmt(done, {what: describe(step), version: state.version})
                : fmt(T.saved, {version: state.version}), "ok");
    return true;
  } catch (err) {
    await failed(err);
    return false;
  } finally {
    state.busy = false;
    updateButtons();
  }
}

function updateButtons() {
  $("map").classList.toggle("is-busy", state.busy);  // no tooltips while saving
  $("undo").disabled = state.busy || !state.undo.length;
  $("redo").disabled = state.busy || !state.redo.length;
}

function undo() {
  const step = state.undo.pop();
  if (step) run(step, "undo").then((ok) => { if (!ok) state.undo.push(step); });
}

function redo() {
  const step = state.redo.pop();
  if (step) run(step, "redo").then((ok) => { if (!ok) state.redo.push(step); });
}

async function failed(err) {
  if (err instanceof ApiError && err.status === 412) {
    let text;
    try {
      const plan = (await request(BASE)).data;  // not api(): the ETag stays the stale one
      const last = plan.last_change;
      text = last ? fmt(T.stale, {actor: last.actor, action: T["action_" + last.action] || last.action,
                                  version: plan.version,
                                  at: dateTime(last.at)})
                  : fmt(T.stale_unknown, {version: plan.version});
    } catch (e) {
      text = T.error + err.message;
    }
    const button = el("button", {type: "button", id: "reload", text: T.reload});
    button.addEventListener("click", reload);
    notice(text, "error stale", button);
    return;
  }
  notice(T.error + explain(err), "error");
}

// A refused drawing edit in the page's language (details.refusal, geo/planedit.py).
function explain(err) {
  const d = err.details || {};
  const text = config.lang !== "en" && d.refusal && T["refuse_" + d.refusal];
  if (!text) return err.message;
  return fmt(text, Object.assign({}, d, {grid: (d.grid || "").slice(-3),
                                         other: (d.other || "").slice(-3)}));
}

async function reload() {
  state.undo = [];
  state.redo = [];
  updateButtons();
  try {
    await loadAll();
    notice(fmt(T.saved, {version: state.version}), "ok");
  } catch (err) {
    notice(T.error + err.message, "error");
  }
}

function newGrid() {
  const codes = new Set(state.grids.features.map((f) => f.properties.code));
  state.extra.forEach((c) => codes.add(c));
  let n = 1;
  let code;
  do { code = state.community + String(n).padStart(3, "0"); n += 1; } while (codes.has(code));
  state.extra.add(code);
  drawBalance();
  select(code);
}

// Box select: drag a rectangle; every building whose centre falls inside is painted.
function toggleBox() {
  state.boxing = !state.boxing;
  $("box-select").setAttribute("aria-pressed", String(state.boxing));
  $("map").classList.toggle("is-boxing", state.boxing);
  if (state.boxing) map.dragging.disable(); else map.dragging.enable();
}

let boxStart = null;
let boxDiv = null;
map.on("mousedown", (e) => {
  if (!state.boxing || state.mode) return;
  boxStart = e.containerPoint;
  boxDiv = el("div", {class: "pe-box"});
  map.getContainer().append(boxDiv);
});
map.on("mousemove", (e) => {
  if (!boxStart) return;
  const a = boxStart;
  const b = e.containerPoint;
  Object.assign(boxDiv.style, {left: Math.min(a.x, b.x) + "px", top: Math.min(a.y, b.y) + "px",
    width: Math.abs(a.x - b.x) + "px", height: Math.abs(a.y - b.y) + "px"});
});
map.on("mouseup", (e) => {
  if (!boxStart) return;
  const bounds = L.latLngBounds(map.containerPointToLatLng(boxStart), e.latlng);
  boxDiv.remove();
  boxStart = null;
  const codes = [...state.buildings.values()]
    .filter((b) => bounds.contains(b.layer.getBounds().getCenter())).map((b) => b.code);
  if (codes.length) paint(codes);
});

// ---- impact and publish ----------------------------------------------------------------

// Grids the check finds without a worker (no_worker findings): code and name.
function unstaffed() {
  return ((state.check && state.check.findings) || []).filter((f) => f.kind === "no_worker")
    .map((f) => ({code: f.codes[0], name: f.name || ""}));
}

// Before publishing: name the grids without a worker and wait for the planner's tick.
function confirmUnstaffed(confirming) {
  const grids = confirming ? unstaffed() : [];
  $("publish-unstaffed").hidden = !grids.length;
  $("publish-unstaffed-ok").checked = false;
  $("publish-go").disabled = grids.length > 0;
  $("publish-unstaffed-text").textContent = fmt(T.unstaffed, {n: grids.length});
  $("publish-unstaffed-list").replaceChildren(...grids.map((g) =>
    el("li", {"data-code": g.code, text: g.code.slice(-3) + " " + g.name})));
}

async function showImpact(confirming) {
  $("impact").hidden = false;
  $("publish-confirm").hidden = !confirming;
  confirmUnstaffed(confirming);
  $("impact-body").replaceChildren(el("p", {class: "pe-muted", text: T.loading}));
  $("impact").scrollIntoView({block: "start"});  // the panel may be scrolled down the findings
  try {
    const r = await api(BASE + "/impact");
    const side = (s, k) => (s ? String(s[k]) : T.none);
    const table = el("table", {class: "pe-table", id: "impact-grids"},
      el("caption", {class: "pe-muted pe-small", text: T.before + " → " + T.after}),
      el("thead", {}, el("tr", {}, el("th", {text: T.grid}), el("th", {text: ""}),
        el("th", {text: T.households, title: T.households + " " + T.before + "→" + T.after}),
        el("th", {text: T.th_buildings, title: T.buildings + " " + T.before + "→" + T.after}),
        el("th", {text: T.worker}))),
      el("tbody", {}, ...r.grids.map((g) => el("tr", {"data-code": g.code, "data-status": g.status},
        el("td", {class: "pe-name", title: g.code + " " + (g.name || ""),
                  text: g.code.slice(-3) + " " + (g.name || "")}),
        el("td", {text: T["gstatus_" + g.status] || g.status}),
        el("td", {text: side(g.before, "households") + "→" + side(g.after, "households")}),
        el("td", {text: side(g.before, "buildings") + "→" + side(g.after, "buildings")}),
        el("td", {text: side(g.before || g.after, "workers")})))));
    const moved = el("p", {id: "impact-moved", text: fmt(T.buildings_moved, {n: r.buildings_moved.length})});
    const incidents = el("p", {id: "impact-incidents", text: fmt(T.incidents_moved, {n: r.incidents_moved.length})});
    const list = el("ul", {class: "pe-small"}, ...r.incidents_moved.slice(0, 50).map((m) => el("li", {
      text: "#" + m.id + " " + (m.from_grid || T.none).slice(-3) + "→" + (m.to_grid || T.none).slice(-3) +
            " " + ((m.from_worker && m.from_worker.name) || T.none) + "→" +
            ((m.to_worker && m.to_worker.name) || T.none)})));
    const buildingList = el("ul", {class: "pe-small"}, ...r.buildings_moved.slice(0, 50).map((m) => el("li", {
      text: m.code + " " + (m.from_grid || T.none).slice(-3) + "→" + (m.to_grid || T.none).slice(-3)})));
    $("impact-body").replaceChildren(table, moved, buildingList, incidents, list);
    // the card grew: keep the confirmation (or the card's head) where the planner looks
    $(confirming ? "publish-confirm" : "impact").scrollIntoView({block: "nearest"});
  } catch (err) {
    $("impact-body").replaceChildren();
    await failed(err);
  }
}

async function publish() {
  $("publish-go").disabled = true;
  try {
    const r = await write(BASE + "/publish", "POST");
    const changed = ["added", "redrawn"].reduce((s, k) => s + ((r.grids && r.grids[k]) || []).length, 0);
    const bare = (r.grids_without_worker || []).map((g) => g.code.slice(-3) + " " + g.name);
    notice(fmt(T.published, {changed, buildings: r.buildings_reassigned,
                             incidents: r.incidents_moved.length}) +
           (bare.length ? " " + fmt(T.published_unstaffed, {grids: bare.join(T.list_sep)}) : ""),
           "ok published");
    $("publish-confirm").hidden = true;
    setReadOnly();
    $("plan-status").textContent = T.status_published;
  } catch (err) {
    if (err instanceof ApiError && err.status === 409 && err.details.findings) {
      const list = el("ul", {id: "publish-errors"}, ...err.details.findings.map((f) =>
        el("li", {text: f.message})));
      notice(T.publish_refused, "error", list);
    } else {
      await failed(err);
    }
  } finally {
    $("publish-go").disabled = !$("publish-unstaffed").hidden && !$("publish-unstaffed-ok").checked;
  }
}

function setReadOnly() {
  state.canWrite = false;
  $("tools").hidden = true;
  $("paint-state").textContent = T.not_draft;
}

$("undo").addEventListener("click", undo);
$("redo").addEventListener("click", redo);
$("new-grid").addEventListener("click", newGrid);
$("box-select").addEventListener("click", toggleBox);
$("impact-open").addEventListener("click", () => showImpact(false));
$("publish-open").addEventListener("click", () => showImpact(true));
$("publish-go").addEventListener("click", publish);
$("publish-unstaffed-ok").addEventListener("change", (e) => { $("publish-go").disabled = !e.target.checked; });
$("publish-cancel").addEventListener("click", () => { $("impact").hidden = true; });
$("impact-close").addEventListener("click", () => { $("impact").hidden = true; });
document.addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === "z" && !e.shiftKey) { e.preventDefault(); undo(); }
  if ((e.ctrlKey || e.metaKey) && (e.key === "y" || (e.key === "z" && e.shiftKey))) { e.preventDefault(); redo(); }
});

const editor = {map, state, config, T, BASE, api, write, notice, failed, run, steps,
                restate, recolour, drawGrids, putGrids, select, gridLayer, modeClicks, colour, paint};
window.gridmapPlan = editor;
installDrawing(editor);
loadAll().catch((err) => failed(err));
