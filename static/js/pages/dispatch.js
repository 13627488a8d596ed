/* The dispatcher console (/dispatch, app/web/incidents/dispatch.py).
 *
 * The page arrives as a shell: the queue, the counts, the incident points and the grid
 * boundaries of the current view all come from the JSON API as the dispatcher works, so
 * the first load stays small however many incidents the database holds.
 *
 * Every text that came from the server is placed with textContent (the `el` helper),
 * never as HTML. A native ES module (lib/ for the shared parts), no build step. The map and
 * its layers are made by Folium (app/maps/dispatch_map.py) and handed over as
 * window.gridmapDispatch.
 */
import {$, el, debounce} from "../lib/dom.js";
import {coords, dateTime} from "../lib/format.js";
import {api, query} from "../lib/http.js";
import {fmt, htmlLang, locale, pageConfig, t} from "../lib/i18n.js";
import {useBasemaps} from "../lib/basemaps.js";
import {toWgs84} from "../lib/crs.js";
import {bbox, keepSized, keepTooltipsInView, textTooltip} from "../lib/map.js";
import {bulkBar} from "./dispatch_bulk.js";
import {assigneeFilter} from "./dispatch_workers.js";

const config = pageConfig("dispatch-config");
const T = config.texts;
const handles = window.gridmapDispatch;
const map = handles.map;
const basemaps = useBasemaps(map);
keepSized(map);  // the panels above it grow after a locate
keepTooltipsInView();  // a grid's tooltip near the map's edge stays on the screen
const OPEN = ["reported", "accepted", "dispatched", "in_progress", "returned", "reopened"];
const CRS_SHORT = {wgs84: "WGS-84", cgcs2000: "CGCS2000", gcj02: "GCJ-02", bd09: "BD-09"};
// *Seq: the number of the latest request of each kind; older answers are dropped.
const state = {offset: 0, incident: null, located: null, gridBox: null,
               selectedMarker: null, locatedMarker: null,
               queueSeq: 0, countsSeq: 0, pointsSeq: 0, gridsSeq: 0, locateSeq: 0};

document.documentElement.lang = htmlLang();

// ---- small helpers -------------------------------------------------------------------

const label = t;

const statusText = (status) => label(status, status);
const actionText = (action) => label("act_" + action, action);
const roleText = (role) => label("role_" + role, role);
const categoryText = (code) => (config.categories[code] || code);

const when = (iso) => dateTime(iso, "short", T.unknown);

function safeClass(code) { return /^[a-z_]+$/.test(code) ? code : "unknown"; }

function statusBadge(status) {
  return el("span", {className: "badge status-badge status-" + safeClass(status)},
            statusText(status));
}

function overdueBadge() { return el("span", {className: "badge text-bg-danger"}, T.overdue); }

// ---- the API (lib/http.js): GET, or POST of a JSON body ---------------------------------

const post = (path, body) => api(path, {json: body});
const bulk = bulkBar({T, roleText, refresh: () => refreshLists()});

/* A short-lived message at the corner of the page (successes and background errors). */
function notify(kind, message) {
  const box = el("div", {className: "alert alert-" + kind + " py-2 px-3 mb-2 shadow-sm",
                         role: kind === "danger" ? "alert" : "status"}, message);
  $("notice").appendChild(box);
  setTimeout(() => box.remove(), kind === "danger" ? 12000 : 4000);
}

function failed(err) { notify("danger", T.error + err.message); }

// ---- counts --------------------------------------------------------------------------

