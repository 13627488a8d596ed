/* The residents' public map (/map, app/web/public_map.py).
 *
 * A shell filled from the public API as the resident works: outlines of the view
 * (/api/v1/outlines/...), suggestions (/api/v1/geocode), the place (/api/v1/lookup),
 * and the report routes (/api/v1/reports...). Every text from the server is placed with
 * textContent (the `el` helper), never parsed as HTML. A native ES module, no build step;
 * the map and its layers are made by Folium (app/maps/public_map.py) and handed over as
 * window.gridmapPublic.
 */
import {$, el, debounce, replace} from "../lib/dom.js";
import {dateTime, fmt} from "../lib/format.js";
import {ApiError, query, request} from "../lib/http.js";
import {pageConfig} from "../lib/i18n.js";
import {bbox, pinIcon} from "../lib/map.js";

const config = pageConfig("public-config");
const T = config.texts;
const handles = window.gridmapPublic;
const map = handles.map;
// *Seq: the number of the latest request of each kind; older answers are dropped.
const state = {place: null, outlineSeq: 0, lookupSeq: 0, suggestSeq: 0, formToken: null,
               gridLayer: null, outlineKey: "", suggestions: [], active: -1};

// ---- helpers -----------------------------------------------------------------------

function notice(text, isError) {
  const box = $("notice");
  box.textContent = text || "";
  box.classList.toggle("is-error", Boolean(isError));
}

const when = (iso) => dateTime(iso, "full", "—");

/* The API's answer as {status, body, error} (lib/http.js): this page branches on the
   status, a network failure being 0. */
async function api(path, options) {
  try {
    const answer = await request(path, options);
    return {status: answer.status, body: answer.data};
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return {status: err.status, body: null, error: err};
  }
}

function errorText(answer) {
  if (answer.status === 0) return T.network;
  if (answer.status === 429) return T.too_many;
  return T.error + answer.error.message;
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

async function locate(lon, lat, label, zoomTo) {
  pin(lat, lon);
  if (zoomTo) map.setView([lat, lon], Math.max(map.getZoom(), 17));
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
  if (!$("report").hidden) showReport();
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
      ? el.apply(null, ["ul", {className: "workers", id: "place-workers"}]
                        .concat(p.workers.map(workerItem)))
      : el("p", {className: "pm-muted", id: "place-workers"}, T.no_workers));
  }
  replace($("place"), ...parts);
}

// ---- search with suggestions -------------------------------------------------------

const input = $("search-q");
const list = $("suggestions");

function closeSuggestions() {
  list.hidden = true;
  input.setAttribute("aria-expanded", "false");
  state.active = -1;
}

function choose(result) {
  closeSuggestions();
  input.value = result.address || result.name || result.code;
  locate(result.lon, result.lat, [result.address, result.name].filter(Boolean).join(" "),
         true);
}

function showSuggestions(results) {
  state.suggestions = results;
  state.active = -1;
  if (!results.length) {
    replace(list, el("li", {className: "pm-empty", role: "option", "aria-disabled": "true"},
                     T.no_match));
  } else {
    replace.apply(null, [list].concat(results.map((r, i) => el("li", {role: "none"},
      el("button", {type: "button", role: "option", id: "suggestion-" + i,
                    "data-index": i},
         r.address || r.name || r.code,
         el("small", null, [r.name && r.address ? r.name : null,
                            r.community ? r.community.name : null,
                            r.grid ? r.grid.name : null].filter(Boolean).join(" · ")))))));
  }
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
}

const suggest = debounce(async () => {
  const q = input.value.trim();
  if (!q) { closeSuggestions(); return; }
  const seq = ++state.suggestSeq;
  const answer = await api("/api/v1/geocode?" + query({q: q, limit: 8}));
  if (seq !== state.suggestSeq) return;
  if (answer.status === 200) showSuggestions(answer.body.results);
  else if (answer.status !== 400) notice(errorText(answer), true);
}, 250);

input.addEventListener("input", suggest);
input.addEventListener("keydown", (event) => {
  const buttons = list.querySelectorAll("button[role=option]");
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    if (!buttons.length || list.hidden) return;
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    state.active = (state.active + step + buttons.length) % buttons.length;
    buttons.forEach((b, i) => b.setAttribute("aria-selected", String(i === state.active)));
    input.setAttribute("aria-activedescendant", buttons[state.active].id);
  } else if (event.key === "Escape") {
    closeSuggestions();
  }
});
list.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-index]");
  if (button) choose(state.suggestions[Number(button.dataset.index)]);
});
$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (state.active >= 0 && state.suggestions[state.active]) {
    choose(state.suggestions[state.active]);
    return;
  }
  const q = input.value.trim();
  if (!q) return;
  const answer = await api("/api/v1/geocode?" + query({q: q, limit: 8}));
  if (answer.status !== 200) { notice(errorText(answer), true); return; }
  if (answer.body.results.length === 1) choose(answer.body.results[0]);
  else showSuggestions(answer.body.results);
});
document.addEventListener("click", (event) => {
  if (!$("search-form").contains(event.target)) closeSuggestions();
});

// ---- locate me ---------------------------------------------------------------------

