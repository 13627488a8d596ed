/* The evaluation page (/evaluation): every unit's indicators (numerator / denominator on
 * hover, the incidents behind a number on a click), the ranking with the change since the
 * previous period, a 12-month sparkline per unit, drill-down street → community → grid,
 * the indicator's map (/evaluation/map.svg) linked to the caseload map, the monthly
 * report's downloads. Data: /api/v1/stats/evaluation{,/ranking,/trend,/incidents}. */
import {api, query} from "../lib/http.js";
import {$, el, replace} from "../lib/dom.js";
import {fmt, lang, pageConfig, t} from "../lib/i18n.js";
import {dateTime, number, percent} from "../lib/format.js";

const config = pageConfig("eval-config");
const IND = Object.fromEntries(config.indicators.map((i) => [i.key, i]));
const KEYS = config.indicators.map((i) => i.key);
const CHILD = {street: "community", community: "grid"};
const PARENT = {community: "level_street", grid: "level_community", worker: "level_community"};
const form = $("eval-form");
const field = (name) => form.elements.namedItem(name);
const state = {within: []};  // the drill-down path: [{level, code, name}]

const indName = (key) => (lang() === "en" ? IND[key].name.en : IND[key].name.zh);
function show(value, kind) {
  if (kind === "rate") return percent(value);
  return number(value, kind === "hours" ? 1 : 0);
}
function notice(text) { $("notice").textContent = text || ""; }
function failed(err) { notice(t("error") + err.message); }

// ---- the choices, kept in the address bar ----------------------------------------------

