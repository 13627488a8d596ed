/* The residents' public map (/map): a shell filled from the public API — outlines of the
 * view, the place looked up and its card; search and the report forms load when first
 * used. Texts from the server are placed as text. The map is Folium's
 * (app/maps/public_map.py), handed over as window.gridmapPublic. */
import {$, el, debounce, replace} from "../lib/dom.js";
import {ApiError, query, request} from "../lib/http.js";
import {fmt, pageConfig} from "../lib/i18n.js";
import {useBasemaps} from "../lib/basemaps.js";
import {bbox, keepSized, keepTooltipsInView, pinIcon} from "../lib/map.js";

const config = pageConfig("public-config");
const T = config.texts;
const handles = window.gridmapPublic;
const map = handles.map;
const basemaps = useBasemaps(map);
keepTooltipsInView();
// *Seq: the number of the latest request of each kind; older answers are dropped.
const state = {place: null, outlineSeq: 0, lookupSeq: 0, suggestSeq: 0, formToken: null,
               gridLayer: null, outlineKey: "", suggestions: [], active: -1};

// ---- helpers -----------------------------------------------------------------------

/* A message where the resident is looking: the box sticks to the top of the panel and is
   brought into view. */
function notice(text, isError) {
  const box = $("notice");
  box.textContent = text || "";
  box.classList.toggle("is-error", Boolean(isError));
  if (text) box.scrollIntoView({block: "nearest"});
}

/* {status (0: no answer), body, error}: this page branches on the status. */
async function api(path, options) {
  try {
    const answer = await request(path, options);
    return {status: answer.status, body: answer.data};
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return {status: err.status, body: null, error: err};
  }
}

// The server's messages are English; a resident reads this page's own words for them.
const ERRORS = {description: "err_description", form_token: "err_form", website: "err_form",
                reference: "err_reference", photo: "err_photo", lon: "outside", lat: "outside",
                comment: "err_comment", fixed: "err_comment", rating: "rate_choose"};

function errorText(answer) {
  if (answer.status === 0) return T.network;
  if (answer.status === 429) return T.too_many;
  const key = ERRORS[answer.error && answer.error.details.param];
  if (key) return T[key];
  return config.lang === "en" && answer.error ? T.error + answer.error.message : T.error_generic;
}

// ---- outlines of the view ----------------------------------------------------------

const GRID_STYLE = {color: "#1f6feb", weight: 1.5, fillOpacity: 0.04};
const HIGHLIGHT = {color: "#d1242f", weight: 3, fillOpacity: 0.12};
const COMMUNITY_STYLE = {color: "#12385f", weight: 1.5, fillOpacity: 0.03, dashArray: "4 3"};

async function refreshOutlines() {
  const zoom = map.getZoom();
  const grids = zoom >= config.gridZoom;
  $("zoom-hint").hidden = grids;
  if (zoom < config.communityZoom) {
    handles.communities.clearLayers();
    handles.grids.clearLayers();
    state.outlineKey = "";
    return;
  }
  const kind = grids ? "grids" : "communities";
  const b = map.getBounds().pad(0.25);
  const box = bbox(b, 4);
  const key = kind + box + zoom;
  if (key === state.outlineKey) return;
  state.outlineKey = key;
  const seq = ++state.outlineSeq;
  const answer = await api("/api/v1/outlines/" + kind + "?" + query({bbox: box, zoom: zoom}));
  if (seq !== state.outlineSeq || answer.status !== 200) return;
  handles.communities.clearLayers();
  handles.grids.clearLayers();
  state.gridLayer = null;
  const layer = L.geoJson(answer.body, {
    style: () => (grids ? GRID_STYLE : COMMUNITY_STYLE),
    interactive: false,
  });
  layer.addTo(grids ? handles.grids : handles.communities);
  if (grids) {
    state.gridLayer = layer;
    highlightGrid();
  }
}

function highlightGrid() {
  if (!state.gridLayer) return;
  const code = state.place && state.place.grid ? state.place.grid.code : null;
  state.gridLayer.eachLayer((layer) => {
    const mine = code && layer.feature.properties.code === code;
    layer.setStyle(mine ? HIGHLIGHT : GRID_STYLE);
    if (mine) layer.bringToFront();
  });
}

// ---- the place: lookup and its card ------------------------------------------------

function pin(lat, lon) {
  handles.place.clearLayers();
  L.marker([lat, lon], {icon: pinIcon("place-pin", 24), keyboard: false, interactive: false})
    .addTo(handles.place);
}

// A picked place (a search result, "locate me") is shown at street level: its building
// and the street in front, not the whole grid (zoom 17 showed a grid on a phone).
const PLACE_ZOOM = 18;

async function locate(lon, lat, label, zoomTo) {
  pin(lat, lon);
  if (zoomTo) map.setView([lat, lon], Math.max(map.getZoom(), PLACE_ZOOM), {animate: false});
  replace($("place"), el("p", {className: "pm-muted"}, T.looking_up));
  const seq = ++state.lookupSeq;
  const answer = await api("/api/v1/lookup?" + query({lon: lon.toFixed(7),
                                                       lat: lat.toFixed(7)}));
  if (seq !== state.lookupSeq) return;
  state.place = null;
  if (answer.status === 404) {
    replace($("place"), el("p", {className: "pm-muted", id: "place-outside"}, T.outside));
  } else if (answer.status !== 200) {
    replace($("place"), el("p", {className: "pm-muted"}, errorText(answer)));
  } else {
    state.place = Object.assign({lon: lon, lat: lat, label: label || ""}, answer.body);
    renderPlace(state.place);
  }
  highlightGrid();
  if (!$("report").hidden) reporting().then((forms) => forms.showReport());
}

