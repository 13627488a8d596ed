/* A department's queue (/department, app/web/incidents/department.py): the incidents
 * escalated to the caller's department from /api/v1/department/incidents (overdue first),
 * and the dispatcher console's incident panel (./dispatch_panel.js) to act on one.
 * Every text from the server is placed as text (lib/dom.js). */
import {$, el} from "../lib/dom.js";
import {dateTime} from "../lib/format.js";
import {api} from "../lib/http.js";
import {fmt, htmlLang, pageConfig, t} from "../lib/i18n.js";
import {incidentPanel} from "./dispatch_panel.js";

const config = pageConfig("department-config");
const T = config.texts;
const QUEUE = "/api/v1/department/incidents";
const state = {incident: null};
document.documentElement.lang = htmlLang();

const label = t;
const statusText = (status) => label(status, status);
const actionText = (action) => label("act_" + action, action);
const roleText = (role) => label("role_" + role, role);
const categoryText = (code) => (config.categories[code] || code);
const when = (iso) => dateTime(iso, "short", T.unknown);
const safeClass = (code) => (/^[a-z_]+$/.test(code) ? code : "unknown");
const statusBadge = (status) => el("span", {className: "badge status-badge status-"
                                            + safeClass(status)}, statusText(status));
const overdueBadge = () => el("span", {className: "badge text-bg-danger"}, T.overdue);

function failed(err) {
  $("notice").replaceChildren(el("div", {className: "alert alert-danger py-2 px-3 mb-2",
                                         role: "alert"}, T.error + err.message));
}

async function loadQueue() {
  const page = await api(QUEUE + "?order=due&limit=" + config.pageSize);
  $("queue-total").textContent = fmt(T.queue_total, {total: page.total, overdue: page.overdue});
  if (!page.incidents.length) {
    $("queue-rows").replaceChildren(el("tr", {}, el("td", {colSpan: 5,
      className: "text-muted small"}, T.queue_empty)));
    return;
  }
  $("queue-rows").replaceChildren(...page.incidents.map((inc) => {
    const row = el("tr", {className: "queue-row", tabIndex: 0, "data-id": String(inc.id)},
      el("td", {}, "#" + inc.id), el("td", {}, categoryText(inc.category)),
      el("td", {}, inc.community_name || T.unknown),
      el("td", {}, statusBadge(inc.status), inc.overdue ? " " : "",
         inc.overdue ? overdueBadge() : ""),
      el("td", {}, when(inc.due_at)));
    const open = () => openIncident(inc.id, {focusPanel: true});
    row.addEventListener("click", open);
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
    return row;
  }));
}

const panel = incidentPanel({
  state, T, label, statusText, actionText, roleText, categoryText, when, statusBadge,
  overdueBadge, openIncident, refreshLists, showSelected: () => {},
  searchQueue: () => {}, detailPath: QUEUE + "/"});

async function openIncident(id, options) {
  try {
    panel.showIncident(await api(QUEUE + "/" + id), null);
    if (options && options.focusPanel) $("panel-body").focus();
  } catch (err) {
    failed(err);
  }
}

function refreshLists() { loadQueue().catch(failed); }

refreshLists();
