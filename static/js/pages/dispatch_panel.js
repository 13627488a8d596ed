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

const NOTE_REQUIRED = ["reject", "return", "reopen", "merge", "note", "rework"];

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
    $("panel-body").replaceChildren(head, alertBox, ...flags(inc), details(inc),
                                    actions(inc),
                                    callbackSection({T, label, when, openIncident, panelAlert, refreshLists},
                                                    inc),
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

  function details(inc) {
    const dl = el("dl", {className: "incident-details mb-2"});
    const add = (term, value, id) => {
      if (value === null || value === undefined || value === "") return;
      dl.append(el("dt", {}, term), el("dd", {id: id || null}, value));
    };
    add(T.address, inc.address || (inc.lon !== null ? coords(inc.lon, inc.lat) : null));
    add(T.grid, inc.grid_code ? el("span", {}, el("code", {}, inc.grid_code), " ",
                                   inc.grid_name || "") : T.unknown, "incident-grid");
    add(T.community, inc.community_name);
    add(T.assignee, inc.assignee_name
      ? el("span", {}, inc.assignee_name, " ",
           el("span", {className: "text-muted small"}, roleText(inc.assignee_role || "")))
      : T.unknown, "incident-assignee");
    add(T.routed_to, label("route_" + inc.routed_to, inc.routed_to));
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
    const buttons = el("div", {className: "d-flex flex-wrap gap-1", id: "action-buttons"});
    section.appendChild(buttons);
    allowed.filter((a) => a !== "move" && a !== "merge")
      .forEach((action) => buttons.appendChild(actionButton(inc.id, action)));
    // Move and merge name their target: each gets its field beside its button.
    if (allowed.includes("move")) {
      section.appendChild(targeted(inc.id, "move", "action-grid", T.move_grid,
                                   inc.boundary ? inc.boundary.grid_code : ""));
    }
    if (allowed.includes("merge")) {
      section.appendChild(targeted(inc.id, "merge", "action-into", T.merge_into,
                                   inc.duplicate_of_id || ""));
    }
    return section;
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
    const target = {move: "action-grid", merge: "action-into"}[action];
    const value = target ? $(target).value.trim() : "";
    if (action === "move" && value) body.grid = value;
    if (action === "merge" && value) body.into = Number(value);
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
      const fresh = await api("/api/v1/incidents/" + id).catch(() => null);
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