async function loadCounts() {
  const seq = ++state.countsSeq;
  const counts = await api("/api/v1/incidents/counts");
  if (seq !== state.countsSeq) return;
  const chip = (text, n, cls, onClick) => {
    const button = el("button", {type: "button", className: "btn btn-sm count-chip " + cls},
                      text + " ", el("span", {className: "badge rounded-pill"}, n));
    button.addEventListener("click", onClick);
    return button;
  };
  const chips = [
    chip(T.counts_open, counts.open, "btn-primary", () => setFilters("open", false)),
    chip(T.counts_overdue, counts.overdue,
         counts.overdue ? "btn-danger" : "btn-outline-secondary",
         () => setFilters("open", true)),
  ];
  OPEN.forEach((status) => {
    const entry = counts.by_status[status];
    if (!entry || !entry.count) return;
    chips.push(chip(statusText(status), entry.count,
                    "btn-outline-secondary status-chip-" + safeClass(status),
                    () => setFilters(status, false)));
  });
  $("counts").replaceChildren.apply($("counts"), chips);
}

/* The call-back worklist (待回访: closed lately, not yet rated) stands for the status and
 * overdue filters while it is on. */
function callbackMode() {
  const on = $("f-callback").checked;
  $("f-status").disabled = on;
  $("f-overdue").disabled = on;
}

function setFilters(status, overdue) {
  $("f-status").value = status;
  $("f-overdue").checked = overdue;
  $("f-callback").checked = false;
  callbackMode();
  state.offset = 0;
  loadQueue().catch(failed);
}

// ---- the queue -----------------------------------------------------------------------

function queueQuery() {
  const callback = $("f-callback").checked;
  return query({
    status: callback ? "" : $("f-status").value, community: $("f-community").value,
    category: $("f-category").value, assignee: $("f-assignee").value,
    overdue: !callback && $("f-overdue").checked ? "true" : "", q: $("f-q").value.trim(),
    callback: callback ? "due" : "",
    bbox: $("f-view").checked ? bbox(map.getBounds()) : "",
    order: "due", limit: config.pageSize, offset: state.offset,
  });
}

async function loadQueue() {
  const seq = ++state.queueSeq;
  const page = await api("/api/v1/incidents?" + queueQuery());
  if (seq !== state.queueSeq) return;  // a newer request is on its way: keep its answer
  const focusedId = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.id : null;
  const rows = page.incidents.map(queueRow);
  if (!rows.length) {
    rows.push(el("tr", {}, el("td", {colspan: 8, className: "text-muted small py-3"},
                               T.queue_empty)));
  }
  $("queue-rows").replaceChildren.apply($("queue-rows"), rows);
  bulk.shown(page.incidents);
  // a search reads its 10,000 newest matches: then the counts are lower bounds ("10,000+")
  $("queue-total").textContent = fmt(page.total_capped ? T.queue_total_capped : T.queue_total, {
    total: page.total.toLocaleString(locale()), overdue: page.overdue.toLocaleString(locale())});
  const shown = page.incidents.length;
  $("queue-range").textContent = shown ? fmt(T.queue_range, {
    from: state.offset + 1, to: state.offset + shown}) : "";
  $("queue-prev").disabled = state.offset === 0;
  $("queue-next").disabled = state.offset + shown >= page.total;
  if (focusedId) {
    const again = $("queue-rows").querySelector('tr[data-id="' + focusedId + '"]');
    if (again) again.focus();
  }
}

