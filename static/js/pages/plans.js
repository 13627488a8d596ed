/* The list of redraw plans and the form that starts one (/plans, app/web/plans/planner.py).
 * Texts from the server are placed with textContent only. A native ES module, no build step. */
import {$, el} from "../lib/dom.js";
import {dateTime} from "../lib/format.js";
import {api} from "../lib/http.js";
import {fmt, pageConfig} from "../lib/i18n.js";
import {sayReason} from "../lib/reasons.js";

const config = pageConfig("plans-config");
const T = config.texts;

function notice(text, kind) {
  const box = $("notice");
  box.replaceChildren(el("div", {class: "alert alert-" + (kind || "danger") + " py-1", text}));
}

/* A refused request's fields ({field: [message, ...]}, or by item: {field: {0: [...]}})
   as words in the page's language: “field”：reason. */
function fieldErrors(errors, prefix) {
  return Object.entries(errors).flatMap(([name, value]) => {
    const field = prefix ? prefix + "[" + name + "]" : name;
    if (value && typeof value === "object" && !Array.isArray(value)) return fieldErrors(value, field);
    return [].concat(value).map((reason) =>
      fmt(T.field_error, {field, reason: sayReason(String(reason), config.reasons)}));
  });
}

/* The API's message in the page's language (an upload's refused features: the count and
   the first, app/web/reasons.py), then each other refused form field's reason. */
function explain(err) {
  const head = sayReason(err.message, config.reasons);
  const rows = err.details && err.details.errors;
  if (!rows || typeof rows !== "object") return head;
  const others = Object.fromEntries(Object.entries(rows).filter(([name]) => name !== err.details.param));
  const said = fieldErrors(others).slice(0, 8);  // (the message says the first field's)
  return [head, ...said].join(config.reasons.separator);
}

function editorUrl(id) {
  return config.editor + "/" + id + (config.lang === "en" ? "?lang=en" : "");
}

const BADGE = {draft: "bg-secondary", scheduled: "bg-warning text-dark"};

/* A scheduled plan: its day, and for planners the button that cancels it. */
function statusCell(p) {
  const cell = el("td", {}, el("span", {class: "badge " + (BADGE[p.status] || "bg-success"),
                                        text: T["status_" + p.status] || p.status}));
  if (p.status !== "scheduled" || !p.effective) return cell;
  cell.append(el("div", {class: "small effective text-nowrap", text: fmt(T.effective_on, {date: p.effective})}));
  if (config.canWrite) {
    const button = el("button", {type: "button", class: "btn btn-outline-danger btn-sm py-0 cancel-schedule",
                                 text: T.cancel_schedule});
    button.addEventListener("click", () => cancelSchedule(p, button));
    cell.append(button);
  }
  return cell;
}

async function cancelSchedule(p, button) {
  if (!window.confirm(T.cancel_schedule_confirm)) return;
  button.disabled = true;
  try {
    await api("/api/v1/plans/" + p.id + "/cancel", {method: "POST", headers: {"If-Match": p.etag}});
    await load();
    notice(T.schedule_cancelled, "success");
  } catch (err) {
    notice(T.error + explain(err));
    button.disabled = false;
  }
}

async function load() {
  const rows = $("plans-rows");
  try {
    const body = await api("/api/v1/plans?limit=500");
    if (!body.plans.length) {
      rows.replaceChildren(el("tr", {}, el("td", {colspan: "7", class: "text-muted", text: T.no_plans})));
      return;
    }
    rows.replaceChildren(...body.plans.map((p) => {
      const link = el("a", {href: editorUrl(p.id), text: p.name});
      const changed = dateTime(p.updated_at);
      return el("tr", {"data-plan": String(p.id), class: "plan-row"},
        el("td", {text: String(p.id)}), el("td", {}, link),
        statusCell(p),
        el("td", {text: p.community.name + " " + p.community.code}),
        el("td", {text: String(p.grids)}), el("td", {text: p.created_by || T.none}),
        el("td", {text: changed}));
    }));
  } catch (err) {
    notice(T.error + explain(err));
  }
}

function source() {
  return document.querySelector('input[name="source"]:checked').value;
}

function showFields() {
  $("file-fields").hidden = source() !== "file";
  $("auto-fields").hidden = source() !== "auto";
}

async function create(event) {
  event.preventDefault();
  const community = $("create-community").value;
  const name = $("create-name").value.trim();
  let path = "/api/v1/plans";
  let body;
  let json;
  if (source() === "file") {
    const file = $("create-file").files[0];
    if (!file) { notice(T.error + T.file); return; }
    body = new FormData();
    body.append("file", file);
    body.append("community", community);
    body.append("name", name);
    if ($("create-code-field").value.trim()) body.append("code_field", $("create-code-field").value.trim());
  } else {
    const fields = {community, name};
    if (source() === "auto") {
      path = "/api/v1/plans/auto";
      if (document.querySelector('input[name="auto_by"]:checked').value === "grids") {
        fields.grids = Number($("auto-grids").value);
      } else {
        fields.band = [Number($("auto-min").value), Number($("auto-max").value)];
      }
    } else {
      fields.source = "current";
    }
    json = fields;
  }
  $("create-submit").disabled = true;
  notice(T.creating, "info");
  try {
    const plan = await api(path, {method: "POST", body, json});
    window.location.assign(editorUrl(plan.id));
  } catch (err) {
    notice(T.error + explain(err));
    $("create-submit").disabled = false;
  }
}

if (config.canWrite) {
  document.querySelectorAll('input[name="source"]').forEach((r) => r.addEventListener("change", showFields));
  $("create-form").addEventListener("submit", create);
  showFields();
}
load();
