/* The dispatcher console's incident panel (/dispatch): the incident's details, the
 * actions it allows and its history; an action is posted and the panel redrawn. Loaded by
 * ./dispatch.js when the first incident is opened (the console's first load stays small),
 * and given the page's state and text helpers. Every text from the server is placed as
 * text (lib/dom.js). */
import {$, el} from "../lib/dom.js";
import {coords} from "../lib/format.js";
import {api} from "../lib/http.js";
import {fmt} from "../lib/i18n.js";
import {callbackSection} from "./dispatch_callback.js";
import {priorityPicker, workerPicker} from "./dispatch_picker.js";
import {residentReport} from "./dispatch_report.js";

const NOTE_REQUIRED = ["reject", "return", "reopen", "merge", "note", "rework", "escalate",
                       "transfer", "supervise", "extend_request", "extend_refuse"];
// Actions that name a target in a field beside their button (see targeted()).
const TARGETED = ["move", "merge", "escalate", "transfer", "extend_request"];

/* ctx: {state, T, label, statusText, actionText, roleText, categoryText, when, statusBadge,
   overdueBadge, openIncident, refreshLists, showSelected, searchQueue} of the console. */
export function incidentPanel(ctx) {
  const {state, T, label, statusText, actionText, roleText, categoryText, when, statusBadge,
         overdueBadge, openIncident, refreshLists, showSelected, searchQueue} = ctx;
  const post = (path, body) => api(path, {json: body});

  function panelAlert(kind, message, detail) {
    const box = $("panel-alert");
    if (!box) return;
    box.hidden = !message;
    box.className = "alert alert-" + kind + " py-1 px-2 small mb-2";
    box.replaceChildren(message || "");
    if (detail) box.appendChild(el("div", {className: "text-muted"}, detail));
  }

  function showIncident(inc, message) {
    state.incident = inc;
    $("panel-title").textContent = T.panel + " #" + inc.id;
    document.querySelectorAll("#queue-rows tr.queue-row").forEach((row) => {
      if (Number(row.dataset.id) === inc.id) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    const head = el("div", {className: "d-flex flex-wrap align-items-center gap-1 mb-2"},
      el("span", {className: "fs-6 fw-semibold me-1"}, categoryText(inc.category)),
      el("span", {id: "incident-status"}, statusBadge(inc.status)),
      inc.overdue ? overdueBadge() : null,
      el("span", {className: "badge text-bg-light border"},
         label("priority_" + inc.priority, String(inc.priority))));
    const alertBox = el("div", {id: "panel-alert", role: "alert", hidden: true});
    const report = residentReport(inc, {T, when, panelAlert});
    $("panel-body").replaceChildren(head, alertBox, ...flags(inc), details(inc),
                                    ...(report ? [report] : []), actions(inc),
                                    callbackSection({T, label, when, openIncident, panelAlert,
                                                     refreshLists}, inc),
                                    history(inc));
    if (message) panelAlert(message.kind, message.text, message.detail);
    showSelected(inc);
  }

  function flags(inc) {
    const out = [];
    if (inc.boundary) {
      out.push(el("div", {className: "alert alert-info py-1 px-2 small mb-2"},
        fmt(T.boundary, {grid: inc.boundary.grid_code + " " + (inc.boundary.grid_name || ""),
                         m: inc.boundary.distance_m === null ? "?" : inc.boundary.distance_m})));
    }
    if (inc.supervised) {
      out.push(el("div", {className: "alert alert-danger py-1 px-2 small mb-2",
                          id: "incident-supervised"}, fmt(T.supervised, {n: inc.supervised})));
    }
    const pending = (inc.extensions || []).find((x) => x.state === "pending");
    if (pending) {
      out.push(el("div", {className: "alert alert-warning py-1 px-2 small mb-2",
                          id: "incident-extension"},
                  fmt(T.extension_pending, {due: when(pending.due_to), by: pending.requested_by,
                                            reason: pending.reason})));
    }
    [["duplicate_of_id", T.duplicate], ["merged_into_id", T.merged]].forEach((pair) => {
      const other = inc[pair[0]];
      if (!other) return;
      const open = el("button", {type: "button", className: "btn btn-link btn-sm p-0 ms-1"},
                      T.open_incident + " #" + other);
      open.addEventListener("click", () => openIncident(other, {focusPanel: true}));
      out.push(el("div", {className: "alert alert-secondary py-1 px-2 small mb-2"},
                  fmt(pair[1], {id: other}), open));
    });
    return out;
  }

  /* The address given; else the nearest building's; coordinates as a second line. */
  function place(inc) {
    const near = inc.nearest_building;
    const named = inc.address || (near ? [near.address, near.name].filter(Boolean).join(" · ")
                                           : "");
    const point = inc.lon !== null ? coords(inc.lon, inc.lat) : "";
    if (!named) return point || null;
    const second = !inc.address && near ? fmt(T.near_building, {m: near.distance_m}) + " · "
      + point : point;
    return el("span", {}, el("span", {}, named),
              second ? el("div", {className: "small text-muted"}, second) : null);
  }

  /* Why a responsibility overlay took it: its name, the unit that answers (with its phone)
     and the category's precedence; null when no overlay routed it. */
  function why(overlay, category) {
    if (!overlay) return null;
    const unit = [overlay.unit_name, overlay.unit_phone].filter(Boolean).join(" ");
    return fmt(T.routed_by_overlay, {
      overlay: overlay.name, unit: unit, category: categoryText(category),
      rule: label("precedence_" + overlay.precedence, overlay.precedence || "")});
  }

  function details(inc) {
    const dl = el("dl", {className: "incident-details mb-2"});
    const add = (term, value, id) => {
      if (value === null || value === undefined || value === "") return;
      dl.append(el("dt", {}, term), el("dd", {id: id || null}, value));
    };
    add(T.address, place(inc), "incident-place");
    add(T.grid, inc.grid_code ? el("span", {}, el("code", {}, inc.grid_code), " ",
                                   inc.grid_name || "") : T.unknown, "incident-grid");
    add(T.community, inc.community_name);
    add(T.assignee, inc.assignee_name
      ? el("span", {}, inc.assignee_name, " ",
           el("span", {className: "text-muted small"}, roleText(inc.assignee_role || "")))
      : T.unknown, "incident-assignee");
    add(T.department, inc.department_name, "incident-department");
    add(T.routed_to, label("route_" + inc.routed_to, inc.routed_to));
    add(T.routing_why, why(inc.overlay, inc.category), "incident-why");
    add(T.source, label("source_" + inc.source, inc.source));
    const caller = [inc.reporter_name, inc.reporter_phone].filter(Boolean).join(" · ");
    let others = null;
    if (inc.reporter_phone) {  // a repeat caller: their other incidents in the queue
      others = el("button", {type: "button", className: "btn btn-link btn-sm p-0 ms-2",
                             id: "caller-others"}, T.caller_others);
      others.addEventListener("click", () => searchQueue(inc.reporter_phone));
    }
    add(T.reporter_name, caller ? el("span", {}, caller, others) : null);
    add(T.external_id, inc.external_id);
    add(T.reported_at, when(inc.reported_at));
    if (inc.status === "reported") add(T.response_due_at, when(inc.response_due_at));
    add(T.due_at, when(inc.due_at));
    add(T.closed_at, inc.closed_at ? when(inc.closed_at) : null);
    add(T.description, inc.description ? el("span", {className: "incident-description"},
                                            inc.description) : null, "incident-description");
    return dl;
  }

  const ACTION_STYLE = {accept: "btn-primary", dispatch: "btn-primary", start: "btn-primary",
                        reassign: "btn-outline-primary", prioritise: "btn-outline-primary",
                        resolve: "btn-success", close: "btn-success",
                        reject: "btn-outline-danger", return: "btn-outline-warning",
                        reopen: "btn-outline-warning"};

  function actions(inc) {
    const allowed = inc.allowed_actions || [];
    const section = el("section", {className: "incident-actions mb-2",
                                   "aria-labelledby": "actions-title"},
                       el("h3", {className: "h6 small text-muted mb-1", id: "actions-title"},
                          T.actions));
    if (!allowed.length) return section;
    section.appendChild(el("label", {className: "visually-hidden", for: "action-note"},
                           T.note));
    section.appendChild(el("textarea", {className: "form-control form-control-sm mb-1",
                                        id: "action-note", rows: 2, maxlength: 2000,
                                        placeholder: T.note_placeholder}));
    if (allowed.includes("dispatch") || allowed.includes("reassign")) {
      section.appendChild(workerPicker(inc, T, roleText));
    }
    const buttons = el("div", {className: "d-flex flex-wrap gap-1", id: "action-buttons"});
    section.appendChild(buttons);
    allowed.filter((a) => !TARGETED.includes(a) && a !== "prioritise")
      .forEach((action) => buttons.appendChild(actionButton(inc.id, action)));
    if (allowed.includes("prioritise")) {
      section.appendChild(el("div", {className: "input-group input-group-sm mt-1"},
        el("label", {className: "input-group-text", for: "action-priority"}, T.set_priority),
        priorityPicker(inc, T, label), actionButton(inc.id, "prioritise")));
    }
    // Move and merge name their target: each gets its field beside its button.
    if (allowed.includes("move")) {
      section.appendChild(targeted(inc.id, "move", "action-grid", T.move_grid,
                                   inc.boundary ? inc.boundary.grid_code : ""));
    }
    if (allowed.includes("merge")) {
      section.appendChild(targeted(inc.id, "merge", "action-into", T.merge_into,
                                   inc.duplicate_of_id || ""));
    }
    if (allowed.includes("escalate")) section.appendChild(escalateRow(inc.id));
    if (allowed.includes("transfer")) {
      section.appendChild(targeted(inc.id, "transfer", "action-department", T.transfer_to, ""));
    }
    if (allowed.includes("extend_request")) {
      const row = targeted(inc.id, "extend_request", "action-due", T.extend_to, "");
      row.querySelector("input").type = "datetime-local";
      section.appendChild(row);
    }
    return section;
  }

  /* Escalate: to the community, the street or a department (its id, or the catalogue's). */
  function escalateRow(id) {
    const select = el("select", {className: "form-select", id: "action-escalate-to"},
      ...["department", "community", "street"].map((to) =>
        el("option", {value: to}, T["to_" + to])));
    const dept = el("input", {className: "form-control", id: "action-escalate-department",
                              inputmode: "numeric", autocomplete: "off",
                              placeholder: T.department_id, "aria-label": T.department_id});
    select.addEventListener("change", () => { dept.hidden = select.value !== "department"; });
    return el("div", {className: "input-group input-group-sm mt-1 action-target"},
              el("label", {className: "input-group-text", for: "action-escalate-to"},
                 T.escalate_to), select, dept, actionButton(id, "escalate"));
  }

  function actionButton(id, action) {
    const button = el("button", {type: "button", "data-action": action,
                                 className: "btn btn-sm " + (ACTION_STYLE[action]
                                   || "btn-outline-secondary")}, actionText(action));
    button.addEventListener("click", () => act(id, action));
    return button;
  }

  function targeted(id, action, fieldId, text, value) {
    return el("div", {className: "input-group input-group-sm mt-1 action-target"},
              el("label", {className: "input-group-text", for: fieldId}, text),
              el("input", {className: "form-control", id: fieldId, value: value,
                           inputmode: "numeric", autocomplete: "off"}),
              actionButton(id, action));
  }

  function history(inc) {
    const list = el("ol", {className: "history list-unstyled mb-0", id: "incident-history"});
    (inc.history || []).slice().reverse().forEach((event) => {
      const change = event.from_status && event.to_status !== event.from_status
        ? statusText(event.from_status) + " → " + statusText(event.to_status) : "";
      list.appendChild(el("li", {},
        el("div", {className: "small text-muted"}, when(event.at) + " · " + event.actor),
        el("div", {}, el("span", {className: "fw-semibold"}, actionText(event.action)),
           change ? el("span", {className: "small text-muted ms-1"}, change) : null),
        event.note ? el("div", {className: "small history-note"}, event.note) : null,
        fixLine(event.fix), evidence(inc, event.id)));
    });
    return el("section", {"aria-labelledby": "history-title"},
              el("h3", {className: "h6 small text-muted mb-1", id: "history-title"},
                 T.history), list);
  }

  /* The field app's GPS fix of an action; far from the incident: flagged. */
  function fixLine(fix) {
    if (!fix || fix.distance_m === null) return null;
    const m = Math.round(fix.distance_m);
    return fix.far
      ? el("div", {className: "small"}, el("span", {className: "badge text-bg-warning fix-far"},
                                           fmt(T.fix_far, {m})))
      : el("div", {className: "small text-muted"}, fmt(T.fix_near, {m}));
  }

  /* The evidence photos sent with an action: thumbnails opening the photo. */
  function evidence(inc, eventId) {
    const photos = (inc.photos || []).filter((p) => p.event_id === eventId);
    if (!photos.length) return null;
    return el("div", {className: "d-flex flex-wrap gap-1 mt-1 evidence"}, ...photos.map((p, i) =>
      el("a", {href: p.url, target: "_blank", rel: "noopener"},
         el("img", {src: p.url, alt: fmt(T.evidence_photo, {n: i + 1}), loading: "lazy",
                    className: "rounded border"}))));
  }

  async function act(id, action) {
    const note = $("action-note") ? $("action-note").value.trim() : "";
    if (NOTE_REQUIRED.includes(action) && !note) {
      panelAlert("warning", T.note_required);
      $("action-note").focus();
      return;
    }
    const body = {action: action};
    if (note) body.note = note;
    const target = {move: "action-grid", merge: "action-into", transfer: "action-department",
                    escalate: "action-escalate-department",
                    extend_request: "action-due"}[action];
    const value = target ? $(target).value.trim() : "";
    if (action === "move" && value) body.grid = value;
    if (action === "merge" && value) body.into = Number(value);
    const worker = $("action-assignee") ? $("action-assignee").value : "";
    if ((action === "dispatch" || action === "reassign") && worker) body.assignee = Number(worker);
    if (action === "reassign" && !worker) {
      panelAlert("warning", T.pick_worker_first);
      $("action-assignee").focus();
      return;
    }
    if (action === "prioritise") body.priority = Number($("action-priority").value);
    if (action === "escalate") body.to = $("action-escalate-to").value;
    if ((action === "transfer" || (action === "escalate" && body.to === "department"))
        && value) body.department = Number(value);
    if (action === "extend_request" && value) body.due_at = new Date(value).toISOString();
    document.querySelectorAll("button[data-action]").forEach((b) => { b.disabled = true; });
    try {
      const inc = await post("/api/v1/incidents/" + id + "/actions", body);
      showIncident(inc, {kind: "success", text: fmt(T.done, {action: actionText(action)})});
      const next = document.querySelector("#action-buttons button");
      (next || $("panel-body")).focus();
      refreshLists();
    } catch (err) {
      if (err.status !== 409) {
        document.querySelectorAll("button[data-action]").forEach((b) => { b.disabled = false; });
        panelAlert("danger", T.error + err.message);
        return;
      }
      // Someone else moved the incident on: show it as it is now, and say so.
      const fresh = await api((ctx.detailPath || "/api/v1/incidents/") + id)
        .catch(() => null);
      const status = err.details.status || (fresh && fresh.status) || "";
      const message = {kind: "warning", text: fmt(T.conflict, {status: statusText(status)}),
                       detail: err.message};
      if (fresh) showIncident(fresh, message);
      else panelAlert(message.kind, message.text, message.detail);
      $("panel-alert").setAttribute("tabindex", "-1");
      $("panel-alert").focus();
      refreshLists();
    }
  }

  return {showIncident};
}