function queueRow(inc) {
  const selected = state.incident && state.incident.id === inc.id;
  const place = inc.address || (inc.lon !== null ? coords(inc.lon, inc.lat) : T.unknown);
  const assignee = inc.assignee_name
    || label("route_" + (inc.routed_to || "unassigned"), T.unknown);
  // A reported incident's next deadline is the response; after that, the resolution.
  const responding = inc.status === "reported" && inc.response_due_at;
  const due = el("td", {className: "text-nowrap"},
                 el("span", {className: "small text-muted me-1"},
                    responding ? T.due_response : T.due_resolve),
                 when(responding ? inc.response_due_at : inc.due_at));
  if (inc.overdue) due.append(" ", overdueBadge());
  return el("tr", {className: "queue-row" + (inc.overdue ? " is-overdue" : ""),
                   tabindex: 0, "data-id": inc.id, "aria-current": selected ? "true" : null},
    el("td", {className: "queue-check"}, bulk.checkbox(inc)),
    el("td", {className: "text-nowrap"}, "#" + inc.id,
       inc.priority === 1 ? el("span", {className: "badge text-bg-warning ms-1"}, T.priority_1)
         : null),
    el("td", {className: "text-nowrap"}, categoryText(inc.category)),
    el("td", {className: "queue-place"}, el("div", {className: "text-truncate"}, place),
       inc.description ? el("div", {className: "text-truncate small text-muted"},
                            inc.description) : null),
    el("td", {className: "text-nowrap", title: inc.grid_code || ""},
       inc.grid_name || T.unknown),
    el("td", {className: "text-nowrap"}, assignee),
    el("td", {}, statusBadge(inc.status)),
    due);
}

function queueKeys(event) {
  const row = event.target.closest("tr.queue-row");
  if (!row || event.target.closest(".queue-check")) return;
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    openIncident(Number(row.dataset.id), {focusPanel: true});
  } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const next = event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
    if (next && next.classList.contains("queue-row")) next.focus();
  }
}

// ---- the map: points and grid boundaries of the view ------------------------------------

handles.incidents.options.iconCreateFunction = (cluster) => {
  const n = cluster.getChildCount();
  const late = cluster.getAllChildMarkers().some((m) => m.options.overdue);
  const size = n < 10 ? "small" : (n < 100 ? "medium" : "large");
  return L.divIcon({html: el("div", {}, el("span", {}, n)), iconSize: L.point(40, 40),
                    className: "marker-cluster marker-cluster-" + size
                      + (late ? " cluster-overdue" : "")});
};

function pointMarker(point) {
  const id = point[0];
  const status = point[3];
  const overdue = point[4];
  const marker = L.marker([point[2], point[1]], {
    keyboard: false, overdue: overdue,
    title: "#" + id + " " + statusText(status) + (overdue ? " · " + T.overdue : ""),
    icon: L.divIcon({className: "incident-pin pin-" + safeClass(status)
                       + (overdue ? " pin-overdue" : ""), iconSize: [14, 14]}),
  });
  marker.on("click", () => openIncident(id, {}));
  return marker;
}

async function loadPoints() {
  const seq = ++state.pointsSeq;
  const data = await api("/api/v1/incidents/points?" + query({
    bbox: bbox(map.getBounds().pad(0.2)), limit: config.pointLimit}));
  if (seq !== state.pointsSeq) return;
  handles.incidents.clearLayers();
  handles.incidents.addLayers(data.points.map(pointMarker));
  $("map-hint-points").textContent = data.truncated
    ? fmt(T.truncated, {n: data.points.length}) : "";
}

function gridTooltip(props) {
  return el("div", {}, el("strong", {}, props.name || ""), " ",
            el("code", {}, props.code || ""),
            el("div", {className: "small"}, props.community_name || ""));
}

async function loadGrids() {
  if (map.getZoom() < config.gridZoom) {
    state.gridsSeq += 1;
    state.gridBox = null;
    handles.grids.clearLayers();
    $("map-hint-grids").textContent = fmt(T.zoom_hint, {zoom: config.gridZoom});
    return;
  }
  $("map-hint-grids").textContent = "";
  const view = map.getBounds();
  if (state.gridBox && state.gridBox.contains(view)) return;  // already drawn
  const box = view.pad(0.3);
  const seq = ++state.gridsSeq;
  const data = await api("/api/v1/grids?" + query({bbox: bbox(box), limit: 500}));
  if (seq !== state.gridsSeq) return;
  handles.grids.clearLayers();
  L.geoJSON(data, {
    style: () => ({color: "#1f5fbf", weight: 2, fillOpacity: 0.06}),
    onEachFeature: (feature, layer) => {
      textTooltip(layer, () => gridTooltip(feature.properties || {}), {sticky: true});
    },
  }).addTo(handles.grids);
  state.gridBox = data.numberMatched > data.numberReturned ? null : box;
}