function nextMonth(month) {
  const [y, m] = month.split("-").map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
}
function dayBefore(iso) {
  const d = new Date(iso + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}
function mode() { return form.querySelector("input[name=mode]:checked").value; }
function period() {
  if (mode() === "month") {
    const month = field("month").value || config.month;
    return {from: month + "-01", to: nextMonth(month) + "-01", month};
  }
  const from = field("from").value;
  const to = field("to").value;
  return {from, to, month: (to ? dayBefore(to) : from).slice(0, 7)};
}
function within() { return state.within.length ? state.within[state.within.length - 1].code : ""; }
function choices() {
  if (field("level").value === "street") state.within = [];  // streets are not within one
  const p = period();
  return {level: field("level").value, from: p.from, to: p.to, month: p.month,
          category: field("category").value, indicator: field("indicator").value,
          within: within()};
}

function remember() {
  const c = choices();
  const q = {level: c.level, category: c.category, indicator: c.indicator,
             within: state.within.map((w) => `${w.level}:${w.code}:${w.name}`).join("|")};
  if (mode() === "month") q.month = c.month;
  else Object.assign(q, {from: c.from, to: c.to});
  if (lang() === "en") q.lang = "en";
  window.history.replaceState(null, "", window.location.pathname + "?" + query(q));
}

function restore() {
  const url = new URLSearchParams(window.location.search);
  field("level").value = config.levels.includes(url.get("level")) ? url.get("level") : "street";
  field("indicator").value = IND[url.get("indicator")] ? url.get("indicator") : "response_rate";
  field("category").value = url.get("category") || "";
  if (url.get("from") && url.get("to")) {
    form.querySelector("input[value=range]").checked = true;
    field("from").value = url.get("from");
    field("to").value = url.get("to");
  }
  field("month").value = url.get("month") || config.month;
  state.within = (url.get("within") || "").split("|").filter(Boolean).map((part) => {
    const [level, code, ...name] = part.split(":");
    return {level, code, name: name.join(":")};
  }).filter((w) => /^[0-9]{9,12}$/.test(w.code) && CHILD[w.level]);
  periodFields();
}

function periodFields() {
  const byMonth = mode() === "month";
  field("month").hidden = !byMonth;
  field("from").hidden = byMonth;
  field("to").hidden = byMonth;
  field("from").required = !byMonth;
  field("to").required = !byMonth;
}

// ---- the tables ------------------------------------------------------------------------

function unitName(row, level) {
  const name = row.unit.name || row.unit.code;
  if (!CHILD[level]) return el("span", {className: "eval-name", text: name});
  const link = el("a", {href: "#", className: "eval-name", text: name, title: t("drill")});
  link.addEventListener("click", (event) => {
    event.preventDefault();
    state.within.push({level, code: row.unit.code, name});
    field("level").value = CHILD[level];
    load();
  });
  return link;
}

function valueCell(row, key, level) {
  const n = row.indicators[key];
  const ind = IND[key];
  const cls = "eval-num" + (key === field("indicator").value ? " eval-chosen" : "");
  const hint = ind.kind === "rate" || ind.kind === "hours"
    ? `${t("numerator")} ${number(n.numerator, 2)} / ${t("denominator")} ${number(n.denominator)}`
    : `${t("numerator")} ${number(n.numerator)}`;
  const button = el("button", {type: "button", className: "eval-cell", title: hint,
                               text: show(n.value, ind.kind)});
  button.addEventListener("click", () => drill(row.unit, level, key, "numerator"));
  return el("td", {className: cls}, button);
}

function spark(series) {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("width", "84");
  svg.setAttribute("height", "22");
  svg.setAttribute("class", "eval-spark");
  const values = (series || []).map((n) => (n && n.value !== null ? Number(n.value) : null));
  const shown = values.filter((v) => v !== null);
  if (!shown.length) return svg;
  const lo = Math.min(...shown);
  const span = Math.max(...shown) - lo || 1;
  const points = values.map((v, i) => (v === null ? null
    : [2 + i * 80 / Math.max(1, values.length - 1), 20 - (v - lo) / span * 18]))
    .filter(Boolean);
  const line = document.createElementNS(NS, "polyline");
  line.setAttribute("points", points.map((p) => p.map((c) => c.toFixed(1)).join(",")).join(" "));
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", "#0d6efd");
  line.setAttribute("stroke-width", "1.5");
  svg.appendChild(line);
  points.forEach(([x, y]) => {  // a month alone (no neighbour to join) still shows
    const dot = document.createElementNS(NS, "circle");
    dot.setAttribute("cx", x.toFixed(1));
    dot.setAttribute("cy", y.toFixed(1));
    dot.setAttribute("r", "1.8");
    dot.setAttribute("fill", "#0d6efd");
    svg.appendChild(dot);
  });
  const title = document.createElementNS(NS, "title");
  title.textContent = values.map((v) => show(v, IND[field("indicator").value].kind)).join(" · ");
  svg.appendChild(title);
  return svg;
}

function unitsTable(body, trend) {
  const level = body.level;
  const series = Object.fromEntries((trend ? trend.rows : []).map(
    (r) => [r.unit.code, r.series[field("indicator").value]]));
  const head = el("tr", {}, el("th", {text: t("name")}),
                  PARENT[level] ? el("th", {text: t(PARENT[level])}) : null,
                  el("th", {text: t("trend") + " · " + indName(field("indicator").value)}),
                  ...KEYS.map((k) => el("th", {className: "eval-num", scope: "col"},
                                        el("abbr", {title: IND[k].formula[lang()], text: indName(k)}))));
  const rows = body.rows.map((row) => el("tr", {},
    el("th", {scope: "row"}, unitName(row, level)),
    PARENT[level] ? el("td", {className: "eval-name", text: row.unit.parent_name || ""}) : null,
    el("td", {}, spark(series[row.unit.code])),
    ...KEYS.map((k) => valueCell(row, k, level))));
  const total = el("tr", {className: "table-light"}, el("th", {text: t("total")}),
                   PARENT[level] ? el("td") : null, el("td"),
                   ...KEYS.map((k) => el("td", {className: "eval-num",
                                               text: show(body.totals.indicators[k].value, IND[k].kind)})));
  return el("table", {className: "table table-sm table-hover"}, el("thead", {}, head),
            el("tbody", {}, ...rows, total));
}

function change(value, kind, text) {
  if (value === null || value === undefined) return el("span", {text: "—"});
  if (value === 0) return el("span", {text: "0"});
  const up = value > 0;
  return el("span", {className: up ? "eval-up" : "eval-down",
                     text: text(up ? "↑" : "↓", Math.abs(value), kind)});
}

function rankingTable(body) {
  const key = body.indicator;
  const kind = IND[key].kind;
  const rows = body.rows.filter((r) => r.value !== null).map((r) => el("tr", {},
    el("td", {className: "eval-num", text: r.rank}),
    el("td", {className: "eval-name", text: r.unit.name || r.unit.code}),
    el("td", {className: "eval-num", text: show(r.value, kind)}),
    el("td", {className: "eval-num"}, change(r.rank_change, kind, (a, v) => a + v)),
    el("td", {className: "eval-num"}, change(r.value_change, kind, (a, v, k) => a + show(v, k)))));
  if (!rows.length) return el("p", {className: "p-2 mb-0", text: t("no_data")});
  return el("table", {className: "table table-sm"}, el("thead", {}, el("tr", {},
    el("th", {className: "eval-num", text: t("rank")}), el("th", {text: t("name")}),
    el("th", {className: "eval-num", text: indName(key)}),
    el("th", {className: "eval-num", text: t("rank_change")}),
    el("th", {className: "eval-num", text: t("change")}))), el("tbody", {}, ...rows));
}

// ---- the incidents behind a number -----------------------------------------------------

async function drill(unit, level, key, part) {
  const c = choices();
  const body = await api("/api/v1/stats/evaluation/incidents?" + query({
    level, unit: unit.code, indicator: key, part, from: c.from, to: c.to,
    category: c.category, limit: 200})).catch((err) => { failed(err); return null; });
  if (!body) return;
  $("drill-title").textContent = fmt(t("incidents_behind"), {
    name: unit.name || unit.code, indicator: indName(key), part: t(part), n: body.total});
  const other = part === "numerator" ? "denominator" : "numerator";
  const toggle = el("button", {type: "button", className: "btn btn-link btn-sm p-2",
                               text: t(other)});
  toggle.addEventListener("click", () => drill(unit, level, key, other));
  const rows = body.incidents.map((inc) => el("tr", {},
    el("td", {}, config.canOpen
      ? el("a", {href: "/dispatch?" + query({incident: inc.id}), text: "#" + inc.id})
      : el("span", {text: "#" + inc.id})),
    el("td", {text: inc.category}), el("td", {className: "eval-name", text: t(inc.status)}),
    el("td", {text: dateTime(inc.reported_at, "full")}),
    el("td", {text: inc.grid_code || inc.community_code || ""}),
    el("td", {text: inc.address || ""})));
  replace($("drill"), toggle, rows.length ? el("table", {className: "table table-sm"},
    el("thead", {}, el("tr", {}, el("th", {text: t("incident_ref")}), el("th", {text: t("category")}),
      el("th", {text: t("status")}), el("th", {text: t("reported_at")}),
      el("th", {text: t("level_grid")}), el("th", {text: t("address")}))),
    el("tbody", {}, ...rows)) : el("p", {className: "p-2 mb-0", text: t("no_data")}),
  body.truncated ? el("p", {className: "p-2 mb-0 text-muted",
                            text: fmt(t("more"), {n: body.total - rows.length})}) : null);
  $("drill-card").hidden = false;
  $("drill-card").scrollIntoView({block: "nearest"});
}

// ---- loading ---------------------------------------------------------------------------

function crumbs() {
  const all = el("a", {href: "#", text: t("all")});
  all.addEventListener("click", (e) => { e.preventDefault(); state.within = []; field("level").value = "street"; load(); });
  const items = [el("li", {className: "breadcrumb-item"}, all)];
  state.within.forEach((w, i) => {
    const last = i === state.within.length - 1;
    const link = last ? el("span", {text: w.name}) : el("a", {href: "#", text: w.name});
    if (!last) {
      link.addEventListener("click", (e) => {
        e.preventDefault();
        state.within = state.within.slice(0, i + 1);
        field("level").value = CHILD[w.level];
        load();
      });
    }
    items.push(el("li", {className: "breadcrumb-item" + (last ? " active" : "")}, link));
  });
  replace($("crumbs"), ...items);
}

function links(c) {
  const street = state.within.length ? state.within[0].code : "";
  const q = street && street.length === 9 ? "?" + query({street}) : "";
  $("dl-xlsx").href = `/api/v1/reports/monthly/${c.month}.xlsx${q}`;
  $("dl-pdf").href = `/api/v1/reports/monthly/${c.month}.pdf${q}`;
  const measure = config.caseloadMeasures.includes(c.indicator) ? c.indicator : "count";
  $("caseload-link").href = "/maps/caseload?" + query({from: c.from, to: c.to,
    category: c.category, measure, lang: lang() === "en" ? "en" : ""});
  $("eval-map").src = "/evaluation/map.svg?" + query({indicator: c.indicator, from: c.from,
    to: c.to, category: c.category, within: c.within, lang: lang() === "en" ? "en" : ""});
  $("eval-map").alt = fmt(t("map_alt"), {level: t("level_grid"), indicator: indName(c.indicator)});
}

async function load() {
  notice("");
  remember();
  crumbs();
  const c = choices();
  links(c);
  $("drill-card").hidden = true;
  $("units-title").textContent = t("units") + " · " + t("level_" + c.level);
  $("ranking-title").textContent = t("ranking") + " · " + indName(c.indicator);
  const base = {level: c.level, category: c.category, within: c.within};
  try {
    const [units, ranking, trend] = await Promise.all([
      api("/api/v1/stats/evaluation?" + query(Object.assign({from: c.from, to: c.to}, base))),
      api("/api/v1/stats/evaluation/ranking?" + query(Object.assign(
        {from: c.from, to: c.to, indicator: c.indicator}, base))),
      api("/api/v1/stats/evaluation/trend?" + query(Object.assign(
        {month: c.month, indicator: c.indicator}, base))).catch(() => null)]);
    replace($("units"), units.rows.length ? unitsTable(units, trend)
      : el("p", {className: "p-2 mb-0", text: t("no_data")}));
    replace($("ranking"), rankingTable(ranking));
  } catch (err) {
    failed(err);
  }
}

form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
form.querySelectorAll("input[name=mode]").forEach((r) => r.addEventListener("change", periodFields));
$("drill-close").addEventListener("click", () => { $("drill-card").hidden = true; });
restore();
load();