function roleText(role) { return T["role_" + role] || role; }

function telHref(number) { return "tel:" + String(number).replace(/[^\d+]/g, ""); }

function workerItem(w) {
  const who = el("div", null,
    el("span", {className: "worker-name"}, w.name),
    el("span", {className: "worker-role"}, roleText(w.role)),
    w.service_hours ? el("span", {className: "worker-hours"},
                         T.hours + T.sep + w.service_hours) : null);
  let contact;
  if (w.public_phone) {
    contact = el("a", {className: "call", href: telHref(w.public_phone),
                       "aria-label": T.call + " " + w.name + " " + w.public_phone},
                 "☎ " + w.public_phone);
  } else if (config.relay) {
    contact = el("div", null,
      w.masked_phone ? el("span", {className: "worker-phone"},
                          w.masked_phone + "（" + T.masked + "） ") : null,
      el("a", {className: "call relay", href: telHref(config.relay),
               "aria-label": T.relay + " " + config.relay}, "☎ " + T.relay));
  } else {
    contact = el("span", {className: "worker-phone"},
                 w.masked_phone ? w.masked_phone + "（" + T.masked + "）" : T.no_phone);
  }
  return el("li", null, who, contact);
}

function renderPlace(p) {
  const parts = [];
  if (p.label) parts.push(el("p", {className: "pm-muted", id: "place-label"}, p.label));
  if (p.grid) {
    parts.push(el("div", {className: "place-head"},
      el("h2", {className: "place-grid", id: "place-grid"}, p.grid.name),
      el("span", {className: "place-code"}, T.grid + " " + p.grid.code)));
    if (p.snapped) {
      parts.push(el("p", {className: "place-snapped"},
                    fmt(T.snapped, {m: Math.round(p.distance_m)})));
    }
  } else {
    parts.push(el("p", {className: "pm-muted", id: "place-no-grid"}, T.no_grid));
  }
  if (p.community) {
    parts.push(el("p", {className: "place-community", id: "place-community"},
      T.community + T.sep + p.community.name +
      (p.community.street_name ? "（" + p.community.street_name + "）" : "")));
    if (p.community.office_address) {
      parts.push(el("p", {className: "place-office", id: "place-office"},
                    T.office + T.sep + p.community.office_address));
    }
  }
  if (p.grid) {
    parts.push(el("h3", {className: "pm-sr"}, T.workers));
    parts.push(p.workers.length
      ? el("ul", {className: "workers", id: "place-workers"}, ...p.workers.map(workerItem))
      : el("p", {className: "pm-muted", id: "place-workers"}, T.no_workers));
  }
  replace($("place"), ...parts);
}

// ---- search, locate me (./public_search.js, loaded when first used) --------------

let search = null;
let searchBox = null;

function searching() {
  if (!search) {
    search = import("./public_search.js").then((module) => {
      searchBox = module.searchBox({state, T, notice, api, errorText, locate});
      return searchBox;
    });
  }
  return search;
}

function closeSuggestions() {
  if (searchBox) searchBox.close();
}

$("search-q").addEventListener("focus", searching, {once: true});
$("search-q").addEventListener("input", () => searching().then((box) => box.suggest()));
$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  searching().then((box) => box.submit());
});
$("locate-me").addEventListener("click", () => searching().then((box) => box.locateMe()));

// ---- tap the map -------------------------------------------------------------------

map.on("click", (event) => {
  closeSuggestions();
  locate(event.latlng.lng, event.latlng.lat, "", false);
});

// ---- report, check progress (./public_report.js, loaded when first used) ---------

let reports = null;

function reporting() {
  if (!reports) {
    reports = import("./public_report.js").then((module) => module.reportForms({
      state, T, config, notice, api, errorText}));
  }
  return reports;
}

$("report-open").addEventListener("click", () => {
  reporting().then((forms) => {
    forms.showReport();
    $("report").scrollIntoView({block: "start"});
  });
});
$("report-cancel").addEventListener("click", () => { $("report").hidden = true; });
$("report-form").addEventListener("submit", (event) => {
  event.preventDefault();
  reporting().then((forms) => forms.sendReport());
});
$("status-open").addEventListener("click", () => {
  $("report").hidden = true;
  $("status").hidden = false;
  $("status-ref").focus();
});
$("status-form").addEventListener("submit", (event) => {
  event.preventDefault();
  reporting().then((forms) => forms.checkStatus());
});

// ---- keep the place in view as the panel grows and shrinks -------------------------

keepSized(map, () => {
  if (state.place) map.panTo([state.place.lat, state.place.lon], {animate: false});
});

// ---- start -------------------------------------------------------------------------

await basemaps.catch(() => null);  // after a GCJ-02 re-projection: one first fetch
map.on("moveend", debounce(refreshOutlines, 150));
refreshOutlines();
if (config.start) locate(config.start.lon, config.start.lat, config.start.label, false);