function refreshMap() {
  Promise.all([loadPoints(), loadGrids()]).catch(failed);
  if ($("f-view").checked) {
    state.offset = 0;
    loadQueue().catch(failed);
  }
}

function showSelected(inc) {
  if (state.selectedMarker) state.selectedMarker.remove();
  state.selectedMarker = null;
  if (inc.lat === null || inc.lat === undefined) return;
  const at = L.latLng(inc.lat, inc.lon);
  state.selectedMarker = L.circleMarker(at, {radius: 13, color: "#0d6efd", weight: 3,
                                             fill: false, interactive: false})
    .addTo(handles.located);
  if (!map.getBounds().contains(at)) map.panTo(at);
}

// ---- locate: address, building code, coordinates or a click ----------------------------

const COORDS = /^\s*(-?\d+(?:\.\d+)?)\s*[,，\s]\s*(-?\d+(?:\.\d+)?)\s*$/;

async function locateSubmit(event) {
  event.preventDefault();
  const q = $("locate-q").value.trim();
  const box = $("locate-results");
  box.replaceChildren();  // no list left over from an earlier search
  if (!q) return;
  const found = COORDS.exec(q);
  if (found) {
    let lon = Number(found[1]);
    let lat = Number(found[2]);
    if (Math.abs(lon) <= 90 && Math.abs(lat) > 90) [lon, lat] = [lat, lon];  // "lat,lon"
    await locatePoint({lon: lon, lat: lat, crs: $("locate-crs").value, pan: true});
    return;
  }
  box.replaceChildren(el("div", {className: "small text-muted"}, T.searching));
  const seq = ++state.locateSeq;
  const data = await api("/api/v1/geocode?" + query({q: q, limit: 8}));
  if (seq !== state.locateSeq) return;
  if (!data.results.length) {
    box.replaceChildren(el("div", {className: "small text-warning-emphasis"}, T.no_match));
    return;
  }
  if (data.results.length === 1) {
    box.replaceChildren();
    await chooseBuilding(data.results[0]);
    return;
  }
  const list = el("div", {className: "list-group list-group-flush results"});
  data.results.forEach((result) => {
    const button = el("button", {type: "button",
                                 className: "list-group-item list-group-item-action py-1"},
      el("div", {}, result.address || result.name || result.code),
      el("div", {className: "small text-muted"}, (result.name ? result.name + " · " : "")
         + result.code + (result.grid ? " · " + result.grid.name : "")));
    button.addEventListener("click", () => {
      box.replaceChildren();
      chooseBuilding(result).catch(failed);
    });
    list.appendChild(button);
  });
  box.replaceChildren(el("div", {className: "small mb-1"}, T.choose_result), list);
  list.querySelector("button").focus();
}

function chooseBuilding(result) {
  return locatePoint({lon: result.lon, lat: result.lat, crs: "wgs84", pan: true,
                      building: result.code, address: result.address || result.name});
}

async function locatePoint(place) {
  const seq = ++state.locateSeq;
  // Only to place the marker: the server converts what is sent (crs=...) itself.
  const wgs = await toWgs84(place.lon, place.lat, place.crs);
  if (seq !== state.locateSeq) return;
  state.located = {lon: place.lon, lat: place.lat, crs: place.crs, building: place.building,
                   address: place.address};
  if (state.locatedMarker) state.locatedMarker.remove();
  state.locatedMarker = L.marker([wgs[1], wgs[0]], {
    keyboard: false, interactive: false,
    icon: L.divIcon({className: "located-pin", iconSize: [24, 24]})}).addTo(handles.located);
  if (place.pan) map.setView([wgs[1], wgs[0]], Math.max(map.getZoom(), 17));
  const box = $("located");
  box.hidden = false;
  box.replaceChildren(el("div", {className: "small text-muted"}, T.searching));
  showCreateForm();
  let info = null;
  try {
    info = await api("/api/v1/lookup?" + query({lon: place.lon, lat: place.lat,
                                                 crs: place.crs}));
  } catch (err) {
    if (seq !== state.locateSeq) return;
    if (err.status !== 404) throw err;
  }
  if (seq !== state.locateSeq) return;
  box.replaceChildren.apply(box, locatedView(info, place));
}

