/* The patrol coverage page: /patrols (app/web/patrols/coverage.py).
 *
 * Folium lays out the map (app/maps/patrol_map.py) and hands it over as
 * window.gridmapPatrols; this script adds the basemap switcher, fetches the coverage of the
 * chosen period and community (/api/v1/patrols/coverage with the grids' outlines), colours
 * each grid by days since it was last walked, and fills the summary, the workers' table and
 * the list of idle grids. Text from the server is placed with textContent, never as HTML.
 */
import {$, el, replace} from "../lib/dom.js";
import {dateTime, number} from "../lib/format.js";
import {useBasemaps} from "../lib/basemaps.js";
import {api, query} from "../lib/http.js";
import {fmt, htmlLang, pageConfig} from "../lib/i18n.js";
import {keepSized, textTooltip} from "../lib/map.js";

const config = pageConfig("patrols-config");
const T = config.texts;
const H = window.gridmapPatrols;
const map = H.map;
useBasemaps(map);
keepSized(map);
document.documentElement.lang = htmlLang();

// Walked recently: greens; within N days: yellow; idle beyond N: orange; never: red.
const COLOURS = {"1": "#1a9850", "7": "#91cf60", idle: "#fc8d59", never: "#d73027"};
const LATER = "#fee08b";  // the band ending at N when N > 7
const colour = (band) => COLOURS[band] || LATER;

const form = $("patrols-form");
const url = new URLSearchParams(window.location.search);
const defaults = {from: config.from, to: config.to, community: config.community,
                  idle_days: String(config.idleDays)};
Object.entries(defaults).forEach(([name, value]) => {
  const input = form.elements.namedItem(name);
  const wanted = url.get(name) || value;
  if (input.tagName === "SELECT" && ![...input.options].some((o) => o.value === wanted)) return;
  input.value = wanted;
});

const legend = L.control({position: "bottomright"});
legend.onAdd = () => el("div", {className: "patrols-legend", id: "legend", role: "region",
                                "aria-label": T.legend});
legend.addTo(map);

function choices() {
  const values = {};
  ["from", "to", "community", "idle_days"].forEach((name) => {
    const value = form.elements.namedItem(name).value;
    if (value) values[name] = value;
  });
  return values;
}

function bandLabel(band, idleDays) {
  if (band === "never") return T.band_never;
  if (band === "idle") return fmt(T.band_idle, {n: idleDays});
  return fmt(T.band_le, {n: band});
}

function drawLegend(bands, idleDays) {
  const rows = [...bands.map(String), "idle", "never"].map((band) =>
    el("div", {}, el("span", {className: "swatch", style: `background:${colour(band)}`}),
       bandLabel(band, idleDays)));
  replace($("legend"), el("div", {className: "patrols-legend-title"}, T.legend), ...rows);
}

function lastWalked(grid) {
  if (!grid.last_walked_at) return T.never;
  return dateTime(grid.last_walked_at, "short") + " (" + fmt(T.days_ago,
                                                             {n: number(grid.days_since, 1)}) + ")";
}

function tip(grid) {
  const rows = [[T.grid, grid.code], [T.community, grid.community.name],
                [T.last_walked, lastWalked(grid)], [T.patrols, number(grid.patrols)],
                [T.distance_km, number(grid.distance_m / 1000, 2)]];
  return el("div", {className: "patrols-tip"}, el("strong", {}, grid.name),
            el("dl", {className: "patrols-summary"},
               ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])));
}

function drawGrids(grids) {
  H.grids.clearLayers();
  grids.forEach((grid) => {
    const layer = L.geoJSON({type: "Feature", geometry: grid.geometry, properties: {}}, {
      style: {color: "#444", weight: 1, fillColor: colour(grid.band), fillOpacity: 0.6}});
    textTooltip(layer, () => tip(grid), {sticky: true});
    layer.addTo(H.grids);
  });
  if (grids.length && !url.has("keep")) {
    const bounds = H.grids.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, {padding: [10, 10], maxZoom: 17});
  }
}

function duration(seconds) {
  const minutes = Math.round(seconds / 60);
  return fmt(T.hours_minutes, {h: Math.floor(minutes / 60), m: minutes % 60});
}

function table(headers, rows, empty) {
  if (!rows.length) return el("p", {className: "p-2 mb-0 text-muted"}, empty);
  return el("table", {className: "table table-sm table-striped mb-0"},
            el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {scope: "col"}, h)))),
            el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c))))));
}

function drawPanel(body) {
  const totals = body.totals;
  const facts = [[T.grids_total, number(totals.grids)], [T.grids_walked, number(totals.walked)],
                 [fmt(T.idle_grids, {n: body.idle_days}), number(totals.idle)],
                 [T.patrols, number(totals.patrols)],
                 [T.distance_km, number(totals.distance_m / 1000, 2)],
                 [T.time, duration(totals.duration_s)]];
  replace($("summary"), el("dl", {className: "patrols-summary"},
                           ...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])));
  replace($("workers"), table(
    [T.worker, T.community, T.patrols, T.distance_km, T.time],
    body.workers.map((w) => [w.name, w.community.name || "—", number(w.patrols),
                             number(w.distance_m / 1000, 2), duration(w.duration_s)]),
    T.no_workers));
  $("idle-title").textContent = fmt(T.idle_grids, {n: body.idle_days});
  replace($("idle"), table(
    [T.grid, T.community, T.last_walked],
    body.idle_grids.map((g) => [`${g.name} (${g.code})`, g.community.name, lastWalked(g)]),
    T.no_idle));
}

let seq = 0;
async function load() {
  const mine = ++seq;
  $("notice").textContent = "";
  try {
    const body = await api("/api/v1/patrols/coverage?" + query(
      Object.assign(choices(), {geometry: "true"})));
    if (mine !== seq) return;
    drawLegend(body.bands, body.idle_days);
    drawGrids(body.grids);
    drawPanel(body);
    $("patrols-page").dataset.loaded = String(mine);
  } catch (err) {
    if (mine === seq) $("notice").textContent = T.error + err.message;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const values = choices();
  window.history.replaceState(null, "", "?" + new URLSearchParams(values).toString());
  load();
});
load();