$("locate-me").addEventListener("click", () => {
  if (!navigator.geolocation || window.isSecureContext === false) {
    notice(T.geo_unsupported, true);
    return;
  }
  notice(T.locating);
  navigator.geolocation.getCurrentPosition((position) => {
    notice("");
    // Browsers report WGS-84, what the lookup takes by default.
    locate(position.coords.longitude, position.coords.latitude, "", true);
  }, (error) => {
    const text = {1: T.geo_denied, 2: T.geo_unavailable, 3: T.geo_timeout}[error.code];
    notice(text || T.geo_unavailable, true);
  }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
});

// ---- tap the map -------------------------------------------------------------------

map.on("click", (event) => {
  closeSuggestions();
  locate(event.latlng.lng, event.latlng.lat, "", false);
});

// ---- report a problem --------------------------------------------------------------

async function showReport() {
  $("status").hidden = true;
  $("report").hidden = false;
  $("report-form").hidden = false;
  $("report-done").hidden = true;
  const p = state.place;
  if (!p) {
    $("report-where").textContent = T.report_need_place;
    $("report-submit").disabled = true;
  } else {
    $("report-where").textContent = [p.label, p.grid ? p.grid.name : null,
      p.lat.toFixed(5) + ", " + p.lon.toFixed(5)].filter(Boolean).join(" · ");
    $("report-submit").disabled = false;
  }
  if (!state.formToken) {
    const answer = await api("/api/v1/reports/form");
    if (answer.status === 200) state.formToken = answer.body.form_token;
  }
}

$("report-open").addEventListener("click", () => {
  showReport();
  $("report").scrollIntoView({block: "start"});
});
$("report-cancel").addEventListener("click", () => { $("report").hidden = true; });

$("report-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = $("report-form");
  const p = state.place;
  if (!p) { notice(T.report_need_place, true); return; }
  if (!$("report-description").value.trim()) {
    $("report-description").focus();
    notice(T.description_placeholder, true);
    return;
  }
  const file = $("report-photo").files[0];
  if (file && file.size > config.photoMaxBytes) {
    notice(fmt(T.photo_too_big, {mb: Math.floor(config.photoMaxBytes / 1048576)}), true);
    return;
  }
  const data = new FormData(form);
  if (!file) data.delete("photo");
  data.set("lon", p.lon.toFixed(7));
  data.set("lat", p.lat.toFixed(7));
  data.set("form_token", state.formToken || "");
  $("report-submit").disabled = true;
  notice(T.sending);
  const answer = await api("/api/v1/reports", {method: "POST", body: data});
  $("report-submit").disabled = false;
  state.formToken = null;  // one token per report; a fresh one for the next
  if (answer.status !== 201) {
    notice(errorText(answer), true);
    const again = await api("/api/v1/reports/form");
    if (again.status === 200) state.formToken = again.body.form_token;
    return;
  }
  notice("");
  form.reset();
  form.hidden = true;
  const done = $("report-done");
  replace(done, el("p", null, T.sent),
          el("p", {className: "pm-muted"}, T.reference),
          el("p", {className: "reference", id: "report-reference"}, answer.body.reference),
          el("p", {className: "pm-muted"}, T.keep_reference));
  done.hidden = false;
});

// ---- check progress by reference ---------------------------------------------------

$("status-open").addEventListener("click", () => {
  $("report").hidden = true;
  $("status").hidden = false;
  $("status-ref").focus();
});

$("status-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const ref = $("status-ref").value.trim();
  if (!ref) return;
  const answer = await api("/api/v1/reports/" + encodeURIComponent(ref));
  const out = $("status-result");
  if (answer.status === 404) { replace(out, el("p", null, T.status_none)); return; }
  if (answer.status !== 200) { replace(out, el("p", null, errorText(answer))); return; }
  const s = answer.body;
  const rows = [
    el("dt", null, T.reference), el("dd", null, s.reference),
    el("dt", null, T.category), el("dd", null, config.categories[s.category] || s.category),
    el("dt", null, T.reported_at), el("dd", null, when(s.reported_at)),
  ];
  if (s.closed_at) rows.push(el("dt", null, T.closed_at), el("dd", null, when(s.closed_at)));
  rows.push(el("dt", null, T.public_note),
            el("dd", {id: "status-note"}, s.public_note || T.no_note));
  replace(out,
    el("p", null, el("span", {className: "state state-" + (s.state === "closed" ? "closed"
                                                                                : "open"),
                              id: "status-state"},
                         s.state === "closed" ? T.state_closed : T.state_open)),
    el.apply(null, ["dl", {className: "status-table"}].concat(rows)));
});

// ---- keep the place in view as the panel grows and shrinks -------------------------

if (window.ResizeObserver) {
  new ResizeObserver(debounce(() => {
    map.invalidateSize({pan: false});
    if (state.place) map.panTo([state.place.lat, state.place.lon], {animate: false});
  }, 100)).observe(document.querySelector(".pm-map"));
}

// ---- start -------------------------------------------------------------------------

map.on("moveend", debounce(refreshOutlines, 150));
refreshOutlines();
if (config.start) locate(config.start.lon, config.start.lat, config.start.label, false);