function locatedView(info, place) {
  const where = place.address ? place.address : coords(place.lon, place.lat)
    + " (" + CRS_SHORT[place.crs] + ")";
  const parts = [el("div", {className: "small fw-semibold mb-1"}, where)];
  if (!info) {
    parts.push(el("div", {className: "alert alert-warning py-1 px-2 small mb-0"}, T.outside));
    return parts;
  }
  const rows = el("dl", {className: "located-list mb-0"});
  const add = (term, value) => rows.append(el("dt", {}, term), value);
  if (info.grid) {
    add(T.grid, el("dd", {id: "located-grid"}, el("code", {}, info.grid.code), " ",
                   info.grid.name));
  } else {
    add(T.grid, el("dd", {id: "located-grid", className: "text-warning-emphasis"},
                   T.no_grid));
  }
  if (info.snapped) {
    add("", el("dd", {className: "small text-muted"}, fmt(T.snapped, {m: info.distance_m})));
  }
  if (info.community) {
    add(T.community, el("dd", {}, info.community.name, " ",
                        el("code", {className: "small"}, info.community.code),
                        info.community.office_address
                          ? el("div", {className: "small text-muted"},
                               T.office + "：" + info.community.office_address) : null));
  }
  const workers = el("ul", {className: "list-unstyled mb-0", id: "located-workers"});
  info.workers.forEach((w) => workers.appendChild(el("li", {},
    el("span", {className: "fw-semibold"}, w.name), " ",
    el("span", {className: "badge text-bg-light border"}, roleText(w.role)), " ",
    w.public_phone ? el("a", {href: "tel:" + w.public_phone.replace(/[^0-9+]/g, ""),
                              className: "small"}, w.public_phone) : null,
    w.service_hours ? el("span", {className: "small text-muted"}, " " + w.service_hours)
      : null)));
  if (!info.workers.length) workers.appendChild(el("li", {className: "text-muted small"},
                                                    T.no_workers));
  add(T.workers, el("dd", {}, workers));
  parts.push(rows);
  return parts;
}

function mapClicked(event) {
  const lon = Number(event.latlng.lng.toFixed(6));
  const lat = Number(event.latlng.lat.toFixed(6));
  $("locate-q").value = lon + "," + lat;
  $("locate-crs").value = "wgs84";
  $("locate-results").replaceChildren();
  locatePoint({lon: lon, lat: lat, crs: "wgs84", pan: false}).catch(failed);
}

// ---- creating an incident at the located point --------------------------------------

function showCreateForm() {
  const place = state.located;
  $("create-hint").hidden = true;
  $("create-form").hidden = false;
  $("create-where").replaceChildren(el("span", {className: "text-muted"}, T.point + "："),
    place.building ? place.address || place.building
      : coords(place.lon, place.lat) + " (" + CRS_SHORT[place.crs] + ")");
  $("create-address").value = place.address || "";
}

async function createSubmit(event) {
  event.preventDefault();
  const place = state.located;
  if (!place) return;
  const form = $("create-form");
  const body = {category: form.category.value, priority: Number(form.priority.value),
                source: form.source.value};
  ["description", "address", "reporter_name", "reporter_phone", "external_id"]
    .forEach((name) => {
      const value = form[name].value.trim();
      if (value) body[name] = value;
    });
  if (place.building) {
    body.building = place.building;
  } else {
    body.lon = place.lon;
    body.lat = place.lat;
    body.crs = place.crs;
  }
  $("create-submit").disabled = true;
  try {
    const inc = await post("/api/v1/incidents", body);
    notify("success", fmt(T.created, {id: inc.id}));
    ["description", "reporter_name", "reporter_phone", "external_id"]
      .forEach((name) => { form[name].value = ""; });
    await showIncident(inc, null);
    refreshLists();
  } catch (err) {
    failed(err);
  } finally {
    $("create-submit").disabled = false;
  }
}

// ---- the incident panel (./dispatch_panel.js, loaded when the first incident is opened) --

let panel = null;

async function showIncident(inc, message) {
  if (!panel) {
    panel = import("./dispatch_panel.js").then((module) => module.incidentPanel({
      state, T, label, statusText, actionText, roleText, categoryText, when, statusBadge,
      overdueBadge, openIncident, refreshLists, showSelected, searchQueue}));
  }
  (await panel).showIncident(inc, message);
}

async function openIncident(id, options) {
  try {
    const inc = await api("/api/v1/incidents/" + id);
    await showIncident(inc, null);
    if (options && options.focusPanel) $("panel-body").focus();
  } catch (err) {
    failed(err);
  }
}

// ---- wiring ----------------------------------------------------------------------------

function refreshLists() {
  Promise.all([loadCounts(), loadQueue(), loadPoints()]).catch(failed);
}

function typing(target) {
  return target && (target.isContentEditable
    || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

$("locate-form").addEventListener("submit", (e) => { locateSubmit(e).catch(failed); });
$("create-form").addEventListener("submit", createSubmit);
$("queue-filters").addEventListener("submit", (e) => {
  e.preventDefault();
  state.offset = 0;
  refreshLists();
});
/* The queue of everything matching `text` (a repeat caller's phone, say), any status. */
function searchQueue(text) {
  $("f-q").value = text;
  $("f-status").value = "";
  state.offset = 0;
  loadQueue().catch(failed);
}

assigneeFilter(T, roleText, (err) => failed(err));
$("f-callback").addEventListener("change", callbackMode);
$("queue-filters").addEventListener("change", () => {
  state.offset = 0;
  loadQueue().catch(failed);
});
$("queue-prev").addEventListener("click", () => {
  state.offset = Math.max(0, state.offset - config.pageSize);
  loadQueue().catch(failed);
});
$("queue-next").addEventListener("click", () => {
  state.offset += config.pageSize;
  loadQueue().catch(failed);
});
$("queue-rows").addEventListener("click", (e) => {
  const row = e.target.closest("tr.queue-row");
  if (row && !e.target.closest(".queue-check")) openIncident(Number(row.dataset.id), {});
});
$("queue-rows").addEventListener("keydown", queueKeys);
document.addEventListener("keydown", (e) => {
  if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(e.target)) {
    e.preventDefault();
    $("locate-q").focus();
    $("locate-q").select();
  }
});
map.on("click", mapClicked);
await basemaps.catch(() => null);  // after a GCJ-02 re-projection: one first fetch
map.on("moveend", debounce(refreshMap, 200));
map.getContainer().setAttribute("aria-label", T.layer_incidents);

map.invalidateSize();
refreshLists();
loadGrids().catch(failed);
// /dispatch?incident=ID (the evaluation page's drill-down links here): open that incident
const asked = Number(new URLSearchParams(window.location.search).get("incident"));
if (Number.isInteger(asked) && asked > 0) openIncident(asked, {focusPanel: true});
// Open work keeps arriving: refresh the counts and points, and the queue unless the
// dispatcher is moving through it with the keyboard.
setInterval(() => {
  if (document.hidden) return;
  const inQueue = $("queue").contains(document.activeElement);
  Promise.all([loadCounts(), loadPoints(), inQueue ? null : loadQueue()]).catch(failed);
}, 60000);
